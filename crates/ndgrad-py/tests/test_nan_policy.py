"""nan_policy against references that are not ndgrad: numpy.gradient of the kept samples
(scattered back) for "omit", numpy.gradient of each run for "split", numpy.gradient itself
without NaN; the worked values of NUMERICS.md; masked arrays; every front (threads, layouts,
Dask on a real distributed cluster) bit for bit."""

import numpy as np
import pytest

import ndgrad
import ndgrad.dask
from conftest import assert_same

NAN = np.nan


def grad(f, *varargs, **kwargs):
    return ndgrad.gradient(np.asarray(f, dtype=float), *varargs, **kwargs)


# ---------------------------------------------------------------- worked values (§4)

@pytest.mark.parametrize("policy, kwargs, expected", [
    ("propagate", {}, [1, NAN, 1, NAN, 6, 8]),
    ("omit", {}, [1, 1, NAN, 2.9999999999999996, 6, 8]),
    ("split", {}, [1, 1, NAN, 4, 6, 8]),
    ("split", {"edge_order": 2}, [NAN, NAN, NAN, 2, 6, 10]),
])
def test_worked_values_e3(policy, kwargs, expected):
    got = grad([1, 2, NAN, 4, 8, 16], nan_policy=policy, **kwargs)
    assert_same(got, np.array(expected, dtype=float))


def test_worked_values_e4_and_e5():
    e4 = [0, 1, NAN, NAN, NAN, 25, 36, 49]
    assert_same(grad(e4, nan_policy="omit"), np.array([1, 2, NAN, NAN, NAN, 10, 12, 13.]))
    assert_same(grad(e4, nan_policy="split"), np.array([1, 1, NAN, NAN, NAN, 11, 12, 13.]))
    e5 = [NAN, NAN, 3, NAN, 9, 16]
    assert_same(grad(e5, nan_policy="omit"),
                np.array([NAN, NAN, 3, NAN, 5.666666666666666, 7]))
    assert_same(grad(e5, nan_policy="split"), np.array([NAN, NAN, NAN, NAN, 7, 7.]))


# ---------------------------------------------------------------- oracles built from NumPy

def gappy(rng, shape, fraction=0.12, dtype=np.float64):
    f = rng.standard_normal(shape).astype(dtype)
    f[rng.random(shape) < fraction] = NAN
    return f


def omit_oracle(lane, x, edge_order):
    """np.gradient of the lane's valid samples at coordinates `x[valid]`, scattered back."""
    out = np.full(lane.shape, NAN, dtype=np.result_type(lane.dtype, np.float16))
    valid = np.flatnonzero(~np.isnan(lane))
    if valid.size >= edge_order + 1:
        out[valid] = np.gradient(lane[valid], x[valid], edge_order=edge_order)
    return out


def split_oracle(lane, spacing, edge_order):
    """np.gradient of each run of valid samples (spacing: a scalar or the coordinates)."""
    out = np.full(lane.shape, NAN, dtype=lane.dtype)
    valid = ~np.isnan(lane)
    i, n = 0, lane.size
    while i < n:
        if not valid[i]:
            i += 1
            continue
        j = i
        while j < n and valid[j]:
            j += 1
        if j - i >= edge_order + 1:
            h = spacing if np.ndim(spacing) == 0 else spacing[i:j]
            out[i:j] = np.gradient(lane[i:j], h, edge_order=edge_order)
        i = j
    return out


def along(f, axis, oracle):
    return np.apply_along_axis(oracle, axis, f)


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("spacing", ["power of two", "coordinates"])
def test_omit_is_numpy_on_the_kept_samples(rng, edge_order, spacing):
    f = gappy(rng, (23, 31))
    for axis in (0, 1):
        n = f.shape[axis]
        if spacing == "power of two":
            # valid * h is exact for h = 2**-3, so the oracle's coordinates are gap * h.
            h, x = 0.125, np.arange(n) * 0.125
        else:
            x = np.cumsum(rng.uniform(0.5, 1.5, n))
            h = x
        got = ndgrad.gradient(f, h, axis=axis, edge_order=edge_order, nan_policy="omit")
        expected = along(f, axis, lambda lane: omit_oracle(lane, x, edge_order))
        assert_same(got, expected)


def test_omit_with_an_uneven_scalar_step_uses_gap_times_h(rng):
    # h = 0.1: valid * h is not gap * h; the gaps are counted and multiplied once.
    f = np.array([0.0, 0.3, NAN, NAN, 1.2, 1.5, NAN, 2.1])
    got = ndgrad.gradient(f, 0.1, nan_policy="omit")
    valid = np.flatnonzero(~np.isnan(f))
    dx = np.diff(valid) * 0.1
    x = np.concatenate([[0.0], np.cumsum(dx)])
    # NumPy's non-uniform formula reads only the differences: rebuild them from x exactly.
    expected = np.full(f.shape, NAN)
    a, b = dx[:-1], dx[1:]
    fv = f[valid]
    inner = (-b / (a * (a + b))) * fv[:-2] + ((b - a) / (a * b)) * fv[1:-1] \
        + (a / (b * (a + b))) * fv[2:]
    expected[valid[1:-1]] = inner
    expected[valid[0]] = (fv[1] - fv[0]) / dx[0]
    expected[valid[-1]] = (fv[-1] - fv[-2]) / dx[-1]
    assert_same(got, expected)
    assert x.size == valid.size


@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("spacing", [0.3, "coordinates"])
def test_split_is_numpy_per_run(rng, edge_order, spacing):
    f = gappy(rng, (19, 27), fraction=0.2)
    for axis in (0, 1):
        n = f.shape[axis]
        h = np.cumsum(rng.uniform(0.5, 1.5, n)) if spacing == "coordinates" else spacing
        got = ndgrad.gradient(f, h, axis=axis, edge_order=edge_order, nan_policy="split")
        expected = along(f, axis, lambda lane: split_oracle(lane, h, edge_order))
        assert_same(got, expected)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64,
                                   np.complex64, np.complex128])
@pytest.mark.parametrize("policy", ["omit", "split", "raise"])
def test_nan_free_input_is_numpy_bit_for_bit(rng, dtype, policy):
    f = rng.standard_normal((17, 12)).astype(dtype)
    if np.dtype(dtype).kind == "c":
        f = f + 1j * rng.standard_normal((17, 12)).astype(dtype)
    x = np.cumsum(rng.uniform(0.5, 1.5, 12))
    for args, kw in [((), {}), ((0.5, x), {}), ((), {"edge_order": 2}),
                     ((2.0,), {"axis": 1})]:
        assert_same(ndgrad.gradient(f, *args, nan_policy=policy, **kw),
                    np.gradient(f, *args, **kw))


@pytest.mark.parametrize("layout", ["C", "F", "strided", "reversed"])
def test_layouts_give_the_same_bits(rng, layout):
    base = gappy(rng, (40, 36))
    f = {"C": base, "F": np.asfortranarray(base), "strided": base[::2, ::3],
         "reversed": base[::-1, ::-1]}[layout]
    contiguous = np.ascontiguousarray(f)
    for policy in ("omit", "split"):
        got = ndgrad.gradient(f, accuracy=4, nan_policy=policy)
        assert_same(got, ndgrad.gradient(contiguous, accuracy=4, nan_policy=policy))
        # The reference: each lane on its own, as a 1-D call.
        for axis in (0, 1):
            lane = np.take(contiguous, 3, axis=1 - axis)
            one = ndgrad.gradient(lane, accuracy=4, nan_policy=policy)
            assert_same(np.take(got[axis], 3, axis=1 - axis), one)


def test_large_arrays_threads_and_serial_agree(rng):
    f = gappy(rng, (1200, 700), fraction=0.01)
    for policy in ("omit", "split"):
        threaded = ndgrad.gradient(f, 0.5, nan_policy=policy)
        serial = ndgrad.gradient(f, 0.5, nan_policy=policy, workers=1)
        assert_same(threaded, serial)
        expected = along(f, 1, lambda lane: omit_oracle(lane, np.arange(700) * 0.5, 1)) \
            if policy == "omit" else along(f, 1, lambda lane: split_oracle(lane, 0.5, 1))
        assert_same(threaded[1], expected)


def test_infinities_propagate_and_inputs_are_untouched():
    f = np.array([1.0, np.inf, 3, NAN, 5, 6])
    before = f.copy()
    got = ndgrad.gradient(f, nan_policy="omit")
    assert_same(f, before)
    # Without the NaN the lane is NumPy's, infinities and all.
    kept = np.delete(f, 3)
    with np.errstate(invalid="ignore"):  # NumPy's own inf * 0
        expected = np.gradient(kept, np.array([0, 1, 2, 4, 5.0]))
    assert_same(np.delete(got, 3), expected)


def test_integers_have_no_nan():
    f = np.array([1, 4, 9, 16, 25])
    for policy in ("omit", "split", "raise"):
        assert_same(ndgrad.gradient(f, nan_policy=policy), np.gradient(f))


def test_raise_names_the_index_and_axis():
    f = np.zeros((4, 9))
    f[3, 1] = f[2, 7] = NAN
    with pytest.raises(ValueError, match=r"NaN at index \(2, 7\) along axis 1; use "
                                         r"nan_policy='omit' or 'split'"):
        ndgrad.gradient(f, axis=(1, 0), nan_policy="raise")
    with pytest.raises(ValueError, match=r"NaN at index \(3,\) along axis 0"):
        ndgrad.gradient(np.array([1.0, 2, 3, NAN]), nan_policy="raise")


def test_bad_policies_name_the_argument():
    with pytest.raises(ValueError, match="nan_policy='skip' is not supported; use "
                                         "'propagate', 'omit', 'split' or 'raise'"):
        ndgrad.gradient(np.ones(4), nan_policy="skip")
    with pytest.raises(TypeError, match="nan_policy must be a string"):
        ndgrad.gradient(np.ones(4), nan_policy=1)


def test_periodic_omit_wraps_the_gap_across_the_seam():
    # h = 2**-3 so that the kept coordinates `valid * h` are exactly gap * h.
    n, h = 16, 0.125
    t = np.arange(n) * h
    w = 2 * np.pi / (n * h)
    f = np.sin(w * t)
    f[[0, 1]] = NAN
    got = ndgrad.gradient(f, h, boundary="periodic", nan_policy="omit")
    # The same as the kept samples on their coordinates with the period n * h.
    ref = ndgrad.gradient(f[2:], t[2:], boundary="periodic", period=n * h)
    assert_same(got[2:], ref)
    assert np.all(np.isnan(got[:2]))
    # Second order across a gap of three steps at the seam: within 10 %.
    assert np.max(np.abs(got[2:] - w * np.cos(w * t[2:]))) < 0.1 * w


def test_savgol_and_accuracy_follow_the_policy(rng):
    # Savitzky-Golay on the kept samples of a noisy, gappy, irregular series.
    x = np.cumsum(rng.uniform(0.05, 0.15, 200))
    f = np.sin(x) + 1e-4 * rng.standard_normal(200)
    f[[20, 21, 22, 90, 150]] = NAN
    got = ndgrad.gradient(f, x, window_length=11, polyorder=3, nan_policy="omit")
    valid = ~np.isnan(f)
    ref = ndgrad.gradient(f[valid], x[valid], window_length=11, polyorder=3)
    assert_same(got[valid], ref)
    assert np.all(np.isnan(got[~valid]))
    assert np.max(np.abs(got[valid] - np.cos(x[valid]))) < 5e-3


# ---------------------------------------------------------------- masked arrays

def test_masked_elements_are_missing_and_the_mask_is_kept(rng):
    data = rng.standard_normal((12, 10))
    mask = rng.random((12, 10)) < 0.15
    m = np.ma.MaskedArray(data, mask=mask)
    filled = np.where(mask, NAN, data)
    for policy in ("omit", "split"):
        got = ndgrad.gradient(m, nan_policy=policy)
        expected = ndgrad.gradient(filled, nan_policy=policy)
        assert isinstance(got, tuple) and all(isinstance(g, np.ma.MaskedArray) for g in got)
        for g, e in zip(got, expected):
            np.testing.assert_array_equal(np.ma.getmaskarray(g), mask)
            assert_same(np.ma.getdata(g)[~mask], e[~mask])
    # Integer masked arrays compute in float64, like NumPy's integer gradients.
    mi = np.ma.MaskedArray(np.arange(10) ** 2, mask=[0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    got = ndgrad.gradient(mi, nan_policy="omit")
    assert got.dtype == np.float64 and got.mask.tolist() == mi.mask.tolist()
    # Without a policy, masked arrays are NumPy's own business (exact fallback).
    with pytest.raises(ValueError, match=r"NaN at index \(2,\)"):
        ndgrad.gradient(mi, nan_policy="raise")


# ---------------------------------------------------------------- operators

def test_operators_combine_the_policy_gradients(rng):
    f = gappy(rng, (20, 18))
    for policy in ("omit", "split"):
        g0, g1 = ndgrad.gradient(f, 0.5, 0.25, accuracy=4, nan_policy=policy)
        assert_same(ndgrad.magnitude(f, 0.5, 0.25, accuracy=4, nan_policy=policy),
                    np.sqrt(g0 * g0 + g1 * g1))
        d0, d1 = ndgrad.gradient(f, 0.5, 0.25, deriv=2, nan_policy=policy)
        assert_same(ndgrad.laplacian(f, 0.5, 0.25, nan_policy=policy), d0 + d1)
        v = f[::-1].copy()
        f0, f1 = ndgrad.gradient(f, 0.5, 0.25, nan_policy=policy)
        v0, v1 = ndgrad.gradient(v, 0.5, 0.25, nan_policy=policy)
        assert_same(ndgrad.curl((f, v), 0.5, 0.25, nan_policy=policy), v0 - f1)
        assert_same(ndgrad.divergence((f, v), 0.5, 0.25, nan_policy=policy), f0 + v1)
    with pytest.raises(ValueError, match="NaN at index"):
        ndgrad.magnitude(f, nan_policy="raise")


# ---------------------------------------------------------------- Dask, on a real cluster

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


DASK_CASES = [
    ("split", (), {}),
    ("split", (0.5,), {"accuracy": 6}),
    ("split", (), {"window_length": 7, "polyorder": 2}),
    ("split", (), {"boundary": "reflect", "accuracy": 4}),
    ("split", (), {"boundary": "periodic"}),
    ("split", ("coords",), {}),
    ("omit", (), {}),
    ("omit", ("coords",), {"accuracy": 4}),
    ("omit", (0.1,), {"boundary": "periodic"}),
    ("omit", (), {"window_length": 5, "polyorder": 2}),
]


@pytest.mark.parametrize("policy, args, kwargs", DASK_CASES)
@pytest.mark.parametrize("chunks", [(5, 7), (1, 31), (13, 4), (40, 31)])
def test_dask_matches_memory_for_any_chunking(client, rng, policy, args, kwargs, chunks):
    f = gappy(rng, (40, 31), fraction=0.1)
    f[7:12, 3] = NAN  # a gap wider than any halo
    args = tuple(np.cumsum(rng.uniform(0.5, 1.5, 31)) if a == "coords" else a for a in args)
    axis = 1 if args and np.ndim(args[0]) == 1 else None
    expected = ndgrad.gradient(f, *args, axis=axis, nan_policy=policy, **kwargs)
    lazy = ndgrad.dask.gradient(da.from_array(f, chunks=chunks), *args, axis=axis,
                                nan_policy=policy, **kwargs)
    got = tuple(np.asarray(g.compute()) for g in lazy) if isinstance(lazy, tuple) \
        else np.asarray(lazy.compute())
    assert_same(got, expected)


def test_dask_raise_names_the_index_in_the_whole_array(client):
    f = np.zeros((30, 20))
    f[17, 13] = NAN
    lazy = ndgrad.dask.gradient(da.from_array(f, chunks=(7, 6)), axis=1, nan_policy="raise")
    with pytest.raises(ValueError, match=r"NaN at index \(17, 13\) along axis 1"):
        lazy.compute()
    clean = np.ones((30, 20))
    lazy = ndgrad.dask.gradient(da.from_array(clean, chunks=(7, 6)), nan_policy="raise")
    assert_same(tuple(np.asarray(g.compute()) for g in lazy), np.gradient(clean))


def test_dask_operators_follow_the_policy(client, rng):
    f = gappy(rng, (30, 26), fraction=0.08)
    v = f[::-1].copy()
    x = da.from_array(f, chunks=(7, 9))
    y = da.from_array(v, chunks=(7, 9))
    for policy in ("omit", "split"):
        assert_same(np.asarray(ndgrad.magnitude(x, 0.5, nan_policy=policy).compute()),
                    ndgrad.magnitude(f, 0.5, nan_policy=policy))
        assert_same(np.asarray(ndgrad.laplacian(x, nan_policy=policy).compute()),
                    ndgrad.laplacian(f, nan_policy=policy))
        assert_same(np.asarray(ndgrad.curl((x, y), nan_policy=policy).compute()),
                    ndgrad.curl((f, v), nan_policy=policy))
