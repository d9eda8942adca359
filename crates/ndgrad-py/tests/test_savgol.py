"""window_length= and polyorder= (Savitzky-Golay derivatives, NUMERICS.md §5) against
references that are not ndgrad: scipy.signal.savgol_filter (its mode="interp" ends, and its
"wrap", "mirror" and "constant" modes for ndgrad's boundary modes), ndgrad's accuracy
stencils (bit for bit, for the interpolating window), polynomials, and Dask."""

import numpy as np
import pytest

import ndgrad
from conftest import assert_same

signal = pytest.importorskip("scipy.signal")

WINDOWS = [(5, 2), (7, 3), (11, 2), (11, 4), (21, 3)]
H = 0.05


def smooth_field(n=200, h=H):
    x = np.arange(n) * h
    return 10.0 * np.sin(x), x


@pytest.mark.parametrize("window, polyorder", WINDOWS)
@pytest.mark.parametrize("deriv", [1, 2])
def test_equals_savgol_filter(window, polyorder, deriv):
    f, _ = smooth_field()
    # Results of size ~10 (10 sin x and its derivatives): SciPy's lstsq weights against
    # exact fractions rounded once.
    expected = signal.savgol_filter(f, window, polyorder, deriv=deriv, delta=H)
    got = ndgrad.gradient(f, H, window_length=window, polyorder=polyorder, deriv=deriv)
    assert np.max(np.abs(got - expected)) <= 1.1e-11


@pytest.mark.parametrize("window, polyorder", WINDOWS)
@pytest.mark.parametrize(
    "boundary, mode, extra",
    [
        ("periodic", "wrap", {}),
        ("reflect", "mirror", {}),  # np.pad "reflect" is SciPy's "mirror"
        ("constant", "constant", {"constant_values": 2.5}),
    ],
)
def test_boundary_modes_equal_savgol_filter_modes(window, polyorder, boundary, mode, extra):
    f, _ = smooth_field(n=97)
    for deriv in (1, 2):
        expected = signal.savgol_filter(f, window, polyorder, deriv=deriv, delta=H, mode=mode,
                                        cval=extra.get("constant_values", 0.0))
        got = ndgrad.gradient(f, H, window_length=window, polyorder=polyorder, deriv=deriv,
                              boundary=boundary, **extra)
        tolerance = 2e-12 if deriv == 1 else 2e-11
        assert np.max(np.abs(got - expected)) <= tolerance, (deriv, boundary)


def test_two_dimensional_axes_and_dtypes():
    f, _ = smooth_field(n=40)
    grid = np.add.outer(f, 0.5 * f[:30])
    for axis in (0, 1):
        expected = signal.savgol_filter(grid, 9, 3, deriv=1, delta=H, axis=axis)
        got = ndgrad.gradient(grid, H, axis=axis, window_length=9, polyorder=3)
        assert np.max(np.abs(got - expected)) <= 1.1e-11
    both = ndgrad.gradient(grid, H, window_length=9, polyorder=3)
    assert isinstance(both, tuple) and len(both) == 2
    f32 = ndgrad.gradient(f.astype(np.float32), window_length=7, polyorder=2)
    assert f32.dtype == np.float32
    ints = ndgrad.gradient(np.arange(20) ** 2, window_length=7, polyorder=2)
    assert ints.dtype == np.float64
    np.testing.assert_allclose(ints, 2 * np.arange(20.0), rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, np.int32])
@pytest.mark.parametrize("p", [2, 4, 6, 8])
@pytest.mark.parametrize("boundary", ["one-sided", "periodic", "reflect"])
def test_interpolating_window_is_accuracy_p_bit_for_bit(dtype, p, boundary, rng):
    f = (rng.standard_normal((30, 11)) * 20).astype(dtype)
    for h in (1.0, 0.3, np.float32(0.5)):
        assert_same(
            ndgrad.gradient(f, h, window_length=p + 1, polyorder=p, boundary=boundary),
            ndgrad.gradient(f, h, accuracy=p, boundary=boundary),
        )


def test_three_point_quadratic_is_numpy_edge_order_2(rng):
    x = np.cumsum(rng.uniform(0.1, 1.0, 25))
    f = rng.standard_normal(25)
    assert_same(ndgrad.gradient(f, x, window_length=3, polyorder=2),
                np.gradient(f, x, edge_order=2))


@pytest.mark.parametrize("window, polyorder", WINDOWS)
def test_coordinates_reproduce_polynomials_of_the_fit_degree(window, polyorder, rng):
    x = np.cumsum(rng.uniform(0.02, 0.08, 80)) - 2.0
    coefficients = rng.uniform(-1, 1, polyorder + 1)
    poly = np.polynomial.Polynomial(coefficients)
    got = ndgrad.gradient(poly(x), x, window_length=window, polyorder=polyorder)
    exact = poly.deriv()(x)
    assert np.max(np.abs(got - exact)) <= 1.2e-13 * np.max(np.abs(exact))


def test_coordinates_match_savgol_filter_on_an_even_grid_given_as_coordinates():
    # Evenly spaced coordinates take the uniform path (as NumPy detects them); nearly even
    # ones the least-squares path, which must agree to rounding.
    f, x = smooth_field(n=120)
    nearly = x.copy()
    nearly[57] += 1e-13
    expected = signal.savgol_filter(f, 11, 3, deriv=1, delta=H)
    for coords in (x, nearly):
        got = ndgrad.gradient(f, coords, window_length=11, polyorder=3)
        assert np.max(np.abs(got - expected)) <= 1e-10


def test_periodic_uneven_coordinates(rng):
    n = 64
    xi = np.arange(n) / n
    x = xi + 0.03 * np.sin(2 * np.pi * xi)
    f = np.sin(2 * np.pi * x)
    got = ndgrad.gradient(f, x, window_length=7, polyorder=4, boundary="periodic", period=1.0)
    # The fit on coordinates extended by a period's wrap (offsets rounded differently).
    extended = ndgrad.gradient(np.pad(f, 3, mode="wrap"), np.r_[x[-3:] - 1, x, x[:3] + 1],
                               window_length=7, polyorder=4)
    assert np.max(np.abs(got - extended[3:-3])) <= 1e-12
    # O(h^4) (measured 2.4e-4 at n = 64).
    exact = 2 * np.pi * np.cos(2 * np.pi * x)
    assert np.max(np.abs(got - exact)) <= 5e-4


def test_smooths_noise(rng):
    # NUMERICS.md §5: noise of 1e-3 on 201 samples; RMS error of df/dx.
    x = np.linspace(0, 4, 201)
    h = x[1] - x[0]
    f = np.sin(x) + 1e-3 * rng.standard_normal(201)

    def rms(g):
        return np.sqrt(np.mean((g - np.cos(x)) ** 2))

    plain = rms(np.gradient(f, h))
    smoothed = rms(ndgrad.gradient(f, h, window_length=11, polyorder=2))
    assert smoothed < plain / 4


E2 = np.array([1.0, 2.0, 4.0, 7.0, 11.0, 16.0])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"window_length": 5}, TypeError,
         r"window_length= and polyorder= go together.*window_length= was given without "
         r"polyorder="),
        ({"polyorder": 2}, TypeError, r"polyorder= was given without window_length="),
        ({"window_length": 5, "polyorder": 2, "accuracy": 4}, TypeError,
         r"accuracy= cannot be combined with window_length= and polyorder="),
        ({"window_length": 5, "polyorder": 2, "edge_order": 2}, TypeError,
         r"edge_order= cannot be combined with window_length= and polyorder="),
        ({"window_length": 5, "polyorder": 2, "edge_order": 1}, TypeError,
         r"edge_order= cannot be combined"),
        ({"window_length": 4, "polyorder": 4}, ValueError,
         r"^window_length=4 must be odd and greater than polyorder=4$"),
        ({"window_length": 5, "polyorder": 5}, ValueError,
         r"window_length=5 must be odd and greater than polyorder=5"),
        ({"window_length": -3, "polyorder": 2}, ValueError,
         r"window_length=-3 must be odd and greater than polyorder=2"),
        ({"window_length": 27, "polyorder": 2}, ValueError,
         r"window_length=27 with polyorder=2 is not supported; use window_length up to 25"),
        ({"window_length": 5, "polyorder": 1, "deriv": 2}, ValueError,
         r"polyorder=1 is below deriv=2; use a polyorder of at least 2"),
        ({"window_length": 5, "polyorder": -1}, ValueError, r"polyorder=-1 is below deriv=1"),
        ({"window_length": 7, "polyorder": 2}, ValueError,
         r"axis 0 has 6 samples; window_length=7 needs at least 7"),
        ({"window_length": 7, "polyorder": 2, "boundary": "periodic"}, ValueError,
         r"axis 0 has 6 samples; window_length=7 needs at least 7"),
        ({"window_length": "5", "polyorder": 2}, TypeError, r"window_length must be an int"),
        ({"window_length": 5, "polyorder": 2.0}, TypeError, r"polyorder must be an int"),
        ({"window_length": True, "polyorder": 0}, TypeError, r"window_length must be an int"),
        ({"window_length": 5, "polyorder": 2, "deriv": 5}, ValueError, r"deriv=5 is not"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        ndgrad.gradient(E2, **kwargs)


def test_numpy_integers_and_the_whole_axis_as_window():
    got = ndgrad.gradient(E2, window_length=np.int64(5), polyorder=np.uint8(2))
    assert_same(got, ndgrad.gradient(E2, window_length=5, polyorder=2))
    # A window as long as the axis: one fit for every point.
    np.testing.assert_allclose(ndgrad.gradient(E2, window_length=5, polyorder=2),
                               np.arange(6) + 0.5, rtol=0, atol=1e-14)
    np.testing.assert_allclose(ndgrad.gradient(E2[:5], window_length=5, polyorder=2),
                               np.arange(5) + 0.5, rtol=0, atol=1e-14)


def test_refuses_data_only_numpy_computes():
    with pytest.raises(TypeError, match=r"declines this call"):
        ndgrad.gradient(np.ma.masked_array(E2), window_length=5, polyorder=2)


da = pytest.importorskip("dask.array")
import ndgrad.dask  # noqa: E402


@pytest.mark.parametrize("chunks", [1, 2, 5, (4, 1, 7, 2, 6, 10, 1, 9), 40])
@pytest.mark.parametrize(
    "kwargs",
    [
        {"window_length": 5, "polyorder": 2},
        {"window_length": 11, "polyorder": 4, "deriv": 3},
        {"window_length": 21, "polyorder": 3, "deriv": 2},
        {"window_length": 7, "polyorder": 3, "boundary": "periodic"},
        {"window_length": 9, "polyorder": 2, "boundary": "reflect", "deriv": 2},
        {"window_length": 7, "polyorder": 2, "boundary": ("constant", "one-sided"),
         "constant_values": 2.5},
    ],
)
def test_dask_equals_in_memory_for_any_chunking(chunks, kwargs, rng):
    f = rng.standard_normal((40, 23))
    x = np.cumsum(rng.uniform(0.5, 1.5, 40))
    y = np.cumsum(rng.uniform(0.5, 1.5, 23))
    for varargs in ((), (0.5, 2.0), (x, y)):
        call = dict(kwargs)
        if call.get("boundary") == "periodic" and varargs and varargs[0] is x:
            call["period"] = [x[-1] - x[0] + 1.0, y[-1] - y[0] + 1.0]
        expected = ndgrad.gradient(f, *varargs, **call)
        lazy = ndgrad.dask.gradient(da.from_array(f, chunks=(chunks, 5)), *varargs, **call)
        got = tuple(np.asarray(g.compute(scheduler="synchronous")) for g in lazy)
        assert_same(got, expected)


def test_gradient_dispatches_dask_arrays():
    f, _ = smooth_field(n=50)
    lazy = ndgrad.gradient(da.from_array(f, chunks=7), H, window_length=9, polyorder=3)
    assert_same(np.asarray(lazy.compute(scheduler="synchronous")),
                ndgrad.gradient(f, H, window_length=9, polyorder=3))
    with pytest.raises(TypeError, match=r"go together"):
        ndgrad.dask.gradient(da.from_array(f, chunks=7), window_length=9)
