"""Route ``numpy.gradient`` itself to ``ndgrad.gradient``, for code you do not own.

Libraries call ``np.gradient`` (scikit-image's Hessian and active contours, xarray's
``differentiate``, ...); ``patch_numpy()`` replaces the ``gradient`` attribute of the
``numpy`` module so those calls run on ndgrad's engine with NumPy's bits, the convention of
scikit-learn-intelex's ``patch_sklearn``. ``unpatch_numpy()`` puts the original object back
(``np.gradient is original`` afterwards), and ``patched_numpy()`` does both around a block.

The replacement keeps NumPy's signature (``inspect.signature`` and ``help`` show NumPy's),
and sends a call back to the original where NumPy itself would not run its own code: an
argument whose type overrides ``__array_function__`` (CuPy, pint, sparse, ...) other than a
dask array ``f``, which ndgrad computes lazily (a dask call ``ndgrad.dask`` leaves to dask
goes to dask's own gradient, as before the patch). Inputs ndgrad hands to NumPy (masked arrays,
object data, ...) reach the original too, not the replacement again.

The patch is process-wide, as the ``numpy`` module is: while it is in effect every thread
sees it. Code that bound the function before patching (``from numpy import gradient``)
keeps NumPy's.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
from contextvars import ContextVar

import numpy as np

import ndgrad

__all__ = ["patch_numpy", "unpatch_numpy", "patched_numpy"]

_LOCK = threading.Lock()
_NDARRAY_FUNCTION = np.ndarray.__array_function__
# Set while the replacement runs ndgrad.gradient, so that ndgrad's own fallback to
# np.gradient (for inputs it leaves to NumPy) reaches the original, not the replacement.
_INSIDE: ContextVar[bool] = ContextVar("ndgrad_patch_inside", default=False)


class _State:
    original = None  # numpy.gradient as found by the first patch
    replacement = None  # the function installed in its place
    explicit = False  # patch_numpy() is in effect
    depth = 0  # open patched_numpy() blocks, in every thread


def patch_numpy():
    """Make ``numpy.gradient`` compute with ndgrad (NumPy's results, bit for bit), until
    ``unpatch_numpy()``. Calling it again does nothing."""
    with _LOCK:
        _State.explicit = True
        _install()


def unpatch_numpy():
    """Undo ``patch_numpy()``: ``numpy.gradient`` is the original object again, unless a
    ``patched_numpy()`` block is still open (it restores it when the last one closes).
    Calling it when not patched does nothing."""
    with _LOCK:
        _State.explicit = False
        if _State.depth == 0:
            _restore()


@contextlib.contextmanager
def patched_numpy():
    """``numpy.gradient`` computes with ndgrad inside the block. Blocks nest (in one thread
    or several); the original returns when the last open block closes, unless
    ``patch_numpy()`` is in effect."""
    with _LOCK:
        _State.depth += 1
        _install()
    try:
        yield
    finally:
        with _LOCK:
            _State.depth -= 1
            if _State.depth == 0 and not _State.explicit:
                _restore()


def _install():
    if _State.replacement is not None and np.gradient is _State.replacement:
        return
    _State.original = np.gradient
    _State.replacement = _replacement(np.gradient)
    np.gradient = _State.replacement


def _restore():
    # Put the original back only over our own replacement: a function someone installed
    # after us is theirs to remove.
    if _State.replacement is not None and np.gradient is _State.replacement:
        np.gradient = _State.original
    _State.replacement = None


def _replacement(original):
    """A function with ``original``'s signature and documentation that calls
    ``ndgrad.gradient`` where NumPy would run its own implementation."""

    @functools.wraps(original)
    def gradient(f, *varargs, axis=None, edge_order=1):
        if _INSIDE.get():
            return original(f, *varargs, axis=axis, edge_order=edge_order)
        dask_f = _is_dask_array(f)
        if (not dask_f and _overrides(f)) or any(
                _overrides(v) and not (dask_f and _is_dask_array(v)) for v in varargs):
            return original(f, *varargs, axis=axis, edge_order=edge_order)
        if any(_is_datetime(v) for v in varargs):
            # ndgrad reads datetime64 spacing as elapsed time (an extension); NumPy raises,
            # and a drop-in keeps NumPy's outcome.
            return original(f, *varargs, axis=axis, edge_order=edge_order)
        if not dask_f:
            f = np.asanyarray(f)  # NumPy's first step (DataArrays, lists, ...)
        token = _INSIDE.set(True)
        try:
            return ndgrad.gradient(f, *varargs, axis=axis, edge_order=edge_order)
        except NotImplementedError:
            if not dask_f:
                raise
            # A dask call ndgrad.dask leaves to dask (object or bool data, integer NumPy
            # scalars as spacing, ...): what np.gradient did before the patch.
        finally:
            _INSIDE.reset(token)
        return original(f, *varargs, axis=axis, edge_order=edge_order)

    implementation = getattr(original, "_implementation", None)
    if implementation is not None:
        gradient._implementation = implementation
    return gradient


def _overrides(x):
    """Whether NumPy would dispatch on ``x`` (its type overrides ``__array_function__``)."""
    method = getattr(type(x), "__array_function__", None)
    return method is not None and method is not _NDARRAY_FUNCTION


def _is_datetime(v):
    """Whether spacing `v` holds datetime64 values (an array, a scalar or a list of them)."""
    dtype = getattr(v, "dtype", None)
    if dtype is None and isinstance(v, (list, tuple)):
        dtype = np.asarray(v).dtype
    return dtype is not None and np.dtype(dtype).kind == "M"


def _is_dask_array(x):
    dask_array = sys.modules.get("dask.array")
    return dask_array is not None and isinstance(x, dask_array.Array)
