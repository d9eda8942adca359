"""Helpers shared by the Python suites: compare ndgrad with numpy.gradient exactly, and check
which calls the engine computes and which it hands to NumPy (and why)."""

import operator
import os
import warnings

import numpy as np
import pytest
from hypothesis import settings

import ndgrad
from ndgrad._native import Declined

# CI replays the same examples every run (no flaky red builds); local runs explore new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _bits(a):
    """Comparable bit patterns of an array: NaN (and NaT) compare equal whatever the payload."""
    a = np.asarray(a)
    if a.dtype.kind == "c":
        return np.stack([_bits(a.real), _bits(a.imag)], axis=-1)
    if a.dtype.kind == "O":
        return _bits(a.astype(np.float64))
    if a.dtype.kind == "f" and a.itemsize not in UINT:
        # long double: padding bytes are unspecified, so compare value, sign and NaN-ness.
        return np.stack([np.where(np.isnan(a), 0, a), np.signbit(a), np.isnan(a)])
    if a.dtype.kind == "f":
        bits = np.ascontiguousarray(a).view(UINT[a.itemsize]).copy()
        bits[np.isnan(a)] = 1
        return bits
    if a.dtype.kind in "mM":
        return a.view(np.int64)
    return a


def assert_same(got, expected):
    """Same return type, dtype, shape, values bit for bit (and mask, for masked arrays)."""
    assert type(got) is type(expected), f"type {type(got)} != {type(expected)}"
    if isinstance(expected, tuple):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same(g, e)
        return
    assert got.dtype == expected.dtype, f"dtype {got.dtype} != {expected.dtype}"
    assert got.shape == expected.shape, f"shape {got.shape} != {expected.shape}"
    g, e = _bits(np.asarray(got)), _bits(np.asarray(expected))
    if isinstance(expected, np.ma.MaskedArray):
        # Data under the mask is unspecified (NumPy leaves it uninitialized): compare the
        # masks, and the data where it is not masked.
        mask = np.ma.getmaskarray(expected)
        np.testing.assert_array_equal(np.ma.getmaskarray(got), mask)
        g, e = g[~mask], e[~mask]
    if not np.array_equal(g, e):
        bad = np.argwhere(g != e)[:5]
        raise AssertionError(f"values differ at {bad.tolist()}:\n{got}\n!=\n{expected}")


class Raised:
    """An exception a call raised: its exact class and message."""

    def __init__(self, exc):
        self.cls, self.message = type(exc), str(exc)

    def __repr__(self):
        return f"{self.cls.__name__}({self.message!r})"


def outcome(fn, *args, **kwargs):
    """The result of a call, or the `Raised` exception."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            return fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - every exception is compared
        return Raised(e)


# The (kind, itemsize) pairs of the dtypes the engine computes: float16/32/64, complex64/128
# and the fixed-size integers.
NATIVE_KINDS = {("f", 2), ("f", 4), ("f", 8), ("c", 8), ("c", 16)} | {
    (k, n) for k in "iu" for n in (1, 2, 4, 8)}


def _native_spacing(v):
    """Whether the engine reproduces NumPy's arithmetic for spacing argument `v`."""
    if type(v) is float:
        return True
    if type(v) is int:
        return abs(v) <= 2 ** 53  # exactly a float64, as NumPy converts it
    if isinstance(v, bool):
        return False
    try:
        a = np.asarray(v) if isinstance(v, np.generic) else np.asanyarray(v)
    except Exception:  # noqa: BLE001 - whatever NumPy makes of it, it is NumPy's to judge
        return False
    if type(a) is not np.ndarray or not a.dtype.isnative:
        return False
    if a.dtype.kind == "f":
        return a.itemsize in (2, 4, 8)
    if a.dtype.kind == "M":
        # ndgrad's extension (NumPy raises): the wrapper converts 1-D datetime64 coordinates
        # to float64 elapsed time, which the engine computes.
        return a.ndim == 1
    # Integer and timedelta coordinates are converted to float64; 0-d integer arrays keep
    # NumPy's integer promotion, which the engine leaves to NumPy.
    return a.dtype.kind in "ium" and a.ndim > 0


def _native_axis(a):
    if isinstance(a, float):
        return False
    try:
        i = operator.index(a)
    except TypeError:
        return False
    return -2 ** 63 <= i < 2 ** 63


def expected_decline(f, *varargs, axis=None, edge_order=1):
    """Why ndgrad's engine must leave `ndgrad.gradient(f, *varargs, axis=, edge_order=)` to
    numpy.gradient, or None where it must compute the call itself: the routing rules,
    written out independently of the Rust code (first failing rule wins, in its order)."""
    if not isinstance(f, np.ndarray):
        f = np.asanyarray(f)
    if type(f) is not np.ndarray:
        return Declined.SUBCLASS
    if (f.dtype.kind, f.dtype.itemsize) not in NATIVE_KINDS:
        return Declined.DTYPE
    if not f.dtype.isnative:
        return Declined.BYTE_ORDER
    if f.ndim > 32:
        return Declined.DIMENSIONS
    if axis is not None:
        axes = axis if isinstance(axis, (tuple, list)) else [axis]
        if not all(_native_axis(a) for a in axes):
            return Declined.AXIS
    if not isinstance(edge_order, int) or not 1 <= edge_order < 2 ** 63:
        return Declined.EDGE_ORDER
    if not all(_native_spacing(v) for v in varargs):
        return Declined.SPACING
    if edge_order != 1 and any(type(v) in (int, float) and v == 0 for v in varargs):
        return Declined.ZERO_DIVISION
    return None


def assert_declines(reason, f, *varargs, **kwargs):
    """Under the strict switch, ndgrad.gradient refuses the call naming `reason`."""
    with ndgrad._strict(), pytest.raises(ndgrad._DeclinedError) as declined:
        ndgrad.gradient(f, *varargs, **kwargs)
    assert declined.value.reason == reason, f"declined for {declined.value.reason!r}, not {reason!r}"
    assert repr(reason) in str(declined.value)


def check_against_numpy(f, *varargs, **kwargs):
    """Call numpy.gradient and ndgrad.gradient the same way; demand the same outcome.

    Every call the engine should compute (`expected_decline` is None) runs under the strict
    switch, so a silent fallback to NumPy fails; every other call must be declined for
    exactly the expected reason, and then NumPy's answer (through the fallback) must come out.
    """
    expected = outcome(np.gradient, f, *varargs, **kwargs)
    reason = expected_decline(f, *varargs, **kwargs)
    if reason is not None:
        assert_declines(reason, f, *varargs, **kwargs)
    with ndgrad._strict(reason is None):
        got = outcome(ndgrad.gradient, f, *varargs, **kwargs)
    if isinstance(expected, Raised):
        assert isinstance(got, Raised), f"NumPy raised {expected!r}, ndgrad returned {got!r}"
        assert (got.cls, got.message) == (expected.cls, expected.message), f"{got!r} != {expected!r}"
        return expected
    if isinstance(got, Raised):
        raise AssertionError(f"ndgrad raised {got!r}; NumPy succeeded")
    assert_same(got, expected)
    return expected


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(autouse=True)
def strict_engine(request):
    """Every test runs under the strict switch (a call the engine declines raises), except
    tests marked `numpy_fallback`, which exercise the fallback on purpose."""
    if request.node.get_closest_marker("numpy_fallback"):
        yield
        return
    with ndgrad._strict():
        yield


def readme_example(heading):
    """The first ``python`` code block under the README heading that starts with ``heading``."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = text[text.index("\n" + heading):]
    start = section.index("```python\n") + len("```python\n")
    return section[start:section.index("```", start)]


@pytest.fixture(scope="module")
def client():
    """A real distributed cluster: 2 worker processes, one thread each (per test module)."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()
