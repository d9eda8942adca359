"""The pool of recycled outputs: reuse, never handing out memory in use, limits by bytes and
by age, switching off, threads and fork; results stay NumPy's bits."""

import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import ndgrad
from ndgrad import configure_pool, pool_info
from conftest import assert_same

BIG = (600, 700)  # 3.4 MB per float64 output: served by the pool


def address(a):
    return a.__array_interface__["data"][0]


@pytest.fixture(autouse=True)
def fresh_pool():
    """Each test starts from an empty pool with the defaults, and leaves it so."""
    assert configure_pool(0) and configure_pool(1 << 30, 1.0)
    yield
    assert configure_pool(0) and configure_pool(1 << 30, 1.0)


def test_a_dead_result_is_reused_by_the_next_call(rng):
    f = rng.standard_normal(BIG)
    g = ndgrad.gradient(f)
    first = {address(x) for x in g}
    assert all(x.base is not None and not x.flags.owndata for x in g)
    del g
    info = pool_info()
    assert info["buffers"] == 2 and info["bytes"] >= 2 * f.nbytes
    again = ndgrad.gradient(f)
    assert {address(x) for x in again} == first
    assert_same(again, np.gradient(f))
    assert pool_info()["buffers"] == 0


def test_memory_still_referenced_is_never_handed_out(rng):
    f = rng.standard_normal(BIG)
    g0, g1 = ndgrad.gradient(f)
    view = g0[::3, 1:]  # keeps g0's buffer alive through its base
    kept = view.copy()
    held = address(g0)
    del g0, g1
    for _ in range(3):
        out = ndgrad.gradient(f * 2.0)
        assert held not in {address(x) for x in out}
    assert_same(view, kept)


def test_small_outputs_use_numpys_allocator():
    g = ndgrad.gradient(np.arange(1000.0))
    assert g.flags.owndata and pool_info()["buffers"] == 0


def test_the_pool_is_bounded_by_bytes(rng):
    f = rng.standard_normal(BIG)
    assert configure_pool(limit=int(1.5 * f.nbytes))
    results = [ndgrad.gradient(f) for _ in range(3)]
    del results
    assert pool_info()["bytes"] <= 1.5 * f.nbytes


def test_idle_buffers_go_back_to_the_system(rng):
    assert configure_pool(idle_seconds=0.05)
    ndgrad.gradient(rng.standard_normal(BIG))  # dropped at once
    assert pool_info()["buffers"] >= 1
    deadline = time.monotonic() + 5
    while pool_info()["buffers"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert pool_info() == {"bytes": 0, "buffers": 0, "limit": 1 << 30, "idle_seconds": 0.05}


def test_switched_off_by_the_environment():
    code = ("import numpy as np, ndgrad; from ndgrad._pool import pool_info; "
            "g = ndgrad.gradient(np.ones((600, 700))); "
            "assert g[0].flags.owndata and pool_info()['limit'] == 0; print('ok')")
    env = dict(os.environ, NDGRAD_POOL_BYTES="0")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr
    assert configure_pool(0) and pool_info()["limit"] == 0
    assert ndgrad.gradient(np.ones(BIG))[0].flags.owndata


def test_layout_follows_the_input_like_empty_like(rng):
    f = np.asfortranarray(rng.standard_normal(BIG))
    g = ndgrad.gradient(f)
    assert all(x.flags.f_contiguous and not x.flags.owndata for x in g)
    assert_same(g, np.gradient(f))
    h = rng.standard_normal((70, 80, 90))[:, ::-1].transpose(2, 0, 1)
    assert [x.strides for x in ndgrad.gradient(h)] == [np.empty_like(h).strides] * 3


def test_threads_share_the_pool_safely(rng):
    arrays = [rng.standard_normal(BIG) for _ in range(4)]
    expected = [np.gradient(a) for a in arrays]
    failures = []

    def work(i):
        for _ in range(15):
            got = ndgrad.gradient(arrays[i], workers=1)
            if not all(np.array_equal(g, e) for g, e in zip(got, expected[i])):
                failures.append(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_gets_a_working_pool_of_its_own(rng):
    f = rng.standard_normal(BIG)
    ndgrad.gradient(f)  # dropped at once: the pool holds buffers, its reaper thread runs
    expected = np.gradient(f)
    pid = os.fork()
    if pid == 0:  # the child: compute, recycle, compute again, and report by exit code
        ok = True
        try:
            for _ in range(3):
                g = ndgrad.gradient(f)
                ok &= all(np.array_equal(a, b) for a, b in zip(g, expected))
                del g
        except BaseException:  # noqa: BLE001 - any failure is the child's exit code
            ok = False
        os._exit(0 if ok else 1)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, 9)
    pytest.fail("the forked child hung")


def test_bad_settings_name_the_argument():
    with pytest.raises(ValueError, match="limit must be a number of bytes"):
        configure_pool(-1)
    with pytest.raises(ValueError, match="limit must be a number of bytes"):
        configure_pool(True)
    for bad in (float("nan"), -1.0, float("inf"), 1e30):
        with pytest.raises(ValueError, match="idle_seconds must be"):
            configure_pool(idle_seconds=bad)
