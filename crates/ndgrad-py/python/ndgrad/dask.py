"""Gradients of dask arrays, bit-identical to ``ndgrad.gradient`` on the computed array.

``ndgrad.dask.gradient(x, *varargs, axis=None, edge_order=1, accuracy=None, deriv=1,
boundary="one-sided", period=None, constant_values=0.0, nan_policy="propagate",
window_length=None, polyorder=None, time_unit="s")`` returns lazy dask
arrays (one, or a tuple, like NumPy). One task per block computes every requested axis from
one read of the block and the thin slices of its neighbours along each axis (as far as the
stencil reaches: ``Plan::reach``; each slice is cut where its block lives, so only the slice
moves between workers), with the spacing resolved once over the whole axis (uniform
coordinates are recognized globally, as NumPy does); no overlapped copy of a block is made.
The outputs are separate dask arrays sharing those tasks. The result equals the in-memory
one for any chunking: chunks of a single sample and ragged chunks included (chunks thinner
than the halo are merged with a neighbour first). Boundary modes add ghost samples at the
ends of the axis (wrapped, mirrored or constant slices of the array, built lazily). It runs
on any dask scheduler, ``distributed`` clusters included; the workers need ndgrad
installed.

NaN policies keep this exactness: ``"split"`` on evenly spaced, non-periodic axes needs only
a halo (a NaN cut is a one-sided end, so the halo is an end window's reach); ``"omit"``, and
``"split"`` on coordinate or periodic axes, decide each output from its whole lane (the kept
samples, a run's uniformity, the seam), so that axis is rechunked to one chunk (memory per
block: the whole axis times the other axes' chunks). ``"raise"`` checks each block
as it is computed and names the NaN's index in the whole array.

Dask arrays of CuPy chunks run on the GPU: each chunk's task joins the chunk to its
neighbours' thin slices along each axis and launches the CUDA kernel with the chunk's
indices on the whole axis (``_cuda.block_gradient``), so the result is ``ndgrad.gradient``
of the computed CuPy array, bit for bit. Every extension but ``nan_policy`` runs there;
axes with a boundary mode other than one-sided are rechunked to one chunk (the kernels
read ghost samples from the whole axis).

Spacing may be given in every form NumPy accepts: scalars, NumPy scalars, coordinate arrays,
and dask coordinate arrays (1-D; they are computed once when the graph is built), and, as in
``ndgrad.gradient``, datetime64 coordinates (converted once, with ``time_unit``).
"""

from __future__ import annotations

import sys

import numpy as np

from . import _native
from ._cuda import is_gpu_array
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
    gpu = is_gpu_array(getattr(x, "_meta", None))
    if any(np.isnan(c) for chunks in x.chunks for c in chunks):
        raise ValueError("ndgrad.dask needs known chunk sizes; call x.compute_chunk_sizes() first")
    varargs = tuple(_materialize(v) for v in varargs)
    edge = 1 if edge_order is _NoValue else edge_order
    if gpu:
        return _gpu_gradient(x, varargs, axis, edge, ext)
    axes = _native.plan_axes(list(x.shape), varargs, axis, edge, ext, x.dtype)
    # The engine's dtype table decides which data it computes and the gradient's dtype.
    out_name = _native.output_dtype(x.dtype)
    if isinstance(axes, _native.Declined) or out_name is None:
        why = axes.reason if isinstance(axes, _native.Declined) else f"got dtype {x.dtype}"
        raise NotImplementedError(
            f"ndgrad.dask computes float, complex and integer data with numeric spacing "
            f"({why}); use dask.array.gradient for this call"
        )
    call = (list(x.shape), varargs, axis, edge, ext)
    if not axes:
        return ()
    outs = _shared_graph(x, axes, call, np.dtype(out_name))
    return outs[0] if len(outs) == 1 else outs


def _gpu_gradient(x, varargs, axis, edge, ext):
    """Dask arrays of CuPy chunks: each chunk's task runs the GPU kernel on its chunk (the
    same graph as for NumPy chunks, with `_cuda.block_gradient` as the task)."""
    from ._cuda import block_gradient, host_spacing

    if not _is_cupy_meta(x._meta):
        raise NotImplementedError(
            "ndgrad.dask computes dask arrays of NumPy or CuPy chunks, not of torch "
            "tensors; convert the chunks first"
        )
    varargs = tuple(host_spacing(v) for v in varargs)
    # The GPU path's own validation, once, before any graph: NumPy's errors, and a
    # TypeError naming any extension the kernels do not run.
    plan = _native.cuda_plan(tuple(x.shape), x.dtype, varargs, axis, edge, ext)
    infos = _native.plan_axes(list(x.shape), varargs, axis, edge, ext, x.dtype)
    if not infos:
        return ()
    # The kernels read ghost samples (boundary modes) through the index map of the whole
    # axis: such axes get one chunk.
    infos = tuple((a, r, g, f, whole or g[0] + g[1] > 0) for a, r, g, f, whole in infos)
    call = (list(x.shape), varargs, axis, edge, ext)
    out_meta = sys.modules["cupy"].empty((0,) * x.ndim, dtype=plan.out_dtype)
    outs = _shared_graph(x, infos, call, np.dtype(plan.out_dtype), task=block_gradient,
                         meta=out_meta)
    return outs[0] if len(outs) == 1 else outs


def _is_cupy_meta(meta):
    cp = sys.modules.get("cupy")
    return cp is not None and isinstance(meta, cp.ndarray)


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


def _shared_graph(x, infos, call, out_dtype, task=None, meta=None):
    """The outputs of every differentiated axis as dask arrays sharing one task per block.

    Each task reads its block once, with the thin slices of its neighbours along each
    differentiated axis (`reach` samples, taken where the neighbour lives) or the ghost
    rows of a boundary mode at the array's ends, and computes every axis's output in the
    engine (`_native.gradient_parts`): no overlapped copy of any block is made. Output `k`
    is item `k` of those tasks."""
    import itertools
    import operator
    from functools import partial

    import dask.array as da
    from dask.base import tokenize
    from dask.highlevelgraph import HighLevelGraph

    # Whole axes where the NaN policy decides from whole lanes; elsewhere no chunk thinner
    # than the halo (a neighbour's slice then holds every sample beyond the block).
    rechunk = {}
    for axis, reach, _, _, whole in infos:
        merged = (x.shape[axis],) if whole else _merge_thin_chunks(x.chunks[axis], max(reach, 1))
        if merged != x.chunks[axis]:
            rechunk[axis] = merged
    if rechunk:
        x = x.rechunk(rechunk)
    token = tokenize(x, infos, call)
    starts = [np.concatenate([[0], np.cumsum(c)[:-1]]).astype(int).tolist() for c in x.chunks]
    dependencies = [x]
    ghosts = {}
    for k, (axis, _, counts, fills, _) in enumerate(infos):
        if len(x.chunks[axis]) == 1:
            continue  # a block holding the whole axis reads its ghosts through the index map
        for left, count, fill in ((True, counts[0], fills[0]), (False, counts[1], fills[1])):
            if count:
                g = _ghosts(x, axis, count, fill, left).rechunk({axis: -1})
                ghosts[k, left] = g
                dependencies.append(g)
    halo, grad = "ndgrad-halo-" + token, "ndgrad-gradient-" + token
    task = partial(_parts if task is None else task, call=call)
    grid = list(itertools.product(*[range(len(c)) for c in x.chunks]))
    dsk = {}
    for b in grid:
        neighbours = []
        for k, (axis, reach, _, _, _) in enumerate(infos):
            count = len(x.chunks[axis])
            pair = [None, None]
            for side, step in enumerate((-1, 1)):
                i = b[axis] + step
                src = list(b)
                if count == 1:
                    continue
                if 0 <= i < count:
                    src[axis] = i
                    index = [slice(None)] * x.ndim
                    depth = max(reach, 1)
                    index[axis] = slice(-depth, None) if step < 0 else slice(0, depth)
                    key = (halo, k, side) + b
                    dsk[key] = (operator.getitem, (x.name,) + tuple(src), tuple(index))
                    pair[side] = key
                elif (k, step < 0) in ghosts:
                    src[axis] = 0
                    pair[side] = (ghosts[k, step < 0].name,) + tuple(src)
            neighbours.append(pair)
        origin = [starts[d][b[d]] for d in range(x.ndim)]
        dsk[(grad,) + b] = (task, (x.name,) + b, neighbours, origin)
    if meta is None:
        meta = np.empty((0,) * x.ndim, dtype=out_dtype)
    outs = []
    for k in range(len(infos)):
        name = f"ndgrad-output{k}-{token}"
        layer = {(name,) + b: (operator.getitem, (grad,) + b, k) for b in grid}
        graph = HighLevelGraph.from_collections(name, {**dsk, **layer}, dependencies=dependencies)
        outs.append(da.Array(graph, name, chunks=x.chunks, dtype=out_dtype, meta=meta))
    return tuple(outs)


def _parts(block, neighbours, origin, call):
    """One task: every output of a block (see `_shared_graph`)."""
    shape, varargs, axis, edge_order, ext = call
    pairs = [tuple(p) for p in neighbours]
    return _native.gradient_parts(block, pairs, shape, varargs, axis, edge_order, ext, origin)


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
