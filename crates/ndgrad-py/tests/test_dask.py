"""ndgrad.dask on a real distributed LocalCluster (worker processes): bit-exact against
numpy.gradient on the computed array, for chunkings dask's own gradient rejects too."""

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

import ndgrad  # noqa: E402
import ndgrad.dask  # noqa: E402
from conftest import Raised, assert_same, outcome  # noqa: E402


def check(x, chunks, *varargs, **kwargs):
    """ndgrad.dask on `x` cut into `chunks` equals NumPy on `x`, bit for bit."""
    expected = np.gradient(x, *varargs, **kwargs)
    lazy = ndgrad.dask.gradient(da.from_array(x, chunks=chunks), *varargs, **kwargs)
    if isinstance(expected, tuple):
        assert isinstance(lazy, tuple) and len(lazy) == len(expected)
        got = tuple(np.asarray(g.compute()) for g in lazy)
    else:
        assert isinstance(lazy, da.Array)
        got = np.asarray(lazy.compute())
    assert_same(got, expected)


CHUNKINGS_1D = [1, 2, 3, 7, (3, 1, 5, 2, 6), (1, 16), (16, 1), 17]


@pytest.mark.parametrize("chunks", CHUNKINGS_1D)
@pytest.mark.parametrize("edge_order", [1, 2])
def test_any_1d_chunking_matches_numpy(client, rng, chunks, edge_order):
    x = rng.standard_normal(17)
    coords = np.cumsum(rng.uniform(0.5, 1.5, 17))
    check(x, chunks, edge_order=edge_order)
    check(x, chunks, 0.3, edge_order=edge_order)
    check(x, chunks, coords, edge_order=edge_order)
    check(x, chunks, np.arange(17) * 0.25, edge_order=edge_order)  # uniform, found globally


@pytest.mark.parametrize("chunks", [(4, 5), (1, 3), ((2, 1, 6, 3), (7, 1, 2)), (12, 10)])
def test_2d_chunkings_axes_and_spacing(client, rng, chunks):
    x = rng.standard_normal((12, 10))
    y = np.cumsum(rng.uniform(0.5, 1.5, 10))
    check(x, chunks)
    check(x, chunks, 2.0, y, edge_order=2)
    check(x, chunks, y, axis=1)
    check(x, chunks, axis=(1, 0))
    check(x, chunks, np.float32(0.5), axis=-1)


@pytest.mark.parametrize("dtype", ["float32", "float16", "complex64", "int16", "uint8", "complex128"])
def test_dtypes(client, rng, dtype):
    x = rng.standard_normal((9, 8)) * 50
    x = (x + 1j * x[::-1]).astype(dtype) if "complex" in dtype else x.astype(dtype)
    coords = np.cumsum(rng.uniform(0.5, 1.5, 9))
    check(x, (2, 3), coords, 1.5)
    check(x, (4, 1), edge_order=2)


def test_3d_and_dask_coordinates(client, rng):
    x = rng.standard_normal((6, 7, 8))
    z = np.cumsum(rng.uniform(0.5, 1.5, 8))
    expected = np.gradient(x, 1.0, 2.0, z)
    lazy = ndgrad.gradient(da.from_array(x, chunks=(2, 3, 3)), 1.0, 2.0, da.from_array(z, chunks=3))
    assert_same(tuple(np.asarray(g.compute()) for g in lazy), expected)


def test_da_gradient_rejects_small_chunks_ndgrad_does_not(client, rng):
    x = rng.standard_normal(10)
    with pytest.raises(ValueError, match="Chunk size must be larger"):
        da.gradient(da.from_array(x, chunks=2), edge_order=2)
    check(x, 2, edge_order=2)


def test_results_are_lazy_and_errors_are_numpys(client):
    x = da.ones((5, 4), chunks=2)
    g = ndgrad.gradient(x)
    assert isinstance(g, tuple) and all(isinstance(a, da.Array) for a in g)
    for kwargs, varargs in [({"axis": 2}, ()), ({"axis": (0, 0)}, ()), ({}, (1.0, 2.0, 3.0)),
                            ({"edge_order": 3}, ()), ({}, (np.arange(3.0), 1.0))]:
        expected = outcome(np.gradient, np.ones((5, 4)), *varargs, **kwargs)
        got = outcome(ndgrad.dask.gradient, x, *varargs, **kwargs)
        assert isinstance(expected, Raised) and isinstance(got, Raised)
        assert (got.cls, got.message) == (expected.cls, expected.message)
    assert ndgrad.dask.gradient(da.ones((3,), chunks=1), axis=()) == ()
    with pytest.raises(TypeError, match="do not apply to dask arrays"):
        ndgrad.gradient(x, workers=2)
    with pytest.raises(NotImplementedError, match="dask.array.gradient"):
        ndgrad.dask.gradient(da.ones(4, dtype=bool, chunks=2))


def test_large_array_on_the_cluster(client, rng):
    x = rng.standard_normal((600, 500))
    check(x, (128, 100), np.cumsum(rng.uniform(0.5, 1.5, 600)), 0.5, edge_order=2)
