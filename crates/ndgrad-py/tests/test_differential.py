"""Differential tests: random calls to ndgrad.gradient and numpy.gradient must agree on bits,
dtype, return type and exception class and message."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import check_against_numpy

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
