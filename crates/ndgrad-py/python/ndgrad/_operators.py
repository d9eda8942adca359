"""Vector calculus in one pass: ``magnitude``, ``divergence``, ``laplacian``, ``curl``.

Each reads its input once, slab by slab (the derivatives of a slab stay in cache), and its
values are exactly the combination, in axis order, of ``ndgrad.gradient``'s outputs with
the same arguments: ``sqrt((g0*g0 + g1*g1) + ...)``, ``(d0 + d1) + ...``, ``dF1/dx0 -
dF0/dx1``. They take ``gradient``'s spacing, ``axis`` and extension arguments.
"""

from __future__ import annotations

import numpy as np

from . import _native
from ._sentinel import _NoValue

__all__ = ["magnitude", "divergence", "laplacian", "curl"]

_COMMON = """
    *varargs : scalars or 1-D arrays, optional
        Spacing, as in ``numpy.gradient``: none, one scalar for every axis, or one scalar
        or coordinate array per differentiated axis.
    axis : None or int or tuple of ints, optional
        The differentiated axes, in order (all by default).
    edge_order, accuracy, deriv, boundary, period, constant_values, nan_policy : optional
        As in ``ndgrad.gradient``; under ``nan_policy="omit"`` or ``"split"`` an input
        holding NaN is differentiated whole (not in one pass) and combined the same way.
    window_length, polyorder, time_unit : optional
        As in ``ndgrad.gradient`` (Savitzky–Golay derivatives; datetime64 coordinates).
    workers : int, optional
        Threads to use (``None`` or ``-1``: every core). Results are identical for any
        value.
    out : ndarray, optional
        An array to write the result into (shaped like the input, with the result's
        dtype); it is returned."""


def _is_dask(x):
    """A dask array (not merely a dask collection: an xarray DataArray has
    ``__dask_graph__`` and ``chunks`` too, and NumPy treats it as an array)."""
    if not type(x).__module__.startswith("dask"):
        return False
    import dask.array as da

    return isinstance(x, da.Array)


def _field_is_dask(F):
    """A dask array of stacked components, or a list or tuple of dask components."""
    return _is_dask(F) or (isinstance(F, (list, tuple)) and len(F) > 0 and _is_dask(F[0]))


def _dask(name, inputs, varargs, axis, workers, out, **kwargs):
    """Dask arrays go to ``ndgrad.dask``'s lazy version of the operator."""
    if out is not None or workers is not None:
        raise TypeError("out= and workers= do not apply to dask arrays (dask schedules the work)")
    from . import dask as nd_dask

    kwargs = {k: v for k, v in kwargs.items() if v is not _NoValue}
    return getattr(nd_dask, name)(inputs, *varargs, axis=axis, **kwargs)


def _call(name, arrays, varargs, axis, edge_order, accuracy, deriv, boundary, period,
          constant_values, workers, out, window_length=None, polyorder=None,
          time_unit=_NoValue, nan_policy="propagate"):
    from . import _datetime, _extensions

    varargs = _datetime.coordinates(varargs, time_unit)
    ext = _extensions(edge_order, accuracy, deriv, boundary, period, constant_values,
                      window_length, polyorder, nan_policy)
    edge = 1 if edge_order is _NoValue else edge_order
    return _native.operator(name, arrays, tuple(varargs), axis, edge, workers, out, ext)


def _components(F, name):
    """A vector field as a list of same-dtype arrays: a sequence of arrays, or an array whose
    first axis holds the components."""
    if isinstance(F, np.ndarray):
        arrays = list(F)
    else:
        arrays = [_array(c) for c in F]
    if any(type(a) is not np.ndarray for a in arrays):
        return arrays
    if not arrays:
        raise ValueError(f"{name}: the vector field has no component")
    dtype = np.result_type(*arrays)
    return [np.asarray(a, dtype=dtype) for a in arrays]


def _array(f):
    """Array-likes become ndarrays; ndarray subclasses (masked arrays, matrices) are passed
    as they are, for the engine to refuse by name rather than drop their meaning."""
    return f if isinstance(f, np.ndarray) else np.asarray(f)


def magnitude(f, *varargs, axis=None, edge_order=_NoValue, accuracy=None, deriv=1,
              boundary="one-sided", period=None, constant_values=_NoValue,
              nan_policy="propagate", window_length=None, polyorder=None, time_unit=_NoValue,
              workers=None, out=None):
    """The magnitude of the gradient, ``sqrt((g0*g0 + g1*g1) + ...)``, in one pass.

    Bit for bit ``np.sqrt(g0**2 + g1**2 + ...)`` of ``ndgrad.gradient``'s outputs (for
    complex data ``sqrt(sum(|g|**2))``, real); float16/32/64 stay in their precision,
    integers give float64.

    Parameters
    ----------
    f : array_like
        The sampled scalar field.%(common)s
    """
    if _is_dask(f):
        return _dask("magnitude", f, varargs, axis, workers, out,
                     edge_order=edge_order, accuracy=accuracy, deriv=deriv, boundary=boundary,
                     period=period, constant_values=constant_values,
                     window_length=window_length, polyorder=polyorder, time_unit=time_unit,
                     nan_policy=nan_policy)
    return _call("magnitude", [_array(f)], varargs, axis, edge_order, accuracy, deriv,
                 boundary, period, constant_values, workers, out,
                 window_length, polyorder, time_unit, nan_policy)


def divergence(F, *varargs, axis=None, edge_order=_NoValue, accuracy=None, deriv=1,
               boundary="one-sided", period=None, constant_values=_NoValue,
               nan_policy="propagate", window_length=None, polyorder=None, time_unit=_NoValue,
               workers=None, out=None):
    """The divergence ``(dF0/dx0 + dF1/dx1) + ...`` of a vector field, in one pass.

    Component ``i`` is differentiated along the ``i``-th differentiated axis.

    Parameters
    ----------
    F : sequence of array_like, or ndarray
        The components (one per differentiated axis), or an array whose first axis holds
        them.%(common)s
    """
    if _field_is_dask(F):
        return _dask("divergence", F, varargs, axis, workers, out,
                     edge_order=edge_order, accuracy=accuracy, deriv=deriv, boundary=boundary,
                     period=period, constant_values=constant_values,
                     window_length=window_length, polyorder=polyorder, time_unit=time_unit,
                     nan_policy=nan_policy)
    return _call("divergence", _components(F, "divergence"), varargs, axis, edge_order,
                 accuracy, deriv, boundary, period, constant_values, workers, out,
                 window_length, polyorder, time_unit, nan_policy)


def laplacian(f, *varargs, axis=None, accuracy=None, boundary="one-sided", period=None,
              constant_values=_NoValue, nan_policy="propagate", window_length=None,
              polyorder=None, time_unit=_NoValue, workers=None, out=None):
    """The Laplacian: the sum, in axis order, of the direct second derivatives.

    Not the divergence of the gradient (which misses the shortest waves): accuracy 2 uses
    ``[1, -2, 1] / h**2`` inside and ``[2, -5, 4, -1] / h**2`` at one-sided ends (at least
    4 samples per axis).

    Parameters
    ----------
    f : array_like
        The sampled scalar field.%(common)s
    """
    if _is_dask(f):
        return _dask("laplacian", f, varargs, axis, workers, out,
                     accuracy=accuracy, boundary=boundary,
                     period=period, constant_values=constant_values,
                     window_length=window_length, polyorder=polyorder, time_unit=time_unit,
                     nan_policy=nan_policy)
    return _call("laplacian", [_array(f)], varargs, axis, _NoValue, accuracy, 2, boundary,
                 period, constant_values, workers, out,
                 window_length, polyorder, time_unit, nan_policy)


def curl(F, *varargs, axis=None, edge_order=_NoValue, accuracy=None, deriv=1,
         boundary="one-sided", period=None, constant_values=_NoValue, nan_policy="propagate",
         window_length=None, polyorder=None, time_unit=_NoValue, workers=None, out=None):
    """The curl of a 2- or 3-component vector field, right-handed in ``axis`` order.

    Component ``i`` goes with the ``i``-th differentiated axis ``x_i``: 2-D returns
    ``dF1/dx0 - dF0/dx1``; 3-D returns ``(dF2/dx1 - dF1/dx2, dF0/dx2 - dF2/dx0,
    dF1/dx0 - dF0/dx1)``. For fields held as ``(y, x)`` arrays (images), the vorticity
    ``dv/dx - du/dy`` of ``(u, v)`` is ``curl((u, v), dx, dy, axis=(1, 0))``.

    Parameters
    ----------
    F : sequence of array_like, or ndarray
        The components, or an array whose first axis holds them.%(common)s

    Examples
    --------
    >>> import numpy as np, ndgrad
    >>> y, x = np.mgrid[-2:3, -2:3].astype(float)
    >>> ndgrad.curl((-y, x), axis=(1, 0))[0, 0]
    np.float64(2.0)
    """
    if _field_is_dask(F):
        return _dask("curl", F, varargs, axis, workers, out,
                     edge_order=edge_order, accuracy=accuracy, deriv=deriv, boundary=boundary,
                     period=period, constant_values=constant_values,
                     window_length=window_length, polyorder=polyorder, time_unit=time_unit,
                     nan_policy=nan_policy)
    return _call("curl", _components(F, "curl"), varargs, axis, edge_order, accuracy, deriv,
                 boundary, period, constant_values, workers, out,
                 window_length, polyorder, time_unit, nan_policy)


for _f in (magnitude, divergence, laplacian, curl):
    _f.__doc__ = _f.__doc__ % {"common": _COMMON}
del _f
