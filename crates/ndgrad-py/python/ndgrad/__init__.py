"""ndgrad: ``numpy.gradient``, bit for bit, at memory speed on every core.

``ndgrad.gradient`` is a drop-in replacement for ``numpy.gradient``: same arguments, same
values bit for bit, same dtypes, same return types, same exceptions. Plain ndarrays of
float16/32/64, complex64/128 and integer dtypes are computed by ndgrad's Rust engine with the
GIL released and on every core. Everything else NumPy accepts (matrices, masked arrays and
other subclasses, object, bool and datetime data, integer NumPy scalars or complex values as
spacing) is handed to ``numpy.gradient`` itself, so it behaves exactly as NumPy does.

Two keyword-only extensions: ``workers`` (threads) and ``out`` (preallocated outputs).
Dask arrays are dispatched to ``ndgrad.dask.gradient`` (lazy, exact for any chunking).
"""

from __future__ import annotations

import numpy as np

from ._native import __version__
from ._native import gradient as _native_gradient

__all__ = ["gradient", "__version__"]


def gradient(f, *varargs, axis=None, edge_order=1, workers=None, out=None):
    """Return the gradient of an N-dimensional array, exactly as ``numpy.gradient``.

    The gradient is computed using second order accurate central differences in the
    interior points and either first or second order accurate one-sided differences at
    the boundaries. The returned gradient has the same shape as the input.

    Parameters
    ----------
    f : array_like
        An N-dimensional array containing samples of a scalar function.
    *varargs : scalars or 1-D arrays, optional
        Spacing between ``f`` values: none (unit spacing), one scalar for every axis, or
        one scalar or coordinate array per differentiated axis, as in NumPy.
    axis : None or int or tuple of ints, optional
        The axes to differentiate, in the order of the outputs. Default: all.
    edge_order : {1, 2}, optional
        Accuracy of the one-sided differences at the boundaries.
    workers : int, optional
        ndgrad extension: threads to use. ``None`` or ``-1`` uses every core; ``1`` runs
        on the calling thread. Results are identical for any value.
    out : ndarray or tuple of ndarrays, optional
        ndgrad extension: arrays to write the gradients into, one per differentiated axis,
        shaped like ``f`` with the gradient's dtype. They are returned.

    Returns
    -------
    gradient : ndarray or tuple of ndarray
        One array per differentiated axis; a single array when there is one axis, and
        ``()`` for 0-d input or ``axis=()``.

    Examples
    --------
    >>> import numpy as np, ndgrad
    >>> ndgrad.gradient(np.array([1, 4, 9, 16, 25]), edge_order=2)
    array([ 2.,  4.,  6.,  8., 10.])
    >>> ndgrad.gradient(np.array([1, 4, 9, 16]), np.array([0, 1, 3, 6]))
    array([3.        , 2.83333333, 2.43333333, 2.33333333])
    """
    if type(f) is not np.ndarray and not isinstance(f, np.ndarray):
        if hasattr(f, "__dask_graph__") and hasattr(f, "chunks"):
            return _dask_gradient(f, varargs, axis, edge_order, workers, out)
        f = np.asanyarray(f)
    result = _native_gradient(f, varargs, axis, edge_order, workers, out)
    if result is NotImplemented:
        return _numpy_gradient(f, varargs, axis, edge_order, out)
    return result


def _dask_gradient(f, varargs, axis, edge_order, workers, out):
    if out is not None or workers is not None:
        raise TypeError("out= and workers= do not apply to dask arrays (dask schedules the work)")
    from .dask import gradient as dask_gradient

    return dask_gradient(f, *varargs, axis=axis, edge_order=edge_order)


def _numpy_gradient(f, varargs, axis, edge_order, out):
    """NumPy's own implementation, for inputs whose exact semantics live in NumPy."""
    result = np.gradient(f, *varargs, axis=axis, edge_order=edge_order)
    if out is None:
        return result
    if type(f) is not np.ndarray:
        raise TypeError(f"out= is not supported for {type(f).__name__} inputs; omit it")
    results = result if isinstance(result, tuple) else (result,)
    outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    if len(outs) != len(results):
        raise ValueError(
            f"out has {len(outs)} array(s) but {len(results)} axes are differentiated; "
            "pass one array per axis"
        )
    for k, (o, r) in enumerate(zip(outs, results)):
        if not isinstance(o, np.ndarray):
            raise TypeError(f"out[{k}] must be a numpy.ndarray, not {type(o).__name__}")
        if o.dtype != r.dtype:
            raise TypeError(
                f"out[{k}] has dtype {o.dtype} but the gradient of {f.dtype} data is "
                f"{r.dtype}; allocate it with that dtype"
            )
        if o.shape != r.shape:
            raise ValueError(
                f"out[{k}] has shape {o.shape} but f has shape {f.shape}; "
                "outputs are shaped like f"
            )
    for o, r in zip(outs, results):
        np.copyto(o, r)
    return outs[0] if len(outs) == 1 else outs
