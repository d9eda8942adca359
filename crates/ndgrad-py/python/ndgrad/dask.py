"""Gradients of dask arrays, bit-identical to ``numpy.gradient`` on the computed array.

``ndgrad.dask.gradient(x, *varargs, axis=None, edge_order=1)`` returns lazy dask arrays (one,
or a tuple, like NumPy). Each output block is computed by ndgrad's engine from the input
block plus a halo of neighbouring samples along the axis, with the spacing resolved once over
the whole axis (uniform coordinates are recognized globally, as NumPy does), so the result
equals NumPy's for any chunking: chunks of a single sample and ragged chunks included (chunks
thinner than the halo are merged with a neighbour first). It runs on any dask scheduler,
``distributed`` clusters included; the workers need ndgrad installed.

Spacing may be given in every form NumPy accepts: scalars, NumPy scalars, coordinate arrays,
and dask coordinate arrays (1-D; they are computed once when the graph is built).
"""

from __future__ import annotations

import numpy as np

from . import _native

__all__ = ["gradient"]


def gradient(x, *varargs, axis=None, edge_order=1):
    """The gradient of dask array ``x``, exactly as ``numpy.gradient(x.compute(), ...)``.

    Returns a dask array for one axis, otherwise a tuple of dask arrays (``()`` for 0-d
    input or ``axis=()``). Raises NumPy's exceptions for invalid arguments, before any
    computation.
    """
    import dask.array as da

    x = da.asarray(x)
    if any(np.isnan(c) for chunks in x.chunks for c in chunks):
        raise ValueError("ndgrad.dask needs known chunk sizes; call x.compute_chunk_sizes() first")
    varargs = tuple(_materialize(v) for v in varargs)
    axes = _native.plan_axes(list(x.shape), varargs, axis, edge_order)
    # The engine's dtype table decides which data it computes and the gradient's dtype.
    out_name = _native.output_dtype(x.dtype)
    if isinstance(axes, _native.Declined) or out_name is None:
        why = axes.reason if isinstance(axes, _native.Declined) else f"got dtype {x.dtype}"
        raise NotImplementedError(
            f"ndgrad.dask computes float, complex and integer data with numeric spacing "
            f"({why}); use dask.array.gradient for this call"
        )
    spacing = _per_axis_spacing(varargs, len(axes))
    out_dtype = np.dtype(out_name)
    outs = tuple(_axis_gradient(x, a, s, edge_order, out_dtype) for a, s in zip(axes, spacing))
    return outs[0] if len(outs) == 1 else outs


def _materialize(v):
    """Dask coordinate arrays are small (1-D): compute them once."""
    if hasattr(v, "__dask_graph__"):
        return np.asarray(v.compute())
    return v


def _per_axis_spacing(varargs, n_axes):
    """NumPy's `*varargs` rule: none, one scalar for every axis, or one per axis."""
    if not varargs:
        return [()] * n_axes
    if len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        return [varargs] * n_axes
    return [(v,) for v in varargs]


def _merge_thin_chunks(chunks, minimum):
    """Chunks along an axis, each at least `minimum` long (neighbours merged)."""
    merged = []
    for c in chunks:
        if merged and merged[-1] < minimum:
            merged[-1] += c
        else:
            merged.append(c)
    if len(merged) > 1 and merged[-1] < minimum:
        last = merged.pop()
        merged[-1] += last
    return tuple(merged)


def _axis_gradient(x, axis, spacing, edge_order, out_dtype):
    import dask.array as da
    from dask.base import tokenize

    # A halo of `edge_order` samples reaches the neighbours every output sample reads,
    # including the three samples of a second-order edge, when no chunk is thinner.
    depth = 1 if edge_order == 1 else 2
    length = x.shape[axis]
    chunks = _merge_thin_chunks(x.chunks[axis], depth)
    if chunks != x.chunks[axis]:
        x = x.rechunk({axis: chunks})
    starts = np.concatenate([[0], np.cumsum(chunks)[:-1]]).tolist()
    overlapped = da.overlap.overlap(x, depth={axis: depth}, boundary={axis: "none"})

    def block(b, block_id=None):
        i = block_id[axis]
        start = starts[i]
        left = depth if i > 0 else 0
        return _native.gradient_block(
            b, spacing, axis, length, start - left, start, start + chunks[i], edge_order
        )

    return da.map_blocks(
        block,
        overlapped,
        chunks=x.chunks,
        dtype=out_dtype,
        meta=np.empty((0,) * x.ndim, dtype=out_dtype),
        # The key must change with every input that changes the result.
        name="ndgrad-gradient-" + tokenize(x, axis, spacing, edge_order),
    )
