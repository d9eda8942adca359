"""Every case of NumPy's own gradient test class (TestGradient in numpy/lib/tests/
test_function_base.py, NumPy 2.4), run against ndgrad.gradient. Where NumPy's test checks
values loosely, these also demand NumPy's exact bits. They run under ndgrad's strict switch
(conftest.py): the engine must compute every case itself, except the datetime and masked
inputs, which it must hand to NumPy for the expected reason."""

import numpy as np
import pytest
from numpy.exceptions import AxisError
from numpy.testing import assert_almost_equal, assert_array_equal

from conftest import assert_same, check_against_numpy
from ndgrad import gradient


def test_basic():
    v = [[1, 1], [3, 4]]
    x = np.array(v)
    dx = [np.array([[2.0, 3.0], [2.0, 3.0]]), np.array([[0.0, 0.0], [1.0, 1.0]])]
    assert_array_equal(gradient(x), dx)
    assert_array_equal(gradient(v), dx)
    check_against_numpy(x)
    check_against_numpy(v)


def test_args():
    dx = np.cumsum(np.ones(5))
    dx_uneven = [1.0, 2.0, 5.0, 9.0, 11.0]
    f_2d = np.arange(25).reshape(5, 5)
    for args, kwargs in [
        ((np.arange(5), 3.0), {}),
        ((np.arange(5), np.array(3.0)), {}),
        ((np.arange(5), dx), {}),
        ((f_2d, 1.5), {}),
        ((f_2d, np.array(1.5)), {}),
        ((f_2d, dx_uneven, dx_uneven), {}),
        ((f_2d, dx, 2), {}),
        ((f_2d, dx), {"axis": 1}),
    ]:
        check_against_numpy(*args, **kwargs)
    with pytest.raises(ValueError, match=".*scalars or 1d"):
        gradient(f_2d, np.stack([dx] * 2, axis=-1), 1)


def test_badargs():
    f_2d = np.arange(25).reshape(5, 5)
    x = np.cumsum(np.ones(5))
    for args in [(f_2d, x, np.ones(2)), (f_2d, 1, np.ones(2)), (f_2d, np.ones(2), np.ones(2))]:
        with pytest.raises(ValueError):
            gradient(*args)
        check_against_numpy(*args)
    for args, kwargs in [
        ((f_2d, x), {}),
        ((f_2d, x), {"axis": (0, 1)}),
        ((f_2d, x, x, x), {}),
        ((f_2d, 1, 1, 1), {}),
        ((f_2d, x, x), {"axis": 1}),
        ((f_2d, 1, 1), {"axis": 1}),
    ]:
        with pytest.raises(TypeError):
            gradient(*args, **kwargs)
        check_against_numpy(*args, **kwargs)


@pytest.mark.numpy_fallback
def test_datetime64():
    x = np.array(["1910-08-16", "1910-08-11", "1910-08-10", "1910-08-12",
                  "1910-10-12", "1910-12-12", "1912-12-12"], dtype="datetime64[D]")
    dx = np.array([-5, -3, 0, 31, 61, 396, 731], dtype="timedelta64[D]")
    assert_array_equal(gradient(x), dx)
    assert gradient(x).dtype == np.dtype("timedelta64[D]")
    check_against_numpy(x)


@pytest.mark.numpy_fallback
def test_masked():
    x = np.ma.array([[1, 1], [3, 4]], mask=[[False, False], [False, False]])
    out = gradient(x)[0]
    assert type(out) is type(x)
    assert x._mask is not out._mask
    x2 = np.ma.arange(5)
    x2[2] = np.ma.masked
    gradient(x2, edge_order=2)
    assert_array_equal(x2.mask, [False, False, True, False, False])
    check_against_numpy(x2, edge_order=2)


def test_second_order_accurate():
    x = np.linspace(0, 1, 10)
    dx = x[1] - x[0]
    y = 2 * x ** 3 + 4 * x ** 2 + 2 * x
    analytical = 6 * x ** 2 + 8 * x + 2
    assert np.all(np.abs((gradient(y, dx, edge_order=2) / analytical) - 1) < 0.03)
    check_against_numpy(y, dx, edge_order=2)
    rng = np.random.default_rng(0)
    x = np.sort(rng.random(10))
    y = 2 * x ** 3 + 4 * x ** 2 + 2 * x
    analytical = 6 * x ** 2 + 8 * x + 2
    assert np.all(np.abs((gradient(y, x, edge_order=2) / analytical) - 1) < 0.03)
    check_against_numpy(y, x, edge_order=2)


def test_spacing():
    f = np.array([0, 2.0, 3.0, 4.0, 5.0, 5.0])
    f = np.tile(f, (6, 1)) + f.reshape(-1, 1)
    x_uneven = np.array([0.0, 0.5, 1.0, 3.0, 5.0, 7.0])
    x_even = np.arange(6.0)
    fdx_even_ord1 = np.tile([2.0, 1.5, 1.0, 1.0, 0.5, 0.0], (6, 1))
    fdx_even_ord2 = np.tile([2.5, 1.5, 1.0, 1.0, 0.5, -0.5], (6, 1))
    fdx_uneven_ord1 = np.tile([4.0, 3.0, 1.7, 0.5, 0.25, 0.0], (6, 1))
    fdx_uneven_ord2 = np.tile([5.0, 3.0, 1.7, 0.5, 0.25, -0.25], (6, 1))

    for edge_order, exp_res in [(1, fdx_even_ord1), (2, fdx_even_ord2)]:
        res1 = gradient(f, 1.0, axis=(0, 1), edge_order=edge_order)
        res2 = gradient(f, x_even, x_even, axis=(0, 1), edge_order=edge_order)
        res3 = gradient(f, x_even, x_even, axis=None, edge_order=edge_order)
        assert_array_equal(res1, res2)
        assert_array_equal(res2, res3)
        assert_almost_equal(res1[0], exp_res.T)
        assert_almost_equal(res1[1], exp_res)
        res1 = gradient(f, 1.0, axis=0, edge_order=edge_order)
        res2 = gradient(f, x_even, axis=0, edge_order=edge_order)
        assert res1.shape == res2.shape
        assert_almost_equal(res2, exp_res.T)
        res1 = gradient(f, 1.0, axis=1, edge_order=edge_order)
        res2 = gradient(f, x_even, axis=1, edge_order=edge_order)
        assert res1.shape == res2.shape
        assert_array_equal(res2, exp_res)
        for args, kw in [((f, 1.0), {"axis": (0, 1)}), ((f, x_even, x_even), {"axis": (0, 1)}),
                         ((f, x_even), {"axis": 0}), ((f, x_even), {"axis": 1})]:
            check_against_numpy(*args, edge_order=edge_order, **kw)

    for edge_order, exp_res in [(1, fdx_uneven_ord1), (2, fdx_uneven_ord2)]:
        res1 = gradient(f, x_uneven, x_uneven, axis=(0, 1), edge_order=edge_order)
        res2 = gradient(f, x_uneven, x_uneven, axis=None, edge_order=edge_order)
        assert_array_equal(res1, res2)
        assert_almost_equal(res1[0], exp_res.T)
        assert_almost_equal(res1[1], exp_res)
        assert_almost_equal(gradient(f, x_uneven, axis=0, edge_order=edge_order), exp_res.T)
        assert_almost_equal(gradient(f, x_uneven, axis=1, edge_order=edge_order), exp_res)
        check_against_numpy(f, x_uneven, x_uneven, edge_order=edge_order)
        check_against_numpy(f, x_uneven, axis=0, edge_order=edge_order)

    for edge_order, even, uneven in [(1, fdx_even_ord1, fdx_uneven_ord1),
                                     (2, fdx_even_ord2, fdx_uneven_ord2)]:
        res1 = gradient(f, x_even, x_uneven, axis=(0, 1), edge_order=edge_order)
        res2 = gradient(f, x_uneven, x_even, axis=(1, 0), edge_order=edge_order)
        assert_array_equal(res1[0], res2[1])
        assert_array_equal(res1[1], res2[0])
        assert_almost_equal(res1[0], even.T)
        assert_almost_equal(res1[1], uneven)
        check_against_numpy(f, x_uneven, x_even, axis=(1, 0), edge_order=edge_order)


def test_specific_axes():
    v = [[1, 1], [3, 4]]
    x = np.array(v)
    dx = [np.array([[2.0, 3.0], [2.0, 3.0]]), np.array([[0.0, 0.0], [1.0, 1.0]])]
    assert_array_equal(gradient(x, axis=0), dx[0])
    assert_array_equal(gradient(x, axis=1), dx[1])
    assert_array_equal(gradient(x, axis=-1), dx[1])
    assert_array_equal(gradient(x, axis=(1, 0)), [dx[1], dx[0]])
    assert_almost_equal(gradient(x, axis=None), [dx[0], dx[1]])
    assert_almost_equal(gradient(x, axis=None), gradient(x))
    assert_array_equal(gradient(x, 2, 3, axis=(1, 0)), [dx[1] / 2.0, dx[0] / 3.0])
    with pytest.raises(TypeError):
        gradient(x, 1, 2, axis=1)
    with pytest.raises(AxisError):
        gradient(x, axis=3)
    with pytest.raises(AxisError):
        gradient(x, axis=-3)
    for kw in [{"axis": 0}, {"axis": -1}, {"axis": (1, 0)}, {"axis": 3}, {"axis": -3}]:
        check_against_numpy(x, **kw)
    check_against_numpy(x, 2, 3, axis=(1, 0))


@pytest.mark.numpy_fallback
def test_timedelta64():
    x = np.array([-5, -3, 10, 12, 61, 321, 300], dtype="timedelta64[D]")
    dx = np.array([2, 7, 7, 25, 154, 119, -21], dtype="timedelta64[D]")
    assert_array_equal(gradient(x), dx)
    assert gradient(x).dtype == np.dtype("timedelta64[D]")
    check_against_numpy(x)


def test_inexact_dtypes():
    for dt in [np.float16, np.float32, np.float64]:
        x = np.array([1, 2, 3], dtype=dt)
        assert gradient(x).dtype == np.diff(x).dtype


def test_values():
    gradient(np.arange(2), edge_order=1)
    gradient(np.arange(3), edge_order=2)
    for n, e in [(0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]:
        with pytest.raises(ValueError):
            gradient(np.arange(n), edge_order=e)
        check_against_numpy(np.arange(n), edge_order=e)


@pytest.mark.parametrize("f_dtype", [np.uint8, np.uint16, np.uint32, np.uint64])
def test_f_decreasing_unsigned_int(f_dtype):
    f = np.array([5, 4, 3, 2, 1], dtype=f_dtype)
    assert_array_equal(gradient(f), [-1] * len(f))
    check_against_numpy(f)


@pytest.mark.parametrize("f_dtype", [np.int8, np.int16, np.int32, np.int64])
def test_f_signed_int_big_jump(f_dtype):
    maxint = np.iinfo(f_dtype).max
    x = np.array([1, 3])
    f = np.array([-1, maxint], dtype=f_dtype)
    assert_array_equal(gradient(f, x), [(maxint + 1) // 2] * 2)
    check_against_numpy(f, x)


@pytest.mark.parametrize("x_dtype", [np.uint8, np.uint16, np.uint32, np.uint64])
def test_x_decreasing_unsigned(x_dtype):
    x = np.array([3, 2, 1], dtype=x_dtype)
    f = np.array([0, 2, 4])
    assert_array_equal(gradient(f, x), [-2] * len(x))
    check_against_numpy(f, x)


@pytest.mark.parametrize("x_dtype", [np.int8, np.int16, np.int32, np.int64])
def test_x_signed_int_big_jump(x_dtype):
    minint = np.iinfo(x_dtype).min
    maxint = np.iinfo(x_dtype).max
    x = np.array([-1, maxint], dtype=x_dtype)
    f = np.array([minint // 2, 0])
    assert_array_equal(gradient(f, x), [0.5, 0.5])
    check_against_numpy(f, x)


def test_return_type():
    res = gradient(([1, 2], [2, 3]))
    assert type(res) is tuple
    assert_same(res, np.gradient(([1, 2], [2, 3])))
