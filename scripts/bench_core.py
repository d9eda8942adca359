"""Times ndgrad's core against NumPy and a memory-copy floor, in one run, and prints a table.

Usage: scripts/bench_core.sh [DIM ...]   (default 4000 4000, float64, all axes)
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def numpy_time(shape, repeats=7):
    idx = np.indices(shape, dtype=np.float64) if len(shape) > 1 else np.arange(shape[0], dtype=np.float64)[None]
    f = np.zeros(shape)
    for k in idx:
        f = f * 1.1 + np.sin(k)
    np.gradient(f)
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        np.gradient(f)
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def main():
    shape = [int(a) for a in sys.argv[1:]] or [4000, 4000]
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "ndgrad", "--example", "bench_core"],
                   cwd=ROOT, check=True)
    exe = ROOT / "target/release/examples/bench_core"
    rust = json.loads(subprocess.run([exe, *map(str, shape)], check=True, capture_output=True,
                                     text=True).stdout)
    npt = numpy_time(shape)
    gbs = lambda t: rust["bytes"] / t / 1e9  # noqa: E731
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"NumPy {np.__version__}, ndgrad threads {rust['threads']}")
    print(f"gradient of {'x'.join(map(str, shape))} float64, all axes "
          f"(traffic {rust['bytes'] / 1e6:.0f} MB: input once + each output once)")
    print(f"{'':28}{'time ms':>10}{'GB/s':>8}{'vs NumPy':>10}{'vs floor':>10}")
    rows = [("numpy.gradient", npt), ("ndgrad (fresh outputs)", rust["fresh"]),
            ("ndgrad serial (fresh)", rust["fresh_serial"]), ("ndgrad into preallocated", rust["into"]),
            ("copy floor (all threads)", rust["copy"])]
    for name, t in rows:
        print(f"{name:28}{t * 1e3:10.1f}{gbs(t):8.1f}{npt / t:9.2f}x{t / rust['copy']:9.2f}x")


if __name__ == "__main__":
    main()
