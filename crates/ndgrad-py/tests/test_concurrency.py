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
    f = rng.standard_normal((3000, 3000))
    ticks = 0
    running = threading.Event()
    done = threading.Event()

    def count():
        nonlocal ticks
        running.set()
        while not done.is_set():
            ticks += 1

    t = threading.Thread(target=count)
    t.start()
    running.wait()
    before = ticks
    for _ in range(3):
        ndgrad.gradient(f, workers=1)
    during = ticks - before
    done.set()
    t.join()
    # With the GIL held for the whole call the counter could not move at all.
    assert during > 1000


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
