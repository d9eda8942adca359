"""What ``ndgrad.xarray`` reads from xarray objects: spacing, datetime units and periods.

Spacing comes from coordinates. Datetime-like coordinates (datetime64, timedelta64, cftime)
become numbers exactly as xarray's ``differentiate`` makes them, with xarray's own
``datetime_to_numeric`` (elapsed time since the earliest one, in ``datetime_unit``; the
default is the coordinate's own unit, seconds for cftime), so the derivatives keep xarray's
bits. The per-dimension options (``boundary={"lon": "periodic"}``) become ndgrad's per-axis
sequences, and a periodic dimension without an explicit ``period`` takes its coordinate's
``period`` attribute (``da.lon.attrs["period"] = 360``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from xarray.core.common import _contains_datetime_like_objects
from xarray.core.duck_array_ops import datetime_to_numeric

from ._sentinel import _NoValue

# ndgrad's extension arguments and their defaults: a default is not passed on, so a call
# without extensions is NumPy's own.
DEFAULTS = {
    "accuracy": None,
    "deriv": 1,
    "boundary": "one-sided",
    "period": None,
    "constant_values": _NoValue,
    "nan_policy": "propagate",
    "window_length": None,
    "polyorder": None,
}
# What a dimension missing from a mapping gets.
_MISSING = {"boundary": "one-sided", "constant_values": 0.0, "period": None}


def datetime_unit_of(variable, datetime_unit):
    """The unit xarray's ``differentiate`` converts the datetime-like ``variable`` to: the
    one given, else its own (datetime64, timedelta64), else seconds (cftime)."""
    if datetime_unit is None:
        if variable.dtype.kind in "mM":
            return np.datetime_data(variable.dtype)[0]
        return "s"
    return datetime_unit


def numeric(variable, datetime_unit):
    """``variable``'s data, datetime-like values converted to float64 elapsed time in
    ``datetime_unit`` (its own unit when None) as xarray converts them."""
    if _contains_datetime_like_objects(variable):
        return datetime_to_numeric(variable.data, None, datetime_unit, float)
    return variable.data


def coordinate(variable, datetime_unit):
    """``(values, unit)`` of a 1-D coordinate, as xarray's ``differentiate`` uses it:
    ``unit`` is the datetime unit its data variables are converted with (``datetime_unit``
    itself for a coordinate that is not datetime-like)."""
    if _contains_datetime_like_objects(variable):
        datetime_unit = datetime_unit_of(variable, datetime_unit)
    return numeric(variable, datetime_unit), datetime_unit


def spacing(obj, dim, datetime_unit):
    """``(spacing, attrs)`` of dimension ``dim`` of ``obj``: the values of its coordinate
    and that coordinate's attributes, or unit spacing and ``{}`` without a coordinate."""
    if dim not in obj.coords:
        return 1.0, {}
    variable = obj.coords[dim].variable
    return coordinate(variable, datetime_unit)[0], variable.attrs


def dims_of(obj, dims, what="dims"):
    """``dims`` (None: all of ``obj``'s, a name: that one) as a tuple, each checked."""
    if dims is None:
        return tuple(obj.dims)
    if isinstance(dims, str) or not isinstance(dims, (list, tuple)):
        dims = (dims,)
    for d in dims:
        if d not in obj.dims:
            raise ValueError(
                f"{what}={tuple(dims)!r}: {d!r} is not a dimension of this "
                f"{type(obj).__name__} (its dimensions: {tuple(obj.dims)!r})"
            )
    return tuple(dims)


def engine_options(dims, attrs, options, known=()):
    """ndgrad's keyword arguments for differentiating along ``dims`` (in that axis order):
    defaults dropped, mappings keyed by dimension made per-axis tuples, and each periodic
    dimension without a period given its coordinate's ``period`` attribute (``attrs``: one
    attribute mapping per dimension). A mapping may name other dimensions of the object
    (``known``), which are not differentiated, so one mapping serves every call."""
    out = {}
    for name, value in options.items():
        if isinstance(value, Mapping):
            unknown = [d for d in value if d not in dims and d not in known]
            if unknown:
                raise ValueError(
                    f"{name}={dict(value)!r} names {unknown!r}, which are not dimensions "
                    f"of this object (its dimensions: {tuple(known) or tuple(dims)!r})"
                )
            value = tuple(value.get(d, _MISSING.get(name)) for d in dims)
        if not _is_default(value, DEFAULTS[name]):
            out[name] = value
    periods = _periods(dims, attrs, out.get("boundary", "one-sided"), out.get("period"))
    if periods is not None:
        out["period"] = periods
    return out


def keyed(options, dims):
    """``options`` with per-axis sequences for ``dims`` (as long as ``dims``, ndgrad's rule)
    made mappings keyed by dimension, for variables that have only some of ``dims``."""
    out = dict(options)
    for name in ("boundary", "period", "constant_values"):
        value = out[name]
        if (not isinstance(value, (str, Mapping)) and np.ndim(value) != 0
                and value is not _NoValue and len(value) == len(dims)):
            out[name] = dict(zip(dims, value))
    return out


def _periods(dims, attrs, boundary, period):
    """The ``period=`` argument: the one given, completed from the coordinates' ``period``
    attributes on periodic dimensions, or None where nothing is to be passed."""
    periodic = [mode == "periodic" for mode in _modes(boundary, len(dims))]
    if not any(periodic):
        return period  # ndgrad judges a period on non-periodic axes
    if period is None or np.ndim(period) == 0:
        given = [period if p else None for p in periodic]
    else:
        given = list(period)
        if len(given) != len(dims):
            return period  # ndgrad names the length mismatch
    filled = [attrs[k].get("period") if p and g is None else g
              for k, (p, g) in enumerate(zip(periodic, given))]
    return tuple(filled) if any(p is not None for p in filled) else None


def _modes(boundary, n):
    """Each axis's mode as ndgrad reads ``boundary``: one name for all, one entry per axis,
    or a ``(left, right)`` pair for all (entries that are pairs count as not periodic)."""
    if isinstance(boundary, str):
        return [boundary] * n
    entries = list(boundary)
    if len(entries) != n:
        return ["pair"] * n
    return [m if isinstance(m, str) else "pair" for m in entries]


def _is_default(value, default):
    if value is default:
        return True
    if isinstance(default, (int, str)) and type(value) is type(default):
        return value == default
    return False
