"""datetime64 coordinates: elapsed time in ``time_unit``, computed by NumPy itself.

An ndgrad extension (NumPy's gradient rejects datetime64 spacing): a 1-D datetime64
coordinate array ``t`` becomes the float64 array ``(t - t[0]) / np.timedelta64(1, time_unit)``
(NumPy puts both operands in the finer of the two units as int64 and divides once in
float64), and the gradient takes the coordinate path with it. Every other spacing argument,
timedelta64 coordinates included, is left as given.
"""

from __future__ import annotations

import numpy as np

from ._sentinel import _NoValue

# NumPy's codes with a fixed length ("m" is the minute); months and years have none.
UNITS = ("W", "D", "h", "m", "s", "ms", "us", "ns")
DEFAULT_UNIT = "s"


def check_unit(time_unit):
    """``time_unit`` if it is one of :data:`UNITS`, else ``ValueError``."""
    if not (isinstance(time_unit, str) and time_unit in UNITS):
        raise ValueError(
            f"time_unit={time_unit!r} is not supported; use 'W', 'D', 'h', 'm' (minutes), "
            f"'s', 'ms', 'us' or 'ns'"
        )
    return time_unit


def coordinates(varargs, time_unit=_NoValue):
    """``varargs`` with every datetime64 coordinate array converted to float64 elapsed time
    in ``time_unit`` (seconds when not given), or ``varargs`` itself (the same object) when
    none is datetime64.

    An explicit ``time_unit`` is validated, and is a ``TypeError`` where no argument is a
    datetime64 array (it would have no effect). Raises ``ValueError`` for NaT (naming its
    index and the position of the axis among the differentiated ones) and for datetime64
    spacing that is not 1-D, ``TypeError`` for month or year units (no fixed length).
    """
    unit = DEFAULT_UNIT if time_unit is _NoValue else check_unit(time_unit)
    converted = None
    for k, v in enumerate(varargs):
        t = _datetimes(v)
        if t is None:
            continue
        if converted is None:
            converted = list(varargs)
        converted[k] = _elapsed(t, k, unit)
    if converted is None:
        if time_unit is not _NoValue:
            raise TypeError(
                f"time_unit={time_unit!r} applies to datetime64 coordinates, and no spacing "
                f"argument is a datetime64 array; pass datetime64 coordinates or drop "
                f"time_unit="
            )
        return varargs
    return tuple(converted)


def _datetimes(v):
    """``v`` as a datetime64 ndarray if it holds datetime64 values, else None (without
    converting anything that is not datetime64, such as lists of numbers)."""
    if isinstance(v, (int, float, complex)):  # Python numbers (bool included)
        return None
    dtype = getattr(v, "dtype", None)
    if dtype is not None:
        if getattr(dtype, "kind", None) != "M":
            return None
        if hasattr(v, "__dask_graph__"):
            v = v.compute()  # 1-D coordinates: small
    elif not isinstance(v, (list, tuple)):
        return None
    try:
        a = np.asarray(v)
    except Exception:  # noqa: BLE001 - whatever it is, NumPy judges it as spacing later
        return None
    return a if a.dtype.kind == "M" else None


def _elapsed(t, k, unit):
    """``(t - t[0]) / np.timedelta64(1, unit)`` for the coordinates of differentiated axis
    number ``k``, after the checks that NumPy's expression would not make."""
    if t.ndim != 1:
        raise ValueError(
            f"datetime64 coordinates must be 1-D, but the spacing of axis {k} has shape "
            f"{t.shape}; pass the coordinate array (a fixed step is a number in units of "
            f"time_unit)"
        )
    nat = np.isnat(t)
    if nat.any():
        raise ValueError(
            f"NaT at index {int(np.argmax(nat))} of the coordinates of axis {k}; drop or fill it"
        )
    if t.size == 0:
        return np.empty(0, dtype=np.float64)
    base, _ = np.datetime_data(t.dtype)
    if base in ("Y", "M"):
        raise TypeError(
            f"datetime64 coordinates in {base!r} units (years or months) have no fixed "
            f"length; convert them first, e.g. t.astype('datetime64[D]')"
        )
    return (t - t[0]) / np.timedelta64(1, unit)
