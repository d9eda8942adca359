"""numpy.gradient vs ndgrad.gradient from Python, in one run, with the ratio.

Usage: scripts/bench_python.sh     (prints a table; timings are medians)
"""

import os
import platform
import statistics
import time

import numpy as np

import ndgrad


def median_time(fn, min_total=0.5, max_repeats=200_000):
    fn()
    runs, total = [], 0.0
    batch = 1
    # Batch tiny calls so timer resolution does not dominate.
    t = time.perf_counter()
    fn()
    if time.perf_counter() - t < 1e-4:
        batch = 1000
    while total < min_total and len(runs) * batch < max_repeats:
        t = time.perf_counter()
        for _ in range(batch):
            fn()
        dt = (time.perf_counter() - t) / batch
        runs.append(dt)
        total += dt * batch
        if len(runs) >= 7 and batch == 1 and total > min_total / 2:
            break
    return statistics.median(runs)


def fmt(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:9.2f} us"
    return f"{seconds * 1e3:9.1f} ms"


def main():
    rng = np.random.default_rng(0)
    cases = [
        ("100 elements f64", rng.standard_normal(100), {}),
        ("32x32 f64", rng.standard_normal((32, 32)), {}),
        ("4000x4000 f64", rng.standard_normal((4000, 4000)), {}),
        ("256^3 f64", rng.standard_normal((256, 256, 256)), {}),
    ]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; NumPy {np.__version__}, "
          f"ndgrad {ndgrad.__version__}; all axes, fresh outputs, median times")
    print(f"{'case':20}{'numpy':>14}{'ndgrad':>14}{'speed-up':>10}")
    for name, f, kw in cases:
        t_np = median_time(lambda: np.gradient(f, **kw))
        t_nd = median_time(lambda: ndgrad.gradient(f, **kw))
        print(f"{name:20}{fmt(t_np):>14}{fmt(t_nd):>14}{t_np / t_nd:9.2f}x")


if __name__ == "__main__":
    main()
