"""accuracy=, deriv= and boundary= against references that are not ndgrad: NUMERICS.md's
worked values, numpy.gradient of np.pad-ed arrays (bit for bit), numpy.gradient with
edge_order=2, findiff, and Dask on a real cluster."""

import numpy as np
import pytest

import ndgrad
from conftest import assert_same

E2 = np.array([1.0, 2.0, 4.0, 7.0, 11.0, 16.0])


def test_worked_values():
    g = ndgrad.gradient
    assert_same(g(E2, accuracy=2), np.array([0.5, 1.5, 2.5, 3.5, 4.5, 5.5]))
    expected = np.array([0.4999999999999982, 1.4999999999999996, 2.5, 3.4999999999999996,
                         4.500000000000002, 5.5000000000000036])
    assert_same(g(E2, accuracy=4), expected)
    assert_same(g(E2, deriv=2), np.ones(6))
    assert_same(g(E2, boundary="periodic"), np.array([-7, 1.5, 2.5, 3.5, 4.5, -5]))
    assert_same(g(E2, boundary="reflect"), np.array([0, 1.5, 2.5, 3.5, 4.5, 0]))
    assert_same(g(E2, boundary="constant"), np.array([1, 1.5, 2.5, 3.5, 4.5, -5.5]))


DTYPES = [np.float64, np.float32, np.float16, np.complex128, np.int32, np.uint8]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["periodic", "reflect", "constant"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_boundary_modes_equal_numpy_on_padded_arrays(dtype, mode, axis, rng):
    f = (rng.standard_normal((9, 7, 5)) * 20).astype(dtype)
    pad_mode = {"periodic": "wrap"}.get(mode, mode)
    width = [(0, 0)] * 3
    width[axis] = (1, 1)
    kwargs = {"constant_values": 3} if mode == "constant" else {}
    padded = np.pad(f, width, mode=pad_mode, **kwargs)
    inner = [slice(None)] * 3
    inner[axis] = slice(1, -1)
    for h in (1.0, 0.25, np.float32(0.5)):
        expected = np.gradient(padded, h, axis=axis)[tuple(inner)]
        got = ndgrad.gradient(f, h, axis=axis, boundary=mode, **kwargs)
        assert_same(got, expected)


def test_uneven_coordinates_equal_numpy_on_padded_coordinates(rng):
    n = 23
    x = np.sort(rng.uniform(0, 10, n))
    f = np.sin(x)
    period = 11.0
    wrapped = np.gradient(np.pad(f, 1, mode="wrap"), np.r_[x[-1] - period, x, x[0] + period])
    assert_same(ndgrad.gradient(f, x, boundary="periodic", period=period), wrapped[1:-1])
    mirrored = np.r_[2 * x[0] - x[1], x, 2 * x[-1] - x[-2]]
    reflected = np.gradient(np.pad(f, 1, mode="reflect"), mirrored)
    assert_same(ndgrad.gradient(f, x, boundary="reflect"), reflected[1:-1])
    # Mixed sides: ghosts on the reflect side only, NumPy's edge_order=2 on the other.
    left = np.gradient(np.pad(f, (1, 0), mode="reflect"), mirrored[:-1], edge_order=2)
    assert_same(ndgrad.gradient(f, x, boundary=("reflect", "one-sided")), left[1:])


def test_periodic_decreasing_coordinates_equal_numpy_on_padded_coordinates(rng):
    # Coordinates running downwards: the sample before x[0] sits one period further up
    # (x[-1] + P), the one after x[-1] one period further down; the period is a length.
    n = 23
    x = np.sort(rng.uniform(0, 10, n))[::-1].copy()
    f = np.sin(x)
    period = 11.0
    wrapped = np.gradient(np.pad(f, 1, mode="wrap"), np.r_[x[-1] + period, x, x[0] - period])
    got = ndgrad.gradient(f, x, boundary="periodic", period=period)
    assert_same(got, wrapped[1:-1])
    # The same function sampled upwards gives the same derivatives, reversed.
    up = ndgrad.gradient(f[::-1], x[::-1], boundary="periodic", period=period)
    np.testing.assert_allclose(got, up[::-1], rtol=1e-12, atol=1e-12)
    for kwargs in (dict(accuracy=6), dict(deriv=2, accuracy=4),
                   dict(window_length=7, polyorder=3)):
        down = ndgrad.gradient(f, x, boundary="periodic", period=period, **kwargs)
        up = ndgrad.gradient(f[::-1], x[::-1], boundary="periodic", period=period, **kwargs)
        np.testing.assert_allclose(down, up[::-1], rtol=1e-9, atol=1e-9)
    # A NaN under omit: the lane's kept samples wrap the same way.
    gappy = f.copy()
    gappy[[0, 7]] = np.nan
    down = ndgrad.gradient(gappy, x, boundary="periodic", period=period, nan_policy="omit")
    up = ndgrad.gradient(gappy[::-1], x[::-1], boundary="periodic", period=period,
                         nan_policy="omit")
    np.testing.assert_allclose(down, up[::-1], rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match=r"must exceed x\[0\] - x\[-1\] = "):
        ndgrad.gradient(f, x, boundary="periodic", period=x[0] - x[-1])


def test_periodic_decreasing_even_spacing_takes_the_period_as_a_length():
    f = np.array([0.0, 1.0, 4.0, 9.0, 16.0])
    x = np.array([8.0, 6.0, 4.0, 2.0, 0.0])
    expected = ndgrad.gradient(f, -2.0, boundary="periodic")
    assert_same(ndgrad.gradient(f, x, boundary="periodic"), expected)
    assert_same(ndgrad.gradient(f, x, boundary="periodic", period=10.0), expected)
    assert_same(ndgrad.gradient(f, -2.0, boundary="periodic", period=10.0), expected)
    padded = np.gradient(np.pad(f, 1, mode="wrap"), -2.0)[1:-1]
    assert_same(expected, padded)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex64, np.int16])
def test_accuracy_2_is_edge_order_2(dtype, rng):
    f = (rng.standard_normal((11, 8)) * 100).astype(dtype)
    x = np.cumsum(rng.uniform(0.5, 1.5, 8))
    assert_same(ndgrad.gradient(f, 0.3, x, accuracy=2), np.gradient(f, 0.3, x, edge_order=2))


def test_per_axis_boundaries_and_periods():
    f = np.add.outer(np.arange(6.0) ** 2, np.sin(np.arange(8.0)))
    g0, g1 = ndgrad.gradient(f, boundary=("reflect", "periodic"), period=(None, 8.0))
    assert_same(g0, ndgrad.gradient(f, axis=0, boundary="reflect"))
    assert_same(g1, ndgrad.gradient(f, axis=1, boundary="periodic"))
    got = ndgrad.gradient(f, axis=0, boundary=("constant", "reflect"), constant_values=(2.0, 0))
    padded = np.concatenate([np.full((1, 8), 2.0), f, f[-2:-1]], axis=0)
    assert_same(got, np.gradient(padded, axis=0)[1:-1])


findiff = pytest.importorskip("findiff")


def _findiff(f, grid, k, p, periodic=False):
    d = findiff.Diff(0, grid, acc=p, periodic=periodic) if periodic else findiff.Diff(0, grid, acc=p)
    return (d ** k)(f) if k > 1 else d(f)


@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("p", [2, 4, 6])
def test_agrees_with_findiff(k, p, rng):
    """NUMERICS.md's tolerances (measured maxima, doubled), relative to max|f^(k)|: uniform
    2e-11 inside and 1.1e-8 at the end points (the points between use different windows
    by design), coordinates 2e-10 everywhere."""
    n = 50
    x = np.linspace(0, 2, n)
    h = x[1] - x[0]
    f = np.sin(3 * x) + np.exp(x / 2)
    theirs = _findiff(f, h, k, p)
    scale = np.max(np.abs(theirs))
    ours = ndgrad.gradient(f, h, accuracy=p, deriv=k)
    m = (2 * ((k + 1) // 2) - 1 + p) // 2
    error = np.abs(ours - theirs) / scale
    assert np.max(error[m:n - m]) <= 2 * 2e-11
    assert np.max(error[[0, n - 1]]) <= 2 * 1.1e-8
    # NUMERICS.md's rough grid: x = 2 (xi + 0.3 u / N), u ~ U(-1, 1), exact at the ends.
    u = np.r_[0.0, rng.uniform(-1, 1, n - 2), 0.0]
    xu = 2 * (np.arange(n) / (n - 1) + 0.3 * u / (n - 1))
    fu = np.sin(3 * xu) + np.exp(xu / 2)
    theirs = _findiff(fu, xu, k, p)
    ours = ndgrad.gradient(fu, xu, accuracy=p, deriv=k)
    assert np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs)) <= 2 * 2e-10


@pytest.mark.parametrize("p", [2, 4, 6, 8])
def test_periodic_agrees_with_findiff(p):
    n = 64
    x = np.arange(n) / n
    f = np.sin(2 * np.pi * x) + 0.3 * np.cos(6 * np.pi * x)
    ours = ndgrad.gradient(f, 1 / n, accuracy=p, boundary="periodic")
    theirs = _findiff(f, 1 / n, 1, p, periodic=True)
    assert np.max(np.abs(ours - theirs)) <= 1e-13 * np.max(np.abs(theirs))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"accuracy": 3}, ValueError, r"accuracy=3 is not supported; use 2, 4, 6 or 8"),
        ({"deriv": 5}, ValueError, r"deriv=5 is not supported; use 1 to 4"),
        ({"accuracy": 4, "edge_order": 2}, TypeError, r"edge_order= cannot be combined"),
        ({"deriv": 2, "edge_order": 1}, TypeError, r"edge_order= cannot be combined"),
        ({"boundary": "wrap"}, ValueError, r"boundary='wrap' is not supported"),
        ({"period": 5.0}, TypeError, r"period= applies to periodic axes"),
        ({"constant_values": 1.0}, TypeError, r"constant_values= applies"),
        ({"accuracy": 8}, ValueError, r"axis 0 has 6 samples; deriv=1 with accuracy=8 needs"),
        ({"boundary": "periodic", "period": 7.0}, ValueError, r"has period 6.0, not 7.0"),
        ({"accuracy": "4"}, TypeError, r"accuracy must be an int"),
        ({"boundary": ("a", "b", "c")}, ValueError, r"boundary has 3 entries for 1"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        ndgrad.gradient(E2, **kwargs)


def test_extensions_refuse_data_only_numpy_computes():
    with pytest.raises(TypeError, match=r"declines this call"):
        ndgrad.gradient(np.ma.masked_array(E2), accuracy=4)


def test_inputs_are_not_modified(rng):
    f = rng.standard_normal((12, 9))
    before = f.copy()
    ndgrad.gradient(f, accuracy=6, deriv=2, boundary=("periodic", "reflect"))
    assert_same(f, before)


da = pytest.importorskip("dask.array")
import ndgrad.dask  # noqa: E402


@pytest.mark.parametrize("chunks", [1, 2, 3, (4, 1, 7, 2, 6, 4), 24])
@pytest.mark.parametrize(
    "kwargs",
    [
        {"accuracy": 4},
        {"accuracy": 8, "deriv": 3},
        {"boundary": "periodic"},
        {"boundary": "reflect", "deriv": 2},
        {"boundary": ("constant", "one-sided"), "constant_values": 2.5, "accuracy": 6},
        {"boundary": "periodic", "accuracy": 6},
    ],
)
def test_dask_equals_in_memory_for_any_chunking(chunks, kwargs, rng):
    f = rng.standard_normal((24, 12))
    x = np.cumsum(rng.uniform(0.5, 1.5, 24))
    for varargs in ((), (0.5, 2.0), (x, 1.0)):
        if kwargs.get("boundary") == "periodic" and varargs and varargs[0] is x:
            varargs_kwargs = dict(kwargs, period=[x[-1] - x[0] + 1.0, None],
                                  boundary=["periodic", "one-sided"])
        else:
            varargs_kwargs = kwargs
        expected = ndgrad.gradient(f, *varargs, **varargs_kwargs)
        lazy = ndgrad.dask.gradient(da.from_array(f, chunks=(chunks, 5)), *varargs,
                                    **varargs_kwargs)
        got = tuple(np.asarray(g.compute(scheduler="synchronous")) for g in lazy)
        assert_same(got, expected)
