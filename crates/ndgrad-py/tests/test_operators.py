"""magnitude, divergence, laplacian and curl against the formulas users write with
ndgrad.gradient's outputs (bit for bit), NUMERICS.md's worked values, and scipy."""

import numpy as np
import pytest

import ndgrad
from conftest import assert_same

KWARGS = [{}, {"accuracy": 4}, {"boundary": "periodic"}, {"boundary": "reflect", "deriv": 2}]


def _field(rng, shape, dtype=np.float64):
    scale = 2 if dtype == np.float16 else 10
    return (rng.standard_normal(shape) * scale).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16, np.int32])
@pytest.mark.parametrize("kwargs", KWARGS)
def test_magnitude_is_the_norm_of_the_gradients(dtype, kwargs, rng):
    f = _field(rng, (23, 19), dtype)
    g = ndgrad.gradient(f, 0.5, **kwargs)
    expected = np.linalg.norm(np.stack(g), axis=0)
    assert_same(ndgrad.magnitude(f, 0.5, **kwargs), expected)
    assert_same(ndgrad.magnitude(f, 0.5, **kwargs), np.sqrt(g[0] ** 2 + g[1] ** 2))


def test_magnitude_of_complex_data_is_real(rng):
    f = _field(rng, (11, 13)) + 1j * _field(rng, (11, 13))
    g = ndgrad.gradient(f)
    expected = np.sqrt(sum((gk.conj() * gk).real for gk in g))
    got = ndgrad.magnitude(f)
    assert got.dtype == np.float64
    np.testing.assert_array_max_ulp(got, expected, maxulp=2)


@pytest.mark.parametrize("kwargs", KWARGS)
def test_divergence_laplacian_curl_are_sums_of_gradients(kwargs, rng):
    F = [_field(rng, (9, 10, 11)) for _ in range(3)]
    d = [ndgrad.gradient(F[i], axis=i, **kwargs) for i in range(3)]
    assert_same(ndgrad.divergence(F, **kwargs), (d[0] + d[1]) + d[2])
    assert_same(ndgrad.divergence(np.stack(F), **kwargs), (d[0] + d[1]) + d[2])
    second = {k: v for k, v in kwargs.items() if k != "deriv"}
    l = ndgrad.gradient(F[0], deriv=2, **second)
    assert_same(ndgrad.laplacian(F[0], **second), (l[0] + l[1]) + l[2])
    g = [ndgrad.gradient(c, **kwargs) for c in F]
    expected = (g[2][1] - g[1][2], g[0][2] - g[2][0], g[1][0] - g[0][1])
    assert_same(ndgrad.curl(F, **kwargs), expected)
    two = [F[0][0], F[1][0]]
    g2 = [ndgrad.gradient(c, **kwargs) for c in two]
    assert_same(ndgrad.curl(two, **kwargs), g2[1][0] - g2[0][1])


def test_worked_values():
    f = (-1.0) ** np.arange(8)
    assert_same(ndgrad.laplacian(f), np.array([12.0, 4, -4, 4, -4, 4, -4, -12]))
    y, x = np.mgrid[-2:3, -2:3].astype(float)
    u, v = -y, x
    assert_same(ndgrad.curl((u, v), axis=(1, 0)), np.full((5, 5), 2.0))
    assert_same(ndgrad.curl((v, u), axis=(0, 1)), np.full((5, 5), -2.0))


def test_laplacian_matches_scipy_with_mirrored_ends(rng):
    ndimage = pytest.importorskip("scipy.ndimage")
    f = _field(rng, (40, 30))
    h = 0.5
    ours = ndgrad.laplacian(f, h, boundary="reflect")
    theirs = ndimage.laplace(f, mode="mirror") / h**2
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12 * np.abs(theirs).max())


def test_out_and_workers(rng):
    f = _field(rng, (64, 48))
    expected = ndgrad.magnitude(f)
    out = np.empty_like(f)
    assert ndgrad.magnitude(f, out=out, workers=1) is out
    assert_same(out, expected)
    outs = tuple(np.empty((8, 9, 10)) for _ in range(3))
    F = [_field(rng, (8, 9, 10)) for _ in range(3)]
    got = ndgrad.curl(F, out=outs)
    assert all(a is b for a, b in zip(got, outs))
    assert_same(got, ndgrad.curl(F))


def test_bad_arguments():
    f = np.ones((5, 6))
    with pytest.raises(ValueError, match=r"divergence differentiates 2 axes here for 1 component but needs one"):
        ndgrad.divergence([f])
    with pytest.raises(ValueError, match=r"component 1 has shape"):
        ndgrad.curl([f, np.ones((5, 7))])
    with pytest.raises(TypeError, match=r"magnitude: component 0 must be a numpy.ndarray"):
        ndgrad.magnitude(np.ma.masked_array(f))
    with pytest.raises(ValueError, match=r"accuracy=3 is not supported"):
        ndgrad.laplacian(f, accuracy=3)
    with pytest.raises(TypeError, match=r"out\[0\] has dtype"):
        ndgrad.magnitude(f, out=np.empty((5, 6), np.float32))


def test_dask_operators_equal_in_memory(rng):
    da = pytest.importorskip("dask.array")
    F = [_field(rng, (20, 18)) for _ in range(2)]
    lazy = [da.from_array(c, chunks=(3, 5)) for c in F]
    kwargs = {"accuracy": 4, "boundary": ("periodic", "reflect")}
    assert_same(np.asarray(ndgrad.magnitude(lazy[0], 0.5, **kwargs).compute()),
                ndgrad.magnitude(F[0], 0.5, **kwargs))
    assert_same(np.asarray(ndgrad.laplacian(lazy[0], 0.5, 2.0).compute()),
                ndgrad.laplacian(F[0], 0.5, 2.0))
    assert_same(np.asarray(ndgrad.divergence(lazy, 0.5, 2.0, **kwargs).compute()),
                ndgrad.divergence(F, 0.5, 2.0, **kwargs))
    assert_same(np.asarray(ndgrad.curl(lazy, axis=(1, 0)).compute()),
                ndgrad.curl(F, axis=(1, 0)))


def test_operators_take_savgol_and_datetime_arguments(rng):
    f = _field(rng, (30, 40))
    g = ndgrad.gradient(f, window_length=7, polyorder=3)
    assert_same(ndgrad.magnitude(f, window_length=7, polyorder=3),
                np.sqrt(g[0] ** 2 + g[1] ** 2))
    t = np.datetime64("2024-01-01T00:00") + np.arange(30) * np.timedelta64(10, "m")
    g0 = ndgrad.gradient(f, t, 1.0, time_unit="h")
    l0 = ndgrad.gradient(f, t, 1.0, deriv=2, time_unit="h")
    assert_same(ndgrad.divergence([f, f], t, 1.0, time_unit="h"), g0[0] + g0[1])
    assert_same(ndgrad.laplacian(f, t, 1.0, time_unit="h"), l0[0] + l0[1])
