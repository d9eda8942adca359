"""ndgrad: ``numpy.gradient``, bit for bit, at memory speed on every core.

``ndgrad.gradient`` is a drop-in replacement for ``numpy.gradient``: same arguments, same
values bit for bit, same dtypes, same return types, same exceptions. Plain ndarrays of
float16/32/64, complex64/128 and integer dtypes are computed by ndgrad's Rust engine with the
GIL released and on every core. Everything else NumPy accepts (matrices, masked arrays and
other subclasses, object, bool and datetime data, integer NumPy scalars or complex values as
spacing) is handed to ``numpy.gradient`` itself, so it behaves exactly as NumPy does.

Two keyword-only extensions: ``workers`` (threads) and ``out`` (preallocated outputs). Large
fresh outputs come from a pool of recycled buffers (``pool_info``, ``configure_pool``), so a
loop of calls does not pay for new pages each time.
Dask arrays are dispatched to ``ndgrad.dask.gradient`` (lazy, exact for any chunking).
CuPy arrays and CUDA torch tensors are computed on their GPU (NumPy's bits, outputs of the
input's type); ndgrad never imports CuPy or torch itself.
"""

from __future__ import annotations

import contextlib
from contextvars import ContextVar

import numpy as np

from ._cuda import gradient as _cuda_gradient
from ._cuda import is_gpu_array as _is_gpu_array
from ._datetime import coordinates as _datetime_coordinates
from ._native import Declined as _Declined
from ._sentinel import _NoValue
from ._operators import _is_dask, curl, divergence, laplacian, magnitude
from ._patch import patch_numpy, patched_numpy, unpatch_numpy
from ._pool import configure_pool, pool_info
from ._native import __version__
from ._native import fill_out as _fill_out
from ._native import gradient as _native_gradient

__all__ = ["gradient", "magnitude", "divergence", "laplacian", "curl", "patch_numpy",
           "unpatch_numpy", "patched_numpy", "pool_info", "configure_pool", "__version__"]

_ONE_SIDED = "one-sided"
_PROPAGATE = "propagate"
_ONE = 1

# Private strict switch, for tests and debugging: inside `with ndgrad._strict():` a call the
# engine declines raises `_DeclinedError` naming the reason instead of falling back to
# `numpy.gradient`. A context variable, so it holds for the current thread (or asyncio task)
# only; threads started inside the block do not inherit it (unless Python runs with
# `sys.flags.thread_inherit_context`, 3.14+). It is read only on the decline path, so the
# engine's calls pay nothing for it.
_STRICT: ContextVar[bool] = ContextVar("ndgrad_strict", default=False)


class _DeclinedError(RuntimeError):
    """A call ``ndgrad.gradient`` would have handed to ``numpy.gradient``, under ``_strict()``.

    ``reason`` is the ``ndgrad._native.Declined`` value the engine gave.
    """

    def __init__(self, reason: _Declined) -> None:
        super().__init__(
            f"ndgrad's engine declined the call ({reason!r}: {reason.reason}); "
            "outside ndgrad._strict() numpy.gradient computes it"
        )
        self.reason = reason


@contextlib.contextmanager
def _strict(enabled=True):
    """Within the block, a call the engine declines raises ``_DeclinedError`` (``enabled``
    True) or falls back to ``numpy.gradient`` (``enabled`` False, the default behaviour)."""
    token = _STRICT.set(enabled)
    try:
        yield
    finally:
        _STRICT.reset(token)


def gradient(
    f,
    *varargs,
    axis=None,
    edge_order=_NoValue,
    accuracy=None,
    deriv=1,
    boundary=_ONE_SIDED,
    period=None,
    constant_values=_NoValue,
    nan_policy=_PROPAGATE,
    window_length=None,
    polyorder=None,
    time_unit=_NoValue,
    workers=None,
    out=None,
):
    """Return the gradient of an N-dimensional array, exactly as ``numpy.gradient``.

    The gradient is computed using second order accurate central differences in the
    interior points and either first or second order accurate one-sided differences at
    the boundaries. The returned gradient has the same shape as the input. With no
    extension argument the results are NumPy's, bit for bit; the extensions (``accuracy``,
    ``deriv``, ``boundary``, ``period``, ``constant_values``, ``window_length``,
    ``polyorder``, ``time_unit``) go beyond it.

    Parameters
    ----------
    f : array_like
        An N-dimensional array containing samples of a scalar function.
    *varargs : scalars or 1-D arrays, optional
        Spacing between ``f`` values: none (unit spacing), one scalar for every axis, or
        one scalar or coordinate array per differentiated axis, as in NumPy. ndgrad
        extension: coordinate arrays may be ``datetime64`` (see ``time_unit``).
    axis : None or int or tuple of ints, optional
        The axes to differentiate, in the order of the outputs. Default: all.
    edge_order : {1, 2}, optional
        Accuracy of the one-sided differences at the boundaries (default 1). Cannot be
        combined with ``accuracy``, ``deriv >= 2`` or a boundary mode other than
        ``"one-sided"`` (``TypeError``).
    accuracy : {2, 4, 6, 8}, optional
        ndgrad extension: order of accuracy at every point, ends included (the ends use
        the ``deriv + accuracy`` nearest samples). ``accuracy=2`` is ``edge_order=2``, bit
        for bit. Weights are exact fractions rounded once.
    deriv : {1, 2, 3, 4}, optional
        ndgrad extension: order of the derivative, computed directly (not by repeated
        differentiation). Without ``accuracy``, ``deriv >= 2`` uses ``accuracy=2``.
    boundary : str or sequence, optional
        ndgrad extension: what lies beyond the ends of each axis: ``"one-sided"``
        (NumPy's), ``"periodic"``, ``"reflect"`` (``np.pad`` mode ``"reflect"``) or
        ``"constant"`` (``np.pad`` mode ``"constant"``). One mode for all axes, one per
        differentiated axis, or a ``(left, right)`` pair of non-periodic modes. Each axis
        follows its own mode: without ``accuracy``, an axis with a boundary mode runs
        accuracy 2, a one-sided axis of the same call NumPy's ``edge_order``.
    period : float or sequence, optional
        ndgrad extension: the period of periodic axes, a positive length in units of the
        spacing. Evenly spaced axes default to ``n * |h|``; uneven coordinates need it (it
        must exceed ``|x[-1] - x[0]|``; coordinates may increase or decrease).
    constant_values : float or sequence, optional
        ndgrad extension: the value beyond ``"constant"`` ends (default 0), one for all,
        one per axis, or ``(left, right)`` pairs. Stored in ``f``'s dtype as ``np.pad``
        stores it: integer data refuses NaN, fractions and values out of its range
        (``ValueError``).
    nan_policy : {"propagate", "omit", "split", "raise"}, optional
        ndgrad extension: what NaN samples mean (complex: NaN in either part; infinities
        always propagate). ``"propagate"`` (default): NumPy's behaviour. ``"omit"``: NaN
        samples are missing; each lane's valid samples are differentiated as an axis of
        their own (neighbours across a gap of ``g`` samples are ``g * h`` apart, or at their
        coordinates), so derivatives reach across short gaps. ``"split"``: NaN cuts each
        lane into runs, each differentiated on its own with one-sided ends at the cuts;
        nothing is read across a cut. Under both, NaN slots stay NaN and a lane or run too
        short for the scheme is NaN. ``"raise"``: ``ValueError`` naming the first NaN's
        index. Masked arrays: with ``"omit"``, ``"split"`` or ``"raise"`` masked elements
        are missing and the result is a masked array with the input's mask.
    window_length, polyorder : int, optional
        ndgrad extension: Savitzky-Golay derivatives, given together: at each point the
        ``deriv``-th derivative of the least-squares polynomial of degree ``polyorder``
        through ``window_length`` samples (odd, at most 25; ``polyorder`` from ``deriv`` to
        12), centred, or the window nearest an end (``scipy.signal.savgol_filter``'s
        ``mode="interp"``). Works on uneven coordinates and with every boundary mode. Smooths
        noise; ``window_length=p + 1, polyorder=p`` is ``accuracy=p`` (``deriv=1``). Cannot
        be combined with ``accuracy`` or ``edge_order`` (``TypeError``).
    time_unit : {"W", "D", "h", "m", "s", "ms", "us", "ns"}, optional
        ndgrad extension: the unit of ``datetime64`` coordinates (default ``"s"``; ``"m"``
        is minutes). Each becomes ``(t - t[0]) / np.timedelta64(1, time_unit)`` in float64,
        exactly as NumPy computes that expression, so derivatives are per ``time_unit``
        (and ``period`` is in ``time_unit``). ``NaT`` is a ``ValueError``. Giving
        ``time_unit`` without any ``datetime64`` coordinates is a ``TypeError``;
        ``timedelta64`` coordinates are converted as NumPy converts them (like integers).
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

    Notes
    -----
    GPU arrays: a CuPy array or a CUDA torch tensor is differentiated on its own GPU, by
    one kernel launched on the current stream of its device (CuPy's current stream, or
    ``torch.cuda.current_stream(f.device)``), without synchronizing. The values are
    NumPy's, bit for bit; the outputs are arrays of the same framework on the same device,
    laid out like ``f`` (``out=`` takes arrays of that framework and device). Coordinate
    arrays on the GPU are copied to the host once. ``workers`` and the extension arguments
    (``time_unit`` aside) do not apply there (``TypeError``), nor do tensors that require
    grad (``TypeError``: pass ``f.detach()``). NumPy arrays and CPU tensors never move to a
    GPU.

    Raises
    ------
    ValueError
        For NumPy's invalid arguments (as NumPy), an unsupported ``accuracy``, ``deriv``,
        mode or ``time_unit``, a Savitzky-Golay window that does not fit its polynomial,
        an axis too short for the stencil or window, a period that does not fit, or
        ``NaT`` in ``datetime64`` coordinates.
    TypeError
        For combinations that contradict each other (``edge_order`` with ``accuracy``,
        ``period`` on a non-periodic axis, ``time_unit`` without ``datetime64``
        coordinates, ...), or extension arguments on data the engine does not compute
        (subclasses, object/bool/datetime data).

    Examples
    --------
    >>> import numpy as np, ndgrad
    >>> ndgrad.gradient(np.array([1, 4, 9, 16, 25]), edge_order=2)
    array([ 2.,  4.,  6.,  8., 10.])
    >>> ndgrad.gradient(np.array([1, 4, 9, 16]), np.array([0, 1, 3, 6]))
    array([3.        , 2.83333333, 2.43333333, 2.33333333])
    >>> f = np.array([1.0, 2, 4, 7, 11, 16])
    >>> ndgrad.gradient(f, deriv=2)
    array([1., 1., 1., 1., 1., 1.])
    >>> ndgrad.gradient(f, boundary="periodic")
    array([-7. ,  1.5,  2.5,  3.5,  4.5, -5. ])
    >>> ndgrad.gradient(f, window_length=5, polyorder=2)  # Savitzky-Golay
    array([0.5, 1.5, 2.5, 3.5, 4.5, 5.5])
    >>> t = np.array(["2024-01-01T00:00", "2024-01-01T00:10", "2024-01-01T00:30",
    ...               "2024-01-01T01:30", "2024-01-01T03:30"], dtype="datetime64[ns]")
    >>> ndgrad.gradient(np.array([0.0, 1, 3, 4, 10]), t, time_unit="h")  # per hour
    array([6.        , 6.        , 4.75      , 1.66666667, 3.        ])
    >>> gappy = np.array([0.0, 1, np.nan, np.nan, np.nan, 25, 36, 49])  # i**2
    >>> ndgrad.gradient(gappy, nan_policy="omit")  # exact across the gap
    array([ 1.,  2., nan, nan, nan, 10., 12., 13.])
    """
    # NumPy's own call (the common case) skips the extension bookkeeping: identity with the
    # defaults is the cheap test (an equal value passed explicitly takes the long way, with
    # the same result).
    if (accuracy is None and deriv is _ONE and boundary is _ONE_SIDED and period is None
            and constant_values is _NoValue and time_unit is _NoValue
            and window_length is None and polyorder is None and nan_policy is _PROPAGATE):
        ext = None
    else:
        ext = _extensions(edge_order, accuracy, deriv, boundary, period, constant_values,
                          window_length, polyorder, nan_policy)
        if time_unit is not _NoValue:
            varargs = _datetime_coordinates(varargs, time_unit)
    edge = 1 if edge_order is _NoValue else edge_order
    if type(f) is not np.ndarray and not isinstance(f, np.ndarray):
        if _is_dask(f):
            varargs = _datetime_coordinates(varargs)
            return _dask_gradient(f, varargs, axis, edge_order, workers, out, ext)
        if _is_gpu_array(f):
            return _cuda_gradient(f, varargs, axis, edge, ext, out, workers)
        f = np.asanyarray(f)
    if isinstance(f, np.ma.MaskedArray) and ext is not None and ext[9] != _PROPAGATE:
        return _masked_gradient(f, varargs, axis, edge, workers, out, ext)
    result = _native_gradient(f, varargs, axis, edge, workers, out, ext)
    if type(result) is _Declined:
        # The engine declines datetime64 coordinates: converted (seconds), they are computed.
        dated = _datetime_coordinates(varargs)
        if dated is not varargs:
            varargs = dated
            result = _native_gradient(f, varargs, axis, edge, workers, out, ext)
    if type(result) is _Declined:
        if ext is not None:
            raise TypeError(
                f"accuracy=, deriv= and boundary= are computed by ndgrad's engine, which "
                f"declines this call ({result.reason}); pass a plain numeric ndarray, "
                f"e.g. np.asarray(f, dtype=float)"
            )
        if _STRICT.get():
            raise _DeclinedError(result)
        return _numpy_gradient(f, varargs, axis, edge, out)
    return result


def _extensions(edge_order, accuracy, deriv, boundary, period, constant_values,
                window_length=None, polyorder=None, nan_policy=_PROPAGATE):
    """The extension arguments as the native module takes them, or None when the call is
    NumPy's own (every extension at its default)."""
    given = (
        accuracy is not None
        or window_length is not None
        or polyorder is not None
        or not (type(deriv) is int and deriv == 1)
        or not (isinstance(boundary, str) and boundary == "one-sided")
        or period is not None
        or constant_values is not _NoValue
        or not (isinstance(nan_policy, str) and nan_policy == _PROPAGATE)
    )
    if not given:
        return None
    constants = 0.0 if constant_values is _NoValue else constant_values
    return (
        accuracy,
        deriv,
        boundary,
        period,
        constants,
        edge_order is not _NoValue,
        constant_values is not _NoValue,
        window_length,
        polyorder,
        nan_policy,
    )


def _masked_gradient(f, varargs, axis, edge, workers, out, ext):
    """A masked array under a NaN policy: masked elements are missing (NaN in a float copy
    of the data), and every result carries the input's mask."""
    if out is not None:
        raise TypeError("out= is not supported for masked arrays; omit it")
    data = np.ma.getdata(f)
    mask = np.ma.getmaskarray(f)
    if data.dtype.kind not in "fc":
        data = data.astype(np.float64)
    data = np.array(data, copy=True)
    data[mask] = np.nan
    result = _native_gradient(data, varargs, axis, edge, workers, None, ext)
    if type(result) is _Declined:
        raise TypeError(
            f"nan_policy= on a masked array is computed by ndgrad's engine, which declines "
            f"this call ({result.reason}); pass float or complex data"
        )
    if isinstance(result, tuple):
        return tuple(np.ma.MaskedArray(g, mask=mask.copy()) for g in result)
    return np.ma.MaskedArray(result, mask=mask.copy())


def _dask_gradient(f, varargs, axis, edge_order, workers, out, ext):
    if out is not None or workers is not None:
        raise TypeError("out= and workers= do not apply to dask arrays (dask schedules the work)")
    from .dask import _gradient as dask_gradient

    return dask_gradient(f, varargs, axis, edge_order, ext)


def _numpy_gradient(f, varargs, axis, edge_order, out):
    """NumPy's own implementation, for inputs whose exact semantics live in NumPy. ``out=``
    is checked (with the engine's messages) and filled by the native module."""
    return _fill_out(f, out, np.gradient(f, *varargs, axis=axis, edge_order=edge_order))
