"""The GIL is released while computing; forked children and many Python threads work."""

import multiprocessing
import os
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import ndgrad
from conftest import assert_same


def _gradient_sum(seed):
    f = np.random.default_rng(seed).standard_normal((400, 300))
    return [float(g.sum()) for g in ndgrad.gradient(f)]


def test_many_python_threads_at_once(rng):
    arrays = [rng.standard_normal((200 + k, 150)) for k in range(16)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(ndgrad.gradient, arrays))
    for f, r in zip(arrays, results):
        assert_same(r, np.gradient(f))


def test_other_python_threads_run_during_a_call(rng):
    """A handshake, no clock: with a switch interval far longer than the test, the main thread
    never hands the GIL over on its own, only where C code releases it. A helper thread, made
    runnable just before ndgrad is called, can therefore signal `seen` only if ndgrad's call
    releases the GIL; a call that held it throughout could never let the helper run."""
    f = rng.standard_normal((1000, 1000))
    ready, go, seen = threading.Event(), threading.Event(), threading.Event()

    def helper():
        ready.set()
        go.wait()
        seen.set()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        t = threading.Thread(target=helper)
        t.start()
        ready.wait()
        go.set()  # the helper now waits for the GIL only
        # `seen.is_set()` never blocks: between the calls the main thread keeps the GIL. The
        # strict switch makes a fallback to numpy.gradient (which releases the GIL too) fail.
        with ndgrad._strict():
            for _ in range(100):
                ndgrad.gradient(f, workers=1)
                if seen.is_set():
                    break
        released = seen.is_set()
        t.join()
    finally:
        sys.setswitchinterval(interval)
    assert released, "no other Python thread ran while ndgrad computed: the GIL was held"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_computes_after_the_parent_used_threads(rng):
    f = rng.standard_normal((500, 400))
    expected = np.gradient(f)
    ndgrad.gradient(f)  # the parent's thread pool now exists
    pid = os.fork()
    if pid == 0:  # child: must not deadlock on the parent's pool
        signal.alarm(60)
        try:
            got = ndgrad.gradient(f)
            ok = all(np.array_equal(a, b) for a, b in zip(got, expected))
            os._exit(0 if ok else 1)
        except BaseException:  # noqa: BLE001 - report any failure through the exit code
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status


@pytest.mark.skipif(sys.platform != "linux", reason="fork start method")
def test_multiprocessing_pool_with_fork():
    ndgrad.gradient(np.ones((400, 300)))
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        results = pool.map(_gradient_sum, range(4), chunksize=1)
    assert results == [_gradient_sum(s) for s in range(4)]
