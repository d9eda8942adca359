"""Inputs NumPy makes but array views cannot address, and the fronts agreeing with each
other: fields of structured arrays (strides that are not a whole number of items), arrays
of more than 32 dimensions, constant boundary values an integer dtype cannot hold, and a
one-sided axis beside axes with boundary modes (NumPy's own call for it, in memory, on Dask
and in the operators)."""

import dask.array as da
import numpy as np
import pytest

import ndgrad
import ndgrad.dask
from conftest import assert_same


def _field(dtype=np.float64, n=12):
    """A field of a structured array: stride 10 or 6 bytes, not a multiple of the item."""
    st = np.zeros(n, dtype=[("a", dtype), ("b", np.int16)])
    st["a"] = (np.arange(n) ** 2).astype(dtype)
    st["b"] = 7
    return st


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32])
def test_fields_of_structured_arrays_are_computed_exactly(dtype):
    st = _field(dtype)
    f = st["a"]
    assert f.strides[0] % f.itemsize != 0
    expected = np.gradient(np.ascontiguousarray(f))
    with ndgrad._strict():
        assert_same(ndgrad.gradient(f), expected)
    assert_same(ndgrad.gradient(f, accuracy=4), ndgrad.gradient(f.copy(), accuracy=4))
    assert_same(ndgrad.magnitude(f), ndgrad.magnitude(f.copy()))
    big = np.zeros((300, 200), dtype=[("a", np.float64), ("b", np.int16)])
    big["a"] = np.random.default_rng(0).standard_normal((300, 200))
    assert_same(ndgrad.gradient(big["a"]), np.gradient(big["a"].copy()))


def test_a_field_is_refused_as_out_and_left_untouched():
    st = _field()
    before = st.copy()
    with pytest.raises(ValueError, match=r"out\[0\] is not an array of whole, aligned items"):
        ndgrad.gradient(np.arange(12.0), out=st["a"])
    assert st.tobytes() == before.tobytes()


def test_more_than_32_dimensions_go_to_numpy_or_are_refused_by_name():
    f = np.arange(12.0).reshape((3, 4) + (1,) * 31)
    with ndgrad._strict(False):
        assert_same(ndgrad.gradient(f, axis=0), np.gradient(f, axis=0))
    with pytest.raises(TypeError, match="more than 32 dimensions"):
        ndgrad.gradient(f, axis=0, accuracy=4)
    with pytest.raises(ValueError, match="33 dimensions"):
        ndgrad.magnitude(f)


@pytest.mark.parametrize(
    "dtype,value",
    [(np.uint8, -3.0), (np.uint8, 300.0), (np.int8, 1e10), (np.int32, np.nan), (np.int16, 2.5),
     (np.int64, 2.0 ** 63)],
)
def test_constants_an_integer_dtype_cannot_hold_are_refused_on_every_front(dtype, value):
    f = np.array([1, 2, 4, 7, 11], dtype)
    match = r"constant_values=.* cannot be held by " + np.dtype(dtype).name
    with pytest.raises(ValueError, match=match):
        ndgrad.gradient(f, boundary="constant", constant_values=value)
    with pytest.raises(ValueError, match=match):
        ndgrad.dask.gradient(da.from_array(f, chunks=2), boundary="constant",
                             constant_values=value)
    with pytest.raises(ValueError, match=match):
        ndgrad.gradient(f, boundary=("constant", "reflect"), constant_values=(value, 0))


def test_constants_an_integer_dtype_holds_agree_everywhere():
    f = np.array([1, 2, 4, 7, 11], np.uint8)
    got = ndgrad.gradient(f, boundary="constant", constant_values=253.0)
    padded = np.gradient(np.pad(f, 1, constant_values=253).astype(np.float64))[1:-1]
    assert_same(got, padded)
    lazy = ndgrad.dask.gradient(da.from_array(f, chunks=2), boundary="constant",
                                constant_values=253.0)
    assert_same(lazy.compute(), got)


def test_a_one_sided_axis_beside_a_periodic_one_is_numpys_call():
    u = np.arange(20.0).reshape(4, 5) ** 2
    v = u[::-1].copy()
    g = ndgrad.gradient(v, boundary=["periodic", "one-sided"])
    assert_same(g[1], np.gradient(v, axis=1))
    assert_same(g[0], ndgrad.gradient(v, axis=0, boundary="periodic"))
    b = ["periodic", "one-sided"]
    eager = ndgrad.divergence((u, v), boundary=b)
    lazy = ndgrad.dask.divergence((da.from_array(u, chunks=2), da.from_array(v, chunks=3)),
                                  boundary=b)
    assert_same(lazy.compute(), eager)
    eager = ndgrad.curl((u, v), boundary=b)
    lazy = ndgrad.dask.curl((da.from_array(u, chunks=2), da.from_array(v, chunks=3)),
                            boundary=b)
    assert_same(lazy.compute(), eager)
