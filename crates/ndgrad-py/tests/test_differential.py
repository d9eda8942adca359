"""Differential tests: random calls to ndgrad.gradient and numpy.gradient must agree on bits,
dtype, return type and exception class and message. `check_against_numpy` also demands that
the engine computes every call of plain numeric data with a native spacing form itself (under
the strict switch) and declines every other call for exactly the expected reason."""

import sys
import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ndgrad
from conftest import assert_declines, check_against_numpy, expected_decline
from ndgrad import _native
from ndgrad._native import Declined

NATIVE_DTYPES = ["float64", "float32", "float16", "complex128", "complex64",
                 "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
OTHER_DTYPES = ["bool", "datetime64[s]", "timedelta64[ms]", "object", ">f8", "longdouble"]
LAYOUTS = ["C", "F", "strided", "reversed", "transposed", "broadcast", "list"]

SETTINGS = settings(max_examples=400, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def make_values(draw, dtype, shape):
    size = int(np.prod(shape))
    dt = np.dtype(dtype)
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return rng.integers(info.min, info.max, size=shape, dtype=dt, endpoint=True)
    if dt.kind == "b":
        return rng.integers(0, 2, size=shape).astype(bool)
    if dt.kind in "mM":
        return rng.integers(-10 ** 6, 10 ** 6, size=shape).astype(dt)
    if dt.kind == "O":
        return rng.standard_normal(size).reshape(shape).astype(object)
    scale = 10.0 ** draw(st.integers(-4, 4))
    vals = rng.standard_normal(size) * scale
    if dt.kind == "c":
        vals = vals + 1j * rng.standard_normal(size) * scale
    vals = vals.astype(dt)
    if size and draw(st.booleans()):
        flat = vals.reshape(-1)
        for p in rng.integers(0, size, size=max(1, size // 5)):
            flat[p] = draw(st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0]))
    return vals.reshape(shape)


def apply_layout(values, layout):
    if values.ndim == 0:
        return values
    if layout == "F":
        return np.asfortranarray(values)
    if layout == "strided":
        big = np.zeros(tuple(2 * s for s in values.shape), dtype=values.dtype)
        view = big[tuple(slice(None, None, 2) for _ in values.shape)]
        view[...] = values
        return view
    if layout == "reversed":
        return np.ascontiguousarray(values[tuple(slice(None, None, -1) for _ in values.shape)])[
            tuple(slice(None, None, -1) for _ in values.shape)]
    if layout == "transposed":
        return np.ascontiguousarray(values.T).T
    if layout == "broadcast" and values.ndim >= 1:
        # A read-only view with a zero stride along a new leading axis.
        return np.broadcast_to(values, (2,) + values.shape)
    if layout == "list":
        return values.tolist()
    return values


def spacing_value(draw, n):
    """One spacing argument for an axis of length n, of any form NumPy accepts (or rejects)."""
    kind = draw(st.sampled_from([
        "pyfloat", "pyint", "f64", "f32", "f16", "0d", "0d-f32", "coords", "coords-f32",
        "coords-f16", "coords-int", "coords-uint8", "coords-uniform", "coords-list",
        "coords-timedelta", "coords-wrong-length", "coords-2d", "np-int", "bool",
    ]))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    h = float(draw(st.sampled_from([0.5, 1.0, 0.1, 3.0, -2.0, 1e-3, 0.3])))
    increments = rng.uniform(0.1, 2.0, n)
    return {
        "pyfloat": lambda: h,
        "pyint": lambda: int(draw(st.integers(-3, 5))),
        "f64": lambda: np.float64(h),
        "f32": lambda: np.float32(h),
        "f16": lambda: np.float16(h),
        "0d": lambda: np.array(h),
        "0d-f32": lambda: np.array(h, dtype=np.float32),
        "coords": lambda: np.cumsum(increments),
        "coords-f32": lambda: np.cumsum(increments).astype(np.float32),
        "coords-f16": lambda: np.cumsum(increments).astype(np.float16),
        "coords-int": lambda: np.cumsum(rng.integers(1, 4, n)),
        "coords-uint8": lambda: np.arange(n, dtype=np.uint8)[::-1],
        "coords-uniform": lambda: np.arange(n) * h,
        "coords-list": lambda: np.cumsum(increments).tolist(),
        "coords-timedelta": lambda: np.cumsum(rng.integers(1, 4, n)).astype("m8[s]"),
        "coords-wrong-length": lambda: np.arange(n + 1.0),
        "coords-2d": lambda: np.ones((n, 2)),
        "np-int": lambda: np.int16(2),
        "bool": lambda: True,
    }[kind]()


@st.composite
def calls(draw, dtypes):
    dtype = draw(st.sampled_from(dtypes))
    ndim = draw(st.sampled_from([0, 1, 1, 2, 2, 3]))
    shape = tuple(draw(st.lists(st.sampled_from([0, 1, 2, 3, 3, 4, 5, 7]), min_size=ndim,
                                max_size=ndim)))
    layout = draw(st.sampled_from(LAYOUTS))
    f = apply_layout(make_values(draw, dtype, shape), layout)
    f_shape = np.shape(f)
    nd = len(f_shape)
    axis_form = draw(st.sampled_from(["none", "none", "int", "tuple", "bad"]))
    if axis_form == "none" or nd == 0:
        axis, axes = None, list(range(nd))
    elif axis_form == "int":
        a = draw(st.integers(-nd, nd - 1))
        axis, axes = a, [a % nd]
    elif axis_form == "tuple":
        picked = draw(st.lists(st.integers(-nd, nd - 1), min_size=1, max_size=nd, unique_by=lambda a: a % nd))
        axis, axes = tuple(picked), [a % nd for a in picked]
    else:
        axis = draw(st.sampled_from([nd, -nd - 1, (0, 0), (0, -nd)]))
        axes = list(range(nd))
    n_args = draw(st.sampled_from(["none", "one", "per-axis", "per-axis", "wrong-count"]))
    if n_args == "none":
        varargs = []
    elif n_args == "one":
        varargs = [spacing_value(draw, f_shape[axes[0]] if axes else 3)]
    elif n_args == "per-axis":
        varargs = [spacing_value(draw, f_shape[a]) for a in axes]
    else:
        varargs = [1.0] * (len(axes) + 1)
    edge_order = draw(st.sampled_from([1, 1, 2, 2, 0, 3]))
    return f, varargs, {"axis": axis, "edge_order": edge_order}


@SETTINGS
@given(calls(NATIVE_DTYPES))
def test_native_dtypes_match_numpy(call):
    f, varargs, kwargs = call
    check_against_numpy(f, *varargs, **kwargs)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls(OTHER_DTYPES))
def test_other_dtypes_match_numpy(call):
    f, varargs, kwargs = call
    check_against_numpy(f, *varargs, **kwargs)


@pytest.mark.parametrize("dtype", NATIVE_DTYPES)
@pytest.mark.parametrize("shape,axis", [((1_000_003,), None), ((700, 650), None),
                                        ((650, 700), 0), ((60, 70, 80), (2, 0)),
                                        ((2000, 300), None), ((120, 90, 80), None)])
def test_large_arrays_use_every_thread_and_match_numpy(dtype, shape, axis, rng):
    f = rng.standard_normal(shape) * 100
    f = f.astype(dtype) if np.dtype(dtype).kind != "c" else (f + 1j * f[::-1]).astype(dtype)
    check_against_numpy(f, axis=axis)
    axes = range(len(shape)) if axis is None else np.atleast_1d(axis)
    coords = [np.cumsum(rng.uniform(0.5, 1.5, shape[a])) for a in axes]
    check_against_numpy(f, *coords, axis=axis, edge_order=2)
    check_against_numpy(np.asfortranarray(f), 0.25, axis=axis)


def test_scalar_and_empty_inputs():
    for f in [3.0, np.array(3.0), np.float32(2), [], np.zeros((0, 3)), np.zeros((3, 0)), [[]]]:
        for axis in [None, 0, (), -1]:
            for edge_order in [1, 2]:
                check_against_numpy(f, axis=axis, edge_order=edge_order)


SWAPPED = np.dtype(np.float64).newbyteorder()


def _id(value):
    """A short test id: arrays by type, dtype and shape, everything else by repr."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return f"{type(value).__name__}[{value.dtype.str}]{value.shape}"
    if isinstance(value, (tuple, list)):
        return "(" + ",".join(_id(v) for v in value) + ")"
    if isinstance(value, dict):
        return ",".join(f"{k}={_id(v)}" for k, v in value.items())
    return repr(value)


class Sub(np.ndarray):
    """A plain ndarray subclass: its arithmetic could be overridden, so NumPy must run it."""


@pytest.mark.parametrize("f,varargs,kwargs,reason", [
    (np.ma.arange(5.0), (), {}, Declined.SUBCLASS),
    (np.arange(5.0).view(Sub), (), {}, Declined.SUBCLASS),
    (np.array([True, False, True]), (), {}, Declined.DTYPE),
    (np.arange(5).astype(object), (), {}, Declined.DTYPE),
    (np.arange(5).astype("M8[s]"), (), {}, Declined.DTYPE),
    (np.arange(5).astype("m8[ms]"), (), {}, Declined.DTYPE),
    (np.arange(5, dtype=np.clongdouble), (), {}, Declined.DTYPE),
    (np.arange(5.0).astype(SWAPPED), (), {}, Declined.BYTE_ORDER),
    (np.arange(5).astype(np.dtype(np.int32).newbyteorder()), (), {}, Declined.BYTE_ORDER),
    (np.arange(5.0), (), {"axis": 0.0}, Declined.AXIS),
    (np.arange(5.0), (), {"axis": np.float64(0)}, Declined.AXIS),
    (np.arange(5.0), (), {"axis": "0"}, Declined.AXIS),
    (np.ones((3, 4)), (), {"axis": (0, 1.0)}, Declined.AXIS),
    (np.arange(5.0), (), {"edge_order": 0}, Declined.EDGE_ORDER),
    (np.arange(5.0), (), {"edge_order": -1}, Declined.EDGE_ORDER),
    (np.arange(5.0), (), {"edge_order": 1.0}, Declined.EDGE_ORDER),
    (np.arange(5.0), (), {"edge_order": np.int64(2)}, Declined.EDGE_ORDER),
    (np.arange(5.0), (), {"edge_order": 2 ** 70}, Declined.EDGE_ORDER),
    (np.arange(5.0), (np.int16(2),), {}, Declined.SPACING),
    (np.arange(5.0), (np.array(2),), {}, Declined.SPACING),
    (np.arange(5.0), (True,), {}, Declined.SPACING),
    (np.arange(5.0), (1j,), {}, Declined.SPACING),
    (np.arange(5.0), (np.complex64(2),), {}, Declined.SPACING),
    (np.arange(5.0), (np.longdouble(0.5),), {}, Declined.SPACING),
    (np.arange(5.0), (2 ** 60,), {}, Declined.SPACING),
    (np.arange(5.0), (np.ma.arange(5.0),), {}, Declined.SPACING),
    (np.arange(5.0), (np.arange(5.0).astype(SWAPPED),), {}, Declined.SPACING),
    (np.arange(5.0), ([True, False, True, False, True],), {}, Declined.SPACING),
    (np.ones((3, 4)), (1.0, np.int8(1)), {}, Declined.SPACING),
    (np.arange(5.0), (0,), {"edge_order": 2}, Declined.ZERO_DIVISION),
    (np.arange(5.0), (-0.0,), {"edge_order": 2}, Declined.ZERO_DIVISION),
    (np.ones((3, 4)), (1.0, 0.0), {"edge_order": 2}, Declined.ZERO_DIVISION),
    # The first rule that fails decides: the data before the arguments, axis before spacing.
    (np.ma.arange(5).astype(bool), (np.int16(2),), {"edge_order": 0}, Declined.SUBCLASS),
    (np.arange(5.0).astype(object), (np.int16(2),), {"axis": 0.5}, Declined.DTYPE),
    (np.arange(5.0), (np.int16(2),), {"axis": 0.5, "edge_order": 0}, Declined.AXIS),
    (np.arange(5.0), (np.int16(2),), {"edge_order": 0}, Declined.EDGE_ORDER),
    (np.arange(5.0), (0, np.int16(2)), {"edge_order": 2}, Declined.SPACING),
], ids=_id)
def test_each_decline_reason(f, varargs, kwargs, reason):
    assert expected_decline(f, *varargs, **kwargs) == reason
    assert_declines(reason, f, *varargs, **kwargs)
    check_against_numpy(f, *varargs, **kwargs)  # declined for `reason`, then NumPy's answer


@pytest.mark.parametrize("f,varargs,kwargs", [
    ([1, 4, 9, 16], (), {}),
    (np.float32(2), (), {}),
    (np.arange(5.0), (np.float16(0.5),), {}),
    (np.arange(5.0), (np.array(0.5, np.float32),), {}),
    (np.arange(5.0), ([0.0, 1.0, 3.0, 4.0, 7.0],), {}),
    (np.arange(5.0), ([0, 1, 3, 4, 7],), {}),
    (np.arange(5.0), (np.arange(5, dtype=np.uint8),), {}),
    (np.arange(5.0), (np.arange(5).astype("m8[s]"),), {}),
    (np.arange(5.0), (0,), {}),  # zero spacing with edge_order 1: NumPy divides in arrays
    (np.arange(5.0), (2 ** 53,), {}),
    (np.ones((3, 4)), (), {"axis": np.int64(-1)}),
    (np.ones((3, 4)), (), {"axis": [True, 0]}),
    (np.ones((3, 4)), (), {"axis": np.array(1)}),
    (np.ones((3, 4)), (), {"axis": 5}),  # NumPy's AxisError, raised by the engine
    (np.ones((3, 4)), (), {"edge_order": True}),
    (np.ones((3, 4)), (), {"edge_order": 3}),  # NumPy's ValueError, raised by the engine
    (np.ones((3, 4)).astype(np.dtype("<f8").newbyteorder("=")), (), {}),
    (np.ones((3, 4), dtype=np.uint64), (np.ones((3, 2)),), {"axis": 0}),
], ids=_id)
def test_native_forms_are_computed_by_the_engine(f, varargs, kwargs):
    assert expected_decline(f, *varargs, **kwargs) is None
    check_against_numpy(f, *varargs, **kwargs)  # under the strict switch


def test_the_native_module_returns_the_reason():
    got = _native.gradient(np.ma.arange(3.0), (), None, 1, None, None)
    assert type(got) is Declined and got == Declined.SUBCLASS and got != Declined.DTYPE
    assert "subclass" in got.reason
    assert _native.gradient(np.arange(3.0), (np.int8(1),), None, 1, None, None) == Declined.SPACING
    assert _native.plan_axes([3], (), 0.5, 1) == Declined.AXIS
    one_sided = (1, (0, 0), (None, None), False)
    assert _native.plan_axes([3, 4], (), None, 1) == ((0, *one_sided), (1, *one_sided))
    assert len({Declined.AXIS, Declined.AXIS, Declined.SPACING}) == 2


def test_the_strict_switch_is_scoped():
    f = np.array([True, False, True])
    with ndgrad._strict():
        with pytest.raises(ndgrad._DeclinedError, match=r"Declined\.DTYPE"):
            ndgrad.gradient(f)
        with ndgrad._strict(False):
            with pytest.raises(TypeError, match="boolean"):  # NumPy's own error, not ours
                ndgrad.gradient(f)
        if not getattr(sys.flags, "thread_inherit_context", False):
            # A thread started inside the block runs with the default: it falls back.
            seen = []
            t = threading.Thread(target=lambda: seen.append(ndgrad.gradient(np.ma.arange(3.0))))
            t.start()
            t.join()
            assert len(seen) == 1 and type(seen[0]) is np.ma.MaskedArray
    with ndgrad._strict(False):
        assert type(ndgrad.gradient(np.ma.arange(3.0))) is np.ma.MaskedArray


@pytest.mark.parametrize("dtype", NATIVE_DTYPES + OTHER_DTYPES + ["<f8", ">i4", "=u2", "clongdouble"])
def test_output_dtype_follows_the_engine_table(dtype):
    dt = np.dtype(dtype)
    got = _native.output_dtype(dt)
    assert _native.output_dtype(dtype) == got
    if expected_decline(np.zeros(3, dt)) is None:
        assert got == np.gradient(np.arange(3).astype(dt)).dtype.name
    else:
        assert got is None
