"""datetime64 coordinates (an ndgrad extension; NumPy's gradient raises for them): each
becomes ``(t - t[0]) / np.timedelta64(1, time_unit)`` in float64, as NumPy computes that
expression, and the gradient is then NumPy's (or the extension's) with those coordinates, bit
for bit. xarray's ``differentiate(datetime_unit=)`` converts the same way (offset: the minimum
time), so for ascending times the bits agree with it too. Every test runs under the strict
switch: the engine computes these calls itself."""

import numpy as np
import pytest

import ndgrad
import ndgrad.dask
from conftest import Raised, assert_same, check_against_numpy, outcome
from ndgrad import _native
from ndgrad._native import Declined

UNITS = ["W", "D", "h", "m", "s", "ms", "us", "ns"]

# NUMERICS.md E8.
E8_T = np.array(["2024-01-01T00:00", "2024-01-01T00:10", "2024-01-01T00:30",
                 "2024-01-01T01:30", "2024-01-01T03:30"], dtype="datetime64[ns]")
E8_F = np.array([0.0, 1, 3, 4, 10])


def elapsed(t, unit):
    """The coordinates ndgrad must use: NumPy's own expression."""
    return (t - t[0]) / np.timedelta64(1, unit)


def irregular_times(rng, n, unit="ns", start="2024-03-10T04:00"):
    """Ascending, unevenly spaced times (seconds to minutes apart, odd sub-second parts)."""
    steps = rng.integers(1, 600, n - 1) * np.timedelta64(1, "s")
    steps = steps + rng.integers(0, 10 ** 9, n - 1) * np.timedelta64(1, "ns")
    t = np.datetime64(start, "ns") + np.concatenate([[np.timedelta64(0, "ns")], np.cumsum(steps)])
    return t.astype(f"datetime64[{unit}]")


def test_e8_per_hour_is_exact():
    got = ndgrad.gradient(E8_F, E8_T, time_unit="h")
    expected = np.array([6.0, 6.0, 4.75, 1.6666666666666665, 3.0])
    assert_same(got, expected)
    assert_same(got, np.gradient(E8_F, elapsed(E8_T, "h")))


def test_default_unit_is_seconds():
    assert_same(ndgrad.gradient(E8_F, E8_T), np.gradient(E8_F, elapsed(E8_T, "s")))
    assert_same(ndgrad.gradient(E8_F, E8_T), ndgrad.gradient(E8_F, E8_T, time_unit="s"))
    np.testing.assert_allclose(ndgrad.gradient(E8_F, E8_T) * 3600,
                               ndgrad.gradient(E8_F, E8_T, time_unit="h"), rtol=1e-15)


@pytest.mark.parametrize("data_unit", ["ns", "us"])
@pytest.mark.parametrize("unit", ["h", "s", "m"])
@pytest.mark.parametrize("edge_order", [1, 2])
def test_same_bits_as_xarray_differentiate(rng, data_unit, unit, edge_order):
    xr = pytest.importorskip("xarray")
    t = irregular_times(rng, 60, data_unit)
    f = rng.standard_normal((60, 3))
    da = xr.DataArray(f, dims=("time", "y"), coords={"time": t})
    expected = da.differentiate("time", edge_order=edge_order, datetime_unit=unit).values
    got = ndgrad.gradient(f, t, axis=0, edge_order=edge_order, time_unit=unit)
    assert_same(got, expected)
    assert_same(got, np.gradient(f, elapsed(t, unit), axis=0, edge_order=edge_order))


def test_e8_equals_xarray_for_every_unit_it_names():
    xr = pytest.importorskip("xarray")
    da = xr.DataArray(E8_F, dims="t", coords={"t": E8_T})
    for unit in ["h", "s", "m"]:
        expected = da.differentiate("t", datetime_unit=unit).values
        assert_same(ndgrad.gradient(E8_F, E8_T, time_unit=unit), expected)
    # xarray's default is the data's unit (here per nanosecond); ndgrad's is seconds.
    assert_same(ndgrad.gradient(E8_F, E8_T, time_unit="ns"), da.differentiate("t").values)


@pytest.mark.parametrize("data_unit", ["D", "h", "s", "ms", "us", "ns", "10s", "250ms"])
@pytest.mark.parametrize("unit", UNITS)
def test_every_data_unit_and_time_unit_is_numpys_expression(rng, data_unit, unit):
    steps = rng.integers(1, 10 ** 15, 11) * np.timedelta64(1, "us")  # up to 11 days
    t = np.datetime64("2021-06-01", "us") + np.concatenate([[0], np.cumsum(steps)])
    t = np.unique(t.astype(f"datetime64[{data_unit}]"))  # coarse units merge some samples
    assert t.size >= 3
    f = rng.standard_normal(t.size)
    assert_same(ndgrad.gradient(f, t, time_unit=unit), np.gradient(f, elapsed(t, unit)))


def test_unsorted_times_and_other_dtypes_of_f(rng):
    t = irregular_times(rng, 9)[[3, 0, 1, 8, 2, 7, 4, 6, 5]]
    for f in [rng.standard_normal(9), rng.standard_normal(9).astype(np.float32),
              rng.integers(-50, 50, 9), (rng.standard_normal(9) + 1j).astype(np.complex64)]:
        assert_same(ndgrad.gradient(f, t, time_unit="m"), np.gradient(f, elapsed(t, "m")))


def test_several_axes_and_other_spacings(rng):
    t = irregular_times(rng, 7)
    f = rng.standard_normal((5, 7, 4))
    got = ndgrad.gradient(f, 0.5, t, [0.0, 1, 3, 4], time_unit="s")
    assert_same(got, np.gradient(f, 0.5, elapsed(t, "s"), [0.0, 1, 3, 4]))
    got = ndgrad.gradient(f, t, 2.0, axis=(1, 2))
    assert_same(got, np.gradient(f, elapsed(t, "s"), 2.0, axis=(1, 2)))
    # A list of datetime64 values is datetime64 coordinates too.
    assert_same(ndgrad.gradient(E8_F, list(E8_T), time_unit="h"),
                ndgrad.gradient(E8_F, E8_T, time_unit="h"))


def test_works_with_the_extensions(rng):
    t = irregular_times(rng, 40)
    x = elapsed(t, "m")
    f = np.sin(x / 50)
    for kwargs in [{"accuracy": 4}, {"accuracy": 2}, {"deriv": 2}, {"deriv": 3, "accuracy": 4},
                   {"boundary": "reflect"}, {"boundary": ("constant", "one-sided")},
                   {"edge_order": 2}, {"workers": 1}]:
        assert_same(ndgrad.gradient(f, t, time_unit="m", **kwargs),
                    ndgrad.gradient(f, x, **kwargs))
    assert_same(ndgrad.gradient(f, t, accuracy=4),  # default unit
                ndgrad.gradient(f, elapsed(t, "s"), accuracy=4))


def test_periodic_times_take_the_period_in_time_unit():
    # Hourly samples of a daily cycle: the period is 24 in hours, 1440 in minutes.
    t = np.datetime64("2024-01-01T00:00", "ns") + np.arange(24) * np.timedelta64(1, "h")
    f = np.sin(2 * np.pi * np.arange(24) / 24)
    by_hour = ndgrad.gradient(f, t, boundary="periodic", period=24, time_unit="h")
    assert_same(by_hour, ndgrad.gradient(f, np.arange(24.0), boundary="periodic", period=24))
    by_minute = ndgrad.gradient(f, t, boundary="periodic", period=1440, time_unit="m")
    assert_same(by_minute, ndgrad.gradient(f, elapsed(t, "m"), boundary="periodic", period=1440))
    # Evenly spaced times imply the period (n * spacing), as for numbers.
    assert_same(ndgrad.gradient(f, t, boundary="periodic", time_unit="h"), by_hour)
    uneven = t + np.array([0, 7] * 12) * np.timedelta64(1, "m")
    with pytest.raises(ValueError, match="pass period="):
        ndgrad.gradient(f, uneven, boundary="periodic", time_unit="h")


def test_out_is_filled():
    out = np.empty(5)
    assert ndgrad.gradient(E8_F, E8_T, time_unit="h", out=out) is out
    assert_same(out, np.array([6.0, 6.0, 4.75, 1.6666666666666665, 3.0]))


@pytest.mark.parametrize("varargs,kwargs,message", [
    ((np.array(["2024-01-01", "2024-01-02", "2024-01-03", "NaT"], "M8[D]"),), {},
     "NaT at index 3 of the coordinates of axis 0; drop or fill it"),
    ((1.0, np.array(["NaT", "2024-01-02", "2024-01-03", "2024-01-05"], "M8[s]")), {},
     "NaT at index 0 of the coordinates of axis 1; drop or fill it"),
    # The position among the differentiated axes, in `axis` order.
    ((np.array(["2024-01-01", "NaT", "NaT", "2024-01-05"], "M8[ns]"), 1.0), {"axis": (1, 0)},
     "NaT at index 1 of the coordinates of axis 0; drop or fill it"),
    ((np.array(["2024-01-01", "NaT", "NaT", "2024-01-05"], "M8[ns]"), 1.0),
     {"axis": (1, 0), "time_unit": "h", "accuracy": 2},
     "NaT at index 1 of the coordinates of axis 0; drop or fill it"),
])
def test_nat_is_an_error_naming_index_and_axis(varargs, kwargs, message):
    f = np.ones((4, 4))
    with pytest.raises(ValueError, match=f"^{message}$"):
        ndgrad.gradient(f, *varargs, **kwargs)


@pytest.mark.parametrize("bad", ["M", "Y", "min", "H", "sec", "", 3600, None, ("h",)])
def test_invalid_time_unit_names_itself_and_the_codes(bad):
    with pytest.raises(ValueError) as raised:
        ndgrad.gradient(E8_F, E8_T, time_unit=bad)
    message = str(raised.value)
    assert message.startswith(f"time_unit={bad!r} is not supported")
    assert "'W', 'D', 'h', 'm' (minutes), 's', 'ms', 'us' or 'ns'" in message
    with pytest.raises(ValueError, match="is not supported"):  # even without datetimes
        ndgrad.gradient(E8_F, time_unit=bad)


@pytest.mark.parametrize("varargs", [(), (0.5,), (np.arange(5.0),),
                                     (np.arange(5).astype("m8[s]"),)])
def test_time_unit_without_datetime_coordinates_is_a_type_error(varargs):
    with pytest.raises(TypeError, match=r"^time_unit='h' applies to datetime64 coordinates"):
        ndgrad.gradient(E8_F, *varargs, time_unit="h")
    with pytest.raises(TypeError, match="drop time_unit="):  # the default value too
        ndgrad.gradient(E8_F, *varargs, time_unit="s")


def test_timedelta_coordinates_keep_numpys_behaviour():
    td = np.array([0, 10, 30, 90, 210], dtype="m8[m]")
    check_against_numpy(E8_F, td)  # converted like integers: per minute here
    assert_same(ndgrad.gradient(E8_F, td), np.gradient(E8_F, td.astype(np.float64)))


def test_unsupported_datetime_spacing():
    with pytest.raises(ValueError, match=r"must be 1-D, but the spacing of axis 0 has shape \(\)"):
        ndgrad.gradient(E8_F, np.datetime64("2024-01-01"))
    with pytest.raises(ValueError, match=r"has shape \(5, 1\)"):
        ndgrad.gradient(E8_F, E8_T[:, None])
    months = np.array(["2024-01", "2024-02", "2024-03", "2024-05", "2024-08"], "M8[M]")
    with pytest.raises(TypeError, match="have no fixed length"):
        ndgrad.gradient(E8_F, months)
    with pytest.raises(TypeError, match="have no fixed length"):
        ndgrad.gradient(E8_F, months.astype("M8[Y]"), time_unit="D")


@pytest.mark.parametrize("f,t,kwargs", [
    (E8_F, E8_T[:4], {}),  # coordinates of the wrong length
    (E8_F[:1], E8_T[:1], {}),  # one sample
    (E8_F[:2], E8_T[:2], {"edge_order": 2}),  # too short for edge_order 2
    (np.ones((5, 5)), E8_T, {}),  # one coordinate array for two axes
])
def test_numpy_errors_stay_numpys(f, t, kwargs):
    """The coordinates are converted first; the gradient then raises NumPy's errors."""
    expected = outcome(np.gradient, f, elapsed(t, "s"), **kwargs)
    got = outcome(ndgrad.gradient, f, t, **kwargs)
    assert isinstance(expected, Raised) and isinstance(got, Raised)
    assert (got.cls, got.message) == (expected.cls, expected.message)


def test_the_engine_declines_datetimes_and_the_wrapper_converts_them():
    # The native layer leaves datetime64 spacing alone (NumPy's routing); ndgrad.gradient
    # converts it and computes the call itself (under the strict switch here).
    assert _native.gradient(E8_F, (E8_T,), None, 1, None, None) == Declined.SPACING
    assert_same(ndgrad.gradient(E8_F, E8_T), np.gradient(E8_F, elapsed(E8_T, "s")))


def test_numpys_call_keeps_the_fast_path(monkeypatch):
    """No datetime64 coordinates and time_unit not given: the conversion is never looked at
    (the identity test against the defaults), and the call is NumPy's."""
    def boom(*args, **kwargs):
        raise AssertionError("the datetime conversion ran")

    monkeypatch.setattr(ndgrad, "_datetime_coordinates", boom)
    check_against_numpy(E8_F, np.arange(5.0))
    check_against_numpy(np.ones((3, 4)), 2.0, [0, 1, 3, 4], edge_order=2)


@pytest.mark.numpy_fallback
def test_data_numpy_computes_gets_the_converted_coordinates():
    f = np.ma.masked_array(E8_F, mask=[0, 0, 1, 0, 0])
    got = ndgrad.gradient(f, E8_T, time_unit="h")
    assert_same(got, np.gradient(f, elapsed(E8_T, "h")))
    assert_same(ndgrad.gradient(f, E8_T), np.gradient(f, elapsed(E8_T, "s")))


# Dask: the coordinates are converted once, before the graph is built.

@pytest.mark.parametrize("chunks", [1, 2, 3, 7, (5, 1, 30, 4)])
def test_dask_matches_in_memory_for_any_chunking(rng, chunks):
    da = pytest.importorskip("dask.array")
    t = irregular_times(rng, 40, "us")
    f = rng.standard_normal((40, 6))
    x = da.from_array(f, chunks=(chunks, 3))
    for kwargs in [{}, {"time_unit": "m"}, {"time_unit": "h", "accuracy": 4},
                   {"time_unit": "s", "accuracy": 4, "deriv": 2}, {"edge_order": 2}]:
        expected = ndgrad.gradient(f, t, 1.5, **kwargs)
        assert_same(tuple(g.compute() for g in ndgrad.dask.gradient(x, t, 1.5, **kwargs)), expected)
        assert_same(tuple(g.compute() for g in ndgrad.gradient(x, t, 1.5, **kwargs)), expected)
    assert_same(ndgrad.gradient(x, t, axis=0, time_unit="h").compute(),
                np.gradient(f, elapsed(t, "h"), axis=0))


def test_dask_datetime_coordinates_as_dask_arrays(rng):
    da = pytest.importorskip("dask.array")
    t = irregular_times(rng, 30)
    f = rng.standard_normal(30)
    got = ndgrad.dask.gradient(da.from_array(f, chunks=7), da.from_array(t, chunks=10),
                               time_unit="m", accuracy=4)
    assert_same(got.compute(), ndgrad.gradient(f, t, time_unit="m", accuracy=4))


def test_dask_errors_before_any_computation():
    da = pytest.importorskip("dask.array")
    x = da.from_array(np.ones(5), chunks=2)
    bad_t = E8_T.copy()
    bad_t[2] = np.datetime64("NaT")
    with pytest.raises(ValueError, match="^NaT at index 2 of the coordinates of axis 0"):
        ndgrad.dask.gradient(x, bad_t)
    with pytest.raises(ValueError, match="^NaT at index 2 of the coordinates of axis 0"):
        ndgrad.gradient(x, bad_t, time_unit="h")
    with pytest.raises(TypeError, match="applies to datetime64 coordinates"):
        ndgrad.dask.gradient(x, 1.0, time_unit="h")
    with pytest.raises(ValueError, match="time_unit='M' is not supported"):
        ndgrad.dask.gradient(x, E8_T, time_unit="M")
