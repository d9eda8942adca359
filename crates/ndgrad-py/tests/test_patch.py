"""``ndgrad.patch_numpy()``: ``numpy.gradient`` itself computed by ndgrad, for code we do not
own. Real libraries' functions give identical bits patched and unpatched (a spy on
``ndgrad.gradient`` proves the patched run went through ndgrad); the original object comes
back exactly; patching is idempotent, nests, and holds up under threads; NumPy's signature
and documentation stay visible; arguments NumPy would dispatch elsewhere still go there."""

import inspect
import threading

import numpy as np
import pytest

import ndgrad
from conftest import assert_same, outcome, readme_example

ORIGINAL = np.gradient


@pytest.fixture(autouse=True)
def restored():
    """Every test leaves numpy.gradient as it found it."""
    assert np.gradient is ORIGINAL
    yield
    ndgrad.unpatch_numpy()
    assert np.gradient is ORIGINAL


@pytest.fixture
def spy(monkeypatch):
    """Counts the calls that reach ndgrad.gradient."""
    calls = []
    real = ndgrad.gradient

    def counted(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(ndgrad, "gradient", counted)
    return calls


def gradient(*args, **kwargs):
    """``np.gradient`` looked up at call time, as libraries do."""
    return np.gradient(*args, **kwargs)


def both(fn, *args, **kwargs):
    """``fn`` unpatched, then patched."""
    plain = fn(*args, **kwargs)
    with ndgrad.patched_numpy():
        patched = fn(*args, **kwargs)
    return plain, patched


def assert_all_same(got, expected):
    if isinstance(expected, (list, tuple)):
        assert type(got) is type(expected) and len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_all_same(g, e)
    else:
        assert_same(got, expected)


# --- real libraries --------------------------------------------------------------------------

def test_xarray_differentiate(rng, spy):
    xr = pytest.importorskip("xarray")
    a = xr.DataArray(rng.standard_normal((50, 40)), dims=("x", "y"),
                     coords={"x": np.cumsum(rng.uniform(0.1, 1, 50))})
    for edge_order in (1, 2):
        plain, patched = both(a.differentiate, "x", edge_order=edge_order)
        xr.testing.assert_identical(patched, plain)
        assert_same(patched.values, plain.values)
    assert len(spy) == 2


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_skimage_hessian_matrix(rng, spy, dtype):
    feature = pytest.importorskip("skimage.feature")
    image = rng.random((64, 48)).astype(dtype)
    plain, patched = both(feature.hessian_matrix, image, sigma=1.5,
                          use_gaussian_derivatives=False)
    assert_all_same(patched, plain)
    assert len(spy) == 4  # the gradient, then one axis of a component per Hessian element


def test_skimage_geodesic_active_contour(spy):
    """Gradients of a float image and, each iteration, of an int8 level set."""
    segmentation = pytest.importorskip("skimage.segmentation")
    yy, xx = np.mgrid[:60, :60]
    image = ((yy - 30) ** 2 + (xx - 28) ** 2 < 15 ** 2).astype(float)
    gimage = segmentation.inverse_gaussian_gradient(image)
    plain, patched = both(segmentation.morphological_geodesic_active_contour, gimage,
                          num_iter=20, init_level_set="disk", balloon=-1)
    assert_same(patched, plain)
    assert len(spy) == 21  # the image, then the level set in each iteration


# --- restoring, idempotence, nesting, threads ----------------------------------------------

def test_restores_the_original_object():
    ndgrad.patch_numpy()
    assert np.gradient is not ORIGINAL
    ndgrad.unpatch_numpy()
    assert np.gradient is ORIGINAL


def test_idempotent():
    ndgrad.patch_numpy()
    patched = np.gradient
    ndgrad.patch_numpy()
    assert np.gradient is patched
    ndgrad.unpatch_numpy()
    assert np.gradient is ORIGINAL
    ndgrad.unpatch_numpy()  # not patched: nothing to do
    assert np.gradient is ORIGINAL


def test_nested_contexts():
    with ndgrad.patched_numpy():
        patched = np.gradient
        with ndgrad.patched_numpy():
            assert np.gradient is patched
        assert np.gradient is patched
    assert np.gradient is ORIGINAL


def test_context_inside_patch_and_unpatch_inside_context():
    ndgrad.patch_numpy()
    with ndgrad.patched_numpy():
        pass
    assert np.gradient is not ORIGINAL  # patch_numpy() still in effect
    with ndgrad.patched_numpy():
        ndgrad.unpatch_numpy()
        assert np.gradient is not ORIGINAL  # the open block keeps it
    assert np.gradient is ORIGINAL


def test_context_restores_on_error():
    with pytest.raises(KeyError), ndgrad.patched_numpy():
        raise KeyError("boom")
    assert np.gradient is ORIGINAL


def test_leaves_a_later_replacement_alone():
    """unpatch restores only over ndgrad's own function: a replacement installed after it
    is its owner's to remove."""
    ndgrad.patch_numpy()

    def theirs(*args, **kwargs):
        return ORIGINAL(*args, **kwargs)

    np.gradient = theirs
    try:
        ndgrad.unpatch_numpy()
        assert np.gradient is theirs
    finally:
        np.gradient = ORIGINAL


def test_threads(rng):
    f = rng.standard_normal((30, 20))
    expected = ORIGINAL(f)
    errors = []
    barrier = threading.Barrier(8)

    def work(k):
        try:
            barrier.wait()
            for i in range(50):
                if (i + k) % 3 == 0:
                    ndgrad.patch_numpy()
                    ndgrad.unpatch_numpy()
                with ndgrad.patched_numpy(), ndgrad._strict():
                    assert np.gradient is not ORIGINAL
                    assert_all_same(np.gradient(f), expected)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    assert np.gradient is ORIGINAL


# --- what libraries see --------------------------------------------------------------------

def test_signature_and_documentation():
    with ndgrad.patched_numpy():
        assert inspect.signature(np.gradient) == inspect.signature(ORIGINAL)
        assert list(inspect.signature(np.gradient).parameters) == [
            "f", "varargs", "axis", "edge_order"]
        assert np.gradient.__doc__ == ORIGINAL.__doc__
        assert (np.gradient.__name__, np.gradient.__module__) == ("gradient", "numpy")
        assert np.gradient.__wrapped__ is ORIGINAL
        assert callable(np.gradient)


@pytest.mark.parametrize("args, kwargs", [
    (([1, 4, 9, 16, 25],), {"edge_order": 2}),
    ((np.arange(12.0).reshape(3, 4), 2.0, [0.0, 1, 3, 4]), {}),
    ((np.arange(12, dtype=np.int16).reshape(3, 4),), {"axis": -1}),
    ((np.arange(6.0),), {"axis": ()}),
])
def test_results_are_numpys(spy, args, kwargs):
    plain, patched = both(gradient, *args, **kwargs)
    assert_all_same(patched, plain)
    assert spy


@pytest.mark.parametrize("args, error", [
    ((np.arange(3.0), 1.0, 2.0), TypeError),
    ((np.arange(1.0),), ValueError),
    ((np.arange(5.0),), ValueError),  # edge_order=3
])
def test_errors_are_numpys(args, error):
    kwargs = {"edge_order": 3} if len(args) == 1 and args[0].size == 5 else {}
    with pytest.raises(error) as expected:
        np.gradient(*args, **kwargs)
    with ndgrad.patched_numpy(), pytest.raises(error) as got:
        np.gradient(*args, **kwargs)
    assert str(got.value) == str(expected.value)


@pytest.mark.numpy_fallback
def test_inputs_left_to_numpy_reach_the_original():
    """Masked arrays and object data go through ndgrad to NumPy's own function (not back
    into the patched one)."""
    m = np.ma.masked_array([1.0, 2, 4, 7, 11], mask=[0, 0, 1, 0, 0])
    o = np.array([1, 2, 4, 7], dtype=object)
    for f in (m, o):
        plain, patched = both(gradient, f)
        assert_same(patched, plain)


def test_dask_is_computed_by_ndgrad(rng, spy):
    da = pytest.importorskip("dask.array")
    f = rng.standard_normal((20, 10))
    x = da.from_array(f, chunks=(3, 5))
    plain, patched = both(gradient, x, axis=0)
    assert isinstance(patched, da.Array) and spy
    assert_same(patched.compute(), plain.compute())
    assert_same(patched.compute(), ORIGINAL(f, axis=0))


def test_datetime_spacing_keeps_numpys_outcome():
    f = np.arange(5.0) ** 2
    t = np.arange("2020-01-01", "2020-01-06", dtype="datetime64[D]")
    for spacing in (t, np.datetime64("2020-01-01")):
        plain = outcome(ORIGINAL, f, spacing)
        with ndgrad.patched_numpy():
            patched = outcome(np.gradient, f, spacing)
        assert type(patched) is type(plain) and repr(patched) == repr(plain)


def test_dask_calls_ndgrad_leaves_to_dask_still_work():
    # Object data and an integer NumPy scalar spacing: dask's own gradient, as unpatched.
    da = pytest.importorskip("dask.array")
    f = np.arange(48.0).reshape(6, 8) ** 2
    for x, args in [(da.from_array(f.astype(object), chunks=(3, 4)), ()),
                    (da.from_array(f, chunks=(3, 4)), (np.int64(2),))]:
        plain, patched = both(gradient, x, *args)
        for p, q in zip(plain, patched):
            assert_same(np.asarray(q.compute(), dtype=float), np.asarray(p.compute(), dtype=float))


class Duck:
    """An array type that overrides NumPy's functions: NumPy dispatches to it."""

    def __array_function__(self, func, types, args, kwargs):
        return ("dispatched", func.__name__)


def test_array_function_overrides_still_dispatch(spy):
    with ndgrad.patched_numpy():
        assert np.gradient(Duck()) == ("dispatched", "gradient")
        assert np.gradient(np.arange(4.0), Duck()) == ("dispatched", "gradient")
    assert not spy


def test_readme_example():
    """The README's example runs as written."""
    exec(compile(readme_example("## Patching NumPy"), "README.md", "exec"), {})
