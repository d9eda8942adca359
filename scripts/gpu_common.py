"""Shared by the scripts/gpu_*.py checks: skip lines, framework probes, bits, CUDA-event timing.

Every check prints `SKIP: <reason>` and exits 0 where NumPy, CuPy, torch or a GPU is missing, so
that scripts/gpu_check.sh and CI (tests/test_gpu_scripts.py) can run it anywhere; its last line is
`SUMMARY: ...`, the detail gpu_check.sh puts in its table.
"""

import statistics
import sys


def skip(reason):
    print(f"SKIP: {reason}")
    print(f"SUMMARY: skipped ({reason})")
    sys.exit(0)


def need_numpy():
    try:
        import numpy
    except ImportError:
        skip("NumPy is not installed")
    return numpy


def cupy_or_reason():
    """(cupy, None) with a usable device, else (None, why not)."""
    try:
        import cupy
    except Exception as e:  # noqa: BLE001 - absent, or present without its CUDA libraries
        return None, f"CuPy is not importable ({type(e).__name__}: {e})"
    try:
        if cupy.cuda.runtime.getDeviceCount() > 0:
            return cupy, None
        return None, "CuPy finds no CUDA device"
    except Exception as e:  # noqa: BLE001 - no driver
        return None, f"CuPy finds no CUDA device ({type(e).__name__}: {e})"


def torch_or_reason():
    """(torch, None) with a usable CUDA device, else (None, why not)."""
    try:
        import torch
    except Exception as e:  # noqa: BLE001
        return None, f"torch is not importable ({type(e).__name__}: {e})"
    if getattr(torch.version, "hip", None):
        return None, "torch is a ROCm build (ndgrad's GPU path is CUDA only)"
    if not torch.cuda.is_available():
        return None, "torch finds no CUDA device"
    return torch, None


def ndgrad_gpu():
    """ndgrad with its GPU path. Called only once a GPU is known to exist, so an ndgrad that
    fails to import (glibc, missing wheel) is a failure, not a skip."""
    import ndgrad
    from ndgrad import _native

    if not hasattr(_native, "cuda_launch"):
        raise SystemExit(f"FAIL: {ndgrad.__file__} has no GPU path (_native.cuda_launch missing)")
    return ndgrad


def host_bits_equal(np, a, b):
    """Bit-for-bit equality of two host arrays, NaN by position (payloads aside)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    u = {2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize]
    same = a.view(u) == b.view(u)
    return bool((same | (np.isnan(a) & np.isnan(b))).all())


def median_ms(event_pair, fn, reps=50, warmup=5):
    """Median over reps of fn(i)'s time between two CUDA events recorded on the current stream
    (after warmup calls). event_pair() returns (start, stop, elapsed_ms(start, stop))."""
    for i in range(warmup):
        fn(i)
    start, stop, elapsed = event_pair()
    times = []
    for i in range(reps):
        start.record()
        r = fn(i)
        stop.record()
        stop.synchronize()
        del r
        times.append(elapsed(start, stop))
    return statistics.median(times)


def cupy_events(cp):
    return lambda: (cp.cuda.Event(), cp.cuda.Event(), cp.cuda.get_elapsed_time)


def torch_events(torch):
    def pair():
        return (torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True),
                lambda a, b: a.elapsed_time(b))
    return pair
