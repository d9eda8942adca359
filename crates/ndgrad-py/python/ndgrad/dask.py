"""Gradients of dask arrays, bit-identical to ``ndgrad.gradient`` on the computed array.

``ndgrad.dask.gradient(x, *varargs, axis=None, edge_order=1, accuracy=None, deriv=1,
boundary="one-sided", period=None, constant_values=0.0, nan_policy="propagate",
window_length=None, polyorder=None, time_unit="s")`` returns lazy dask
arrays (one, or a tuple, like NumPy). Each output block is computed by ndgrad's engine from
the input block plus a halo of neighbouring samples along the axis (as far as the stencil
reaches: ``Plan::reach``), with the spacing resolved once over the whole axis (uniform
coordinates are recognized globally, as NumPy does), so the result equals the in-memory one
for any chunking: chunks of a single sample and ragged chunks included (chunks thinner than
the halo are merged with a neighbour first). Boundary modes add ghost samples at the ends of
the axis (wrapped, mirrored or constant slices of the array), built lazily before the halos.
It runs on any dask scheduler, ``distributed`` clusters included; the workers need ndgrad
installed.

NaN policies keep this exactness: ``"split"`` on evenly spaced, non-periodic axes needs only
a halo (a NaN cut is a one-sided end, so the halo is an end window's reach); ``"omit"``, and
``"split"`` on coordinate or periodic axes, decide each output from its whole lane (the kept
samples, a run's uniformity, the seam), so that axis is rechunked to one chunk for that output
(memory per block: the whole axis times the other axes' chunks). ``"raise"`` checks each block
as it is computed and names the NaN's index in the whole array.

Spacing may be given in every form NumPy accepts: scalars, NumPy scalars, coordinate arrays,
and dask coordinate arrays (1-D; they are computed once when the graph is built), and, as in
``ndgrad.gradient``, datetime64 coordinates (converted once, with ``time_unit``).
"""

from __future__ import annotations

import numpy as np

from . import _native
from ._datetime import coordinates as _datetime_coordinates
from ._sentinel import _NoValue

__all__ = ["gradient", "magnitude", "divergence", "laplacian", "curl"]


def gradient(
    x,
    *varargs,
    axis=None,
    edge_order=_NoValue,
    accuracy=None,
    deriv=1,
    boundary="one-sided",
    period=None,
    constant_values=_NoValue,
    nan_policy="propagate",
    window_length=None,
    polyorder=None,
    time_unit=_NoValue,
):
    """The gradient of dask array ``x``, exactly as ``ndgrad.gradient(x.compute(), ...)``
    (and so ``numpy.gradient`` without extension arguments).

    Returns a dask array for one axis, otherwise a tuple of dask arrays (``()`` for 0-d
    input or ``axis=()``). Raises NumPy's exceptions for invalid arguments, and ndgrad's
    for invalid extension arguments, before any computation. The arguments are those of
    ``ndgrad.gradient``.
    """
    from . import _extensions

    ext = _extensions(edge_order, accuracy, deriv, boundary, period, constant_values,
                      window_length, polyorder, nan_policy)
    varargs = _datetime_coordinates(varargs, time_unit)
    return _gradient(x, varargs, axis, edge_order, ext)


def _gradient(x, varargs, axis, edge_order, ext):
    import dask.array as da

    x = da.asarray(x)
    if any(np.isnan(c) for chunks in x.chunks for c in chunks):
        raise ValueError("ndgrad.dask needs known chunk sizes; call x.compute_chunk_sizes() first")
    varargs = tuple(_materialize(v) for v in varargs)
    edge = 1 if edge_order is _NoValue else edge_order
    axes = _native.plan_axes(list(x.shape), varargs, axis, edge, ext)
    # The engine's dtype table decides which data it computes and the gradient's dtype.
    out_name = _native.output_dtype(x.dtype)
    if isinstance(axes, _native.Declined) or out_name is None:
        why = axes.reason if isinstance(axes, _native.Declined) else f"got dtype {x.dtype}"
        raise NotImplementedError(
            f"ndgrad.dask computes float, complex and integer data with numeric spacing "
            f"({why}); use dask.array.gradient for this call"
        )
    call = (list(x.shape), varargs, axis, edge, ext)
    out_dtype = np.dtype(out_name)
    outs = tuple(_axis_gradient(x, k, info, call, out_dtype) for k, info in enumerate(axes))
    return outs[0] if len(outs) == 1 else outs


def _materialize(v):
    """Dask coordinate arrays are small (1-D): compute them once."""
    if hasattr(v, "__dask_graph__"):
        return np.asarray(v.compute())
    return v


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


def _ghosts(x, axis, count, fill, left):
    """The `count` ghost samples beyond one end of `axis`, as `np.pad` makes them: wrapped
    from the other end, mirrored (`"reflect"`), or a constant in `x`'s dtype."""
    import dask.array as da

    n = x.shape[axis]
    if fill == "wrap":
        index = np.arange(n - count, n) if left else np.arange(count)
    elif fill == "reflect":
        index = np.arange(count, 0, -1) if left else np.arange(n - 2, n - 2 - count, -1)
    else:
        _, value = fill
        shape = list(x.shape)
        shape[axis] = count
        chunks = list(x.chunks)
        chunks[axis] = (count,)
        return da.full(shape, value, dtype=x.dtype, chunks=tuple(chunks))
    return da.take(x, index, axis=axis)


def _axis_gradient(x, k, info, call, out_dtype):
    import dask.array as da
    from dask.base import tokenize

    axis, reach, (left, right), (left_fill, right_fill), whole = info
    if whole:
        # nan_policy="omit" (and "split" on coordinate or periodic axes): a lane's kept
        # samples decide every output of it, so each block holds whole lanes along the axis.
        x = x.rechunk({axis: -1})
    # A halo of `reach` samples holds every sample an output reads, end windows included,
    # when no chunk is thinner than the halo.
    depth = max(reach, 1)
    chunks = _merge_thin_chunks(x.chunks[axis], depth)
    if chunks != x.chunks[axis]:
        x = x.rechunk({axis: chunks})
    # The extended axis: ghosts before and after, merged into the end chunks.
    parts = [x]
    if left:
        parts.insert(0, _ghosts(x, axis, left, left_fill, True))
    if right:
        parts.append(_ghosts(x, axis, right, right_fill, False))
    extended_chunks = list(chunks)
    extended_chunks[0] += left
    extended_chunks[-1] += right
    extended = x
    if len(parts) > 1:
        extended = da.concatenate(parts, axis=axis).rechunk({axis: tuple(extended_chunks)})
    starts = np.concatenate([[0], np.cumsum(chunks)[:-1]]).tolist()
    extended_starts = np.concatenate([[0], np.cumsum(extended_chunks)[:-1]]).tolist()
    overlapped = da.overlap.overlap(extended, depth={axis: depth}, boundary={axis: "none"})
    shape, varargs, axes, edge_order, ext = call
    # Where each block starts along every axis: a NaN's index under "raise" is the array's.
    origins = [np.concatenate([[0], np.cumsum(c)[:-1]]).tolist() for c in x.chunks]

    def block(b, block_id=None):
        i = block_id[axis]
        before = depth if i > 0 else 0
        origin = [origins[d][block_id[d]] for d in range(x.ndim)]
        return _native.gradient_block(
            b,
            shape,
            varargs,
            axes,
            edge_order,
            ext,
            k,
            extended_starts[i] - before,
            starts[i],
            starts[i] + chunks[i],
            origin,
        )

    return da.map_blocks(
        block,
        overlapped,
        chunks=x.chunks,
        dtype=out_dtype,
        meta=np.empty((0,) * x.ndim, dtype=out_dtype),
        # The key must change with every input that changes the result.
        name="ndgrad-gradient-" + tokenize(x, k, varargs, axes, edge_order, ext),
    )


def _dask_field(F):
    import dask.array as da

    arrays = list(F) if not isinstance(F, (list, tuple)) else [da.asarray(c) for c in F]
    dtype = np.result_type(*[a.dtype for a in arrays])
    return [a.astype(dtype) for a in arrays]


def _square(g):
    """``re * re + im * im`` for complex gradients (as ndgrad.magnitude), ``g * g`` else."""
    if np.iscomplexobj(g):
        return g.real * g.real + g.imag * g.imag
    return g * g


def magnitude(f, *varargs, axis=None, **kwargs):
    """``ndgrad.magnitude`` of a dask array: lazy, bit for bit the in-memory result, built
    from ``gradient``'s lazy outputs (so it reads the input once per axis)."""
    g = gradient(f, *varargs, axis=axis, **kwargs)
    g = g if isinstance(g, tuple) else (g,)
    total = _square(g[0])
    for gk in g[1:]:
        total = total + _square(gk)
    import dask.array as da

    return da.sqrt(total)


def divergence(F, *varargs, axis=None, **kwargs):
    """``ndgrad.divergence`` of a field of dask arrays (``(dF0/dx0 + dF1/dx1) + ...``)."""
    F = _dask_field(F)
    axes = _axes(F[0].ndim, axis, len(F), "divergence")
    parts = [_one(F[i], varargs, a, i, len(F), kwargs) for i, a in enumerate(axes)]
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total


def laplacian(f, *varargs, axis=None, **kwargs):
    """``ndgrad.laplacian`` of a dask array: the sum of direct second derivatives."""
    g = gradient(f, *varargs, axis=axis, deriv=2, **kwargs)
    g = g if isinstance(g, tuple) else (g,)
    total = g[0]
    for gk in g[1:]:
        total = total + gk
    return total


def curl(F, *varargs, axis=None, **kwargs):
    """``ndgrad.curl`` of a 2- or 3-component field of dask arrays."""
    F = _dask_field(F)
    n = len(F)
    axes = _axes(F[0].ndim, axis, n, "curl")
    if n not in (2, 3):
        raise ValueError(f"curl differentiates {n} axes here but needs 2 or 3, one per component")
    d = lambda a, b: _one(F[a], varargs, axes[b], b, n, kwargs)  # noqa: E731
    if n == 2:
        return d(1, 0) - d(0, 1)
    return (d(2, 1) - d(1, 2), d(0, 2) - d(2, 0), d(1, 0) - d(0, 1))


def _axes(ndim, axis, components, name):
    if axis is None:
        axes = tuple(range(ndim))
    elif isinstance(axis, (tuple, list)):
        axes = tuple(axis)
    else:
        axes = (axis,)
    if len(axes) != components:
        raise ValueError(
            f"{name} differentiates {len(axes)} axes here but needs one per component; "
            "pass as many components as axes (axis= selects them)"
        )
    return axes


def _one(component, varargs, axis, position, n_axes, kwargs):
    """The derivative of one component along the `position`-th differentiated axis, with
    that axis's own spacing (NumPy's `*varargs` rule)."""
    if len(varargs) == n_axes and n_axes > 1:
        spacing = (varargs[position],)
    else:
        spacing = tuple(varargs)
    return gradient(component, *spacing, axis=axis, **_per_axis(kwargs, position, n_axes))


def _per_axis(kwargs, position, n_axes):
    """The extension arguments of one axis, where they were given per axis."""
    out = dict(kwargs)
    for key in ("boundary", "period", "constant_values"):
        value = out.get(key)
        if isinstance(value, (list, tuple)) and len(value) == n_axes and n_axes > 1:
            out[key] = value[position]
    return out
