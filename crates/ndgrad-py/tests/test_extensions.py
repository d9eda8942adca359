"""ndgrad's keyword-only extensions: `workers` and `out`, and their error messages."""

import numpy as np
import pytest

import ndgrad
from conftest import assert_same


@pytest.fixture
def f(rng):
    return rng.standard_normal((300, 400))


@pytest.mark.parametrize("workers", [None, -1, 1, 2, 3, 16])
def test_any_worker_count_gives_the_same_bits(f, workers):
    assert_same(ndgrad.gradient(f, workers=workers), np.gradient(f))


@pytest.mark.parametrize("workers,exc", [(0, ValueError), (-2, ValueError), (1.5, TypeError), ("2", TypeError)])
def test_bad_workers_are_refused_with_a_clear_message(f, workers, exc):
    with pytest.raises(exc, match="workers must be None, -1 or a positive int"):
        ndgrad.gradient(f, workers=workers)


def test_workers_beyond_the_bound_are_refused_before_any_thread_starts(f):
    with pytest.raises(ValueError, match=r"workers=5000 is more than 1024 threads"):
        ndgrad.gradient(f, workers=5000)
    assert_same(ndgrad.gradient(f, workers=64), np.gradient(f))


def test_out_receives_the_gradients_and_is_returned(f):
    outs = (np.empty_like(f), np.empty_like(f))
    got = ndgrad.gradient(f, out=outs)
    assert type(got) is tuple and got[0] is outs[0] and got[1] is outs[1]
    assert_same(got, np.gradient(f))
    single = np.empty_like(f)
    assert ndgrad.gradient(f, axis=1, out=single) is single
    assert_same(single, np.gradient(f, axis=1))
    assert ndgrad.gradient(f, axis=0, out=[single]) is single


def test_out_may_have_any_layout(f):
    fortran = np.empty(f.shape, order="F")
    strided = np.empty((600, 800))[::2, ::2]
    ndgrad.gradient(f, out=(fortran, strided))
    expected = np.gradient(f)
    assert_same(fortran, expected[0])
    np.testing.assert_array_equal(strided, expected[1])


def test_out_of_float32_data_is_float32(rng):
    f = rng.standard_normal((50, 60)).astype(np.float32)
    out = np.empty_like(f)
    ndgrad.gradient(f, np.float64(0.5), axis=0, out=out)
    assert_same(out, np.gradient(f, np.float64(0.5), axis=0))


@pytest.mark.parametrize("bad,exc,message", [
    (lambda f: np.empty(f.shape, np.float32), TypeError, r"out\[0\] has dtype float32 but the gradient of float64 data is float64"),
    (lambda f: np.empty((3, 3)), ValueError, r"out\[0\] has shape \(3, 3\) but f has shape \(300, 400\)"),
    (lambda f: (np.empty_like(f), np.empty_like(f)), ValueError, r"out has 2 array\(s\) but 1 axes are differentiated"),
    (lambda f: [[1.0]], TypeError, r"out\[0\] must be a numpy.ndarray"),
    (lambda f: np.broadcast_to(np.empty(400), f.shape), ValueError, r"cannot write out\[0\]"),
    (lambda f: f, ValueError, r"share no memory with f"),
])
def test_bad_out_is_refused_before_anything_is_written(f, bad, exc, message):
    before = f.copy()
    with pytest.raises(exc, match=message):
        ndgrad.gradient(f, axis=0, out=bad(f))
    np.testing.assert_array_equal(f, before)


@pytest.mark.numpy_fallback
def test_out_with_numpy_fallback_inputs():
    dates = np.array(["2020-01-01", "2020-01-03", "2020-01-04"], dtype="M8[D]")
    out = np.empty(3, dtype="m8[D]")
    assert ndgrad.gradient(dates, out=out) is out
    assert_same(out, np.gradient(dates))
    with pytest.raises(TypeError, match="out= is not supported for MaskedArray inputs"):
        ndgrad.gradient(np.ma.arange(4.0), out=np.empty(4))


@pytest.mark.numpy_fallback
@pytest.mark.parametrize("bad,exc,message", [
    (lambda f: np.empty(3, np.float64), TypeError,
     r"out\[0\] has dtype float64 but the gradient of datetime64\[D\] data is timedelta64\[D\]"),
    (lambda f: np.empty(4, "m8[D]"), ValueError, r"out\[0\] has shape \(4,\) but f has shape \(3,\)"),
    (lambda f: [np.empty(3, "m8[D]")] * 2, ValueError, r"out has 2 array\(s\) but 1 axes are differentiated"),
    (lambda f: ("x",), TypeError, r"out\[0\] must be a numpy.ndarray, not str"),
])
def test_bad_out_for_numpy_fallback_inputs_gets_the_same_messages(bad, exc, message):
    dates = np.array(["2020-01-01", "2020-01-03", "2020-01-04"], dtype="M8[D]")
    out = bad(dates)
    with pytest.raises(exc, match=message):
        ndgrad.gradient(dates, out=out)
    with ndgrad._strict(), pytest.raises(ndgrad._DeclinedError):
        ndgrad.gradient(dates, out=out)  # the engine declined: the checks ran on the fallback


def test_inputs_are_never_modified_and_results_never_alias_them(rng):
    for f in [rng.standard_normal((40, 50)), rng.standard_normal(100).astype(np.float32),
              rng.integers(-100, 100, (5, 6, 7)), np.asfortranarray(rng.standard_normal((30, 20)))]:
        x = np.cumsum(rng.uniform(0.5, 1.5, f.shape[0]))
        f_before, x_before = f.copy(), x.copy()
        f.flags.writeable = False
        results = ndgrad.gradient(f, x, *([1.0] * (f.ndim - 1)), edge_order=2)
        results = results if isinstance(results, tuple) else (results,)
        np.testing.assert_array_equal(f, f_before)
        np.testing.assert_array_equal(x, x_before)
        for r in results:
            assert not np.shares_memory(r, f)
            assert r.flags.writeable and r.flags.owndata


def test_outputs_keep_the_input_memory_order(rng):
    f = np.asfortranarray(rng.standard_normal((30, 40)))
    assert all(g.flags.f_contiguous for g in ndgrad.gradient(f))
    g = ndgrad.gradient(rng.standard_normal((20, 30, 40)).transpose(2, 0, 1))
    assert all(a.strides == np.empty_like(a).strides for a in g)
