"""Helpers shared by the Python suites: compare ndgrad with numpy.gradient exactly."""

import warnings

import os

import numpy as np
import pytest
from hypothesis import settings

import ndgrad

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


def check_against_numpy(f, *varargs, **kwargs):
    """Call numpy.gradient and ndgrad.gradient the same way; demand the same outcome."""
    expected = outcome(np.gradient, f, *varargs, **kwargs)
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
