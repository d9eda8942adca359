"""ndgrad.gradient against cupy.gradient and torch.gradient on one GPU (GPU.md §4 and §8, step 7).

Method: random data; three inputs per case, rotated, each larger than the L2 cache (except the
100-element cases, which measure per-call overhead); CUDA events on the current stream around
each call; the median of 50 after 5 warm-up calls (the first ndgrad call, which loads and JITs the
module, is timed apart). The floor is a device-to-device copy (cudaMemcpyAsync) of the same
inputs in the same run, because cards differ (H100 ≈ 3.0 TB/s, H200 ≈ 4.3). A gradient over d
axes of N elements of s bytes must move at least (1+d)·N·s bytes; its rate is that over its time.

Prints a markdown table for docs/PERFORMANCE.md and writes it to --out. Needs CuPy (torch is
optional); prints `SKIP: <reason>` and exits 0 without them or a GPU.
"""

import argparse
import datetime
import platform
import time
from pathlib import Path

from gpu_common import (cupy_events, cupy_or_reason, median_ms, ndgrad_gpu, need_numpy, skip,
                        torch_events, torch_or_reason)

# (label, shape, dtype, axis); axis None: all axes.
CASES = [
    ("512³ f64, 3 axes", (512, 512, 512), "float64", None),
    ("512³ f64, axis 0", (512, 512, 512), "float64", 0),
    ("512³ f64, axis 2", (512, 512, 512), "float64", 2),
    ("16384² f32, 2 axes", (16384, 16384), "float32", None),
    ("100 f64", (100,), "float64", None),
    ("100 f32", (100,), "float32", None),
]
REPS, WARMUP = 50, 5


def same_bits(cp, a, b):
    """NumPy's contract: equal bits, NaN by position (cupy.gradient follows NumPy's formulas;
    the random data here holds no NaN and makes no subnormals that CuPy's -ftz could flush)."""
    u = {2: cp.uint16, 4: cp.uint32, 8: cp.uint64}[a.dtype.itemsize]
    return bool(((a.view(u) == b.view(u)) | (cp.isnan(a) & cp.isnan(b))).all())


def as_tuple(r):
    return r if isinstance(r, (tuple, list)) else (r,)


def bench_case(cp, torch, ndgrad, label, shape, dtype, axis):
    inputs = [cp.random.random(shape, dtype=dtype) for _ in range(3)]
    n, s = inputs[0].size, inputs[0].itemsize
    d = len(shape) if axis is None else 1
    kw = {} if axis is None else {"axis": axis}
    cev = cupy_events(cp)
    row = {"case": label, "bytes": n * s, "floor_bytes": (1 + d) * n * s}

    dsts = [cp.empty_like(x) for x in inputs]
    row["copy"] = median_ms(cev, lambda i: dsts[i % 3].data.copy_from_device_async(
        inputs[i % 3].data, n * s), REPS, WARMUP)
    del dsts

    row["ndgrad"] = median_ms(cev, lambda i: ndgrad.gradient(inputs[i % 3], **kw), REPS, WARMUP)
    row["cupy"] = median_ms(cev, lambda i: cp.gradient(inputs[i % 3], **kw), REPS, WARMUP)
    row["same_as_cupy"] = all(same_bits(cp, a, b) for a, b in zip(
        as_tuple(ndgrad.gradient(inputs[0], **kw)), as_tuple(cp.gradient(inputs[0], **kw))))
    cp.get_default_memory_pool().free_all_blocks()
    if torch is not None:
        tin = [torch.from_dlpack(x) for x in inputs]  # zero-copy views of the same inputs
        tkw = {} if axis is None else {"dim": axis}
        tev = torch_events(torch)
        row["ndgrad_torch"] = median_ms(tev, lambda i: ndgrad.gradient(tin[i % 3], **kw),
                                        REPS, WARMUP)
        row["torch"] = median_ms(tev, lambda i: torch.gradient(tin[i % 3], **tkw), REPS, WARMUP)
        del tin
        torch.cuda.empty_cache()
    del inputs
    cp.get_default_memory_pool().free_all_blocks()
    return row


def copy_rate(r):
    """Bytes per second of the copy: it reads and writes N·s bytes."""
    return 2 * r["bytes"] / (r["copy"] * 1e-3)


def rate(r):
    """ndgrad's rate: (1+d)·N·s bytes over its time."""
    return r["floor_bytes"] / (r["ndgrad"] * 1e-3)


def table(rows):
    def ms(v):
        return "—" if v is None else (f"{v:.3f} ms" if v < 10 else f"{v:.1f} ms")

    def size(b):
        return f"{b / 1e9:.3g} GB" if b >= 1e8 else f"{b / 1e3:.3g} kB"

    def per_s(r):  # small arrays move kB: their "rate" is overhead, shown in GB/s
        return f"{r / 1e12:.2f} TB/s" if r >= 1e11 else f"{r / 1e9:.3g} GB/s"

    def ratio(a, b):
        return "—" if a is None or b is None else f"{a / b:.1f}×"

    out = ["| case | floor (1+d)·N·s | copy rate | at copy rate | ndgrad | ndgrad rate "
           "| of copy rate | cupy.gradient | speed-up | ndgrad (torch) | torch.gradient "
           "| speed-up | bits = cupy |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:-:|"]
    for r in rows:
        floor, c, g = r["floor_bytes"], copy_rate(r), rate(r)
        out.append(
            f"| {r['case']} | {size(floor)} | {per_s(c)} | "
            f"{ms(floor / c * 1e3)} | {ms(r['ndgrad'])} | {per_s(g)} | "
            f"{g / c:.0%} | {ms(r['cupy'])} | {ratio(r['cupy'], r['ndgrad'])} | "
            f"{ms(r.get('ndgrad_torch'))} | {ms(r.get('torch'))} | "
            f"{ratio(r.get('torch'), r.get('ndgrad_torch'))} | "
            f"{'yes' if r['same_as_cupy'] else 'NO'} |")
    return out


def header(cp, torch, ndgrad, np, first_call_ms):
    props = cp.cuda.runtime.getDeviceProperties(0)
    drv = cp.cuda.runtime.driverGetVersion()
    versions = f"CuPy {cp.__version__}, NumPy {np.__version__}"
    if torch is not None:
        versions += f", torch {torch.__version__}"
    return [
        f"GPU: {props['name'].decode()} ({props['totalGlobalMem'] / 2**30:.0f} GiB, "
        f"L2 {props['l2CacheSize'] / 2**20:.0f} MiB), "
        f"CUDA driver API {drv // 1000}.{drv % 1000 // 10}; "
        f"{versions}; ndgrad {getattr(ndgrad, '__version__', '?')}; {platform.node()}, "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC.",
        f"Median of {REPS} after {WARMUP} warm-up calls, CUDA events on the current stream, three "
        f"rotated random inputs; floor: cudaMemcpyAsync device to device of the same inputs. "
        f"First ndgrad call (module load + PTX JIT): {first_call_ms:.0f} ms.",
        "",
    ]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, help="also write the markdown here")
    p.add_argument("--quick", action="store_true", help="only the 100-element cases")
    args = p.parse_args()
    np = need_numpy()
    cp, why = cupy_or_reason()
    if cp is None:
        skip(why)
    torch, torch_why = torch_or_reason()
    if torch is None:
        print(f"torch columns left empty: {torch_why}")
    ndgrad = ndgrad_gpu()
    x = cp.random.random((4, 4))
    cp.cuda.Device().synchronize()
    t0 = time.perf_counter()
    ndgrad.gradient(x)
    cp.cuda.Device().synchronize()
    first_call_ms = (time.perf_counter() - t0) * 1e3
    rows = []
    for label, shape, dtype, axis in CASES:
        if args.quick and len(shape) > 1:
            continue
        t0 = time.perf_counter()
        rows.append(bench_case(cp, torch, ndgrad, label, shape, dtype, axis))
        print(f"{label}: done in {time.perf_counter() - t0:.1f} s", flush=True)
    lines = header(cp, torch, ndgrad, np, first_call_ms) + table(rows)
    text = "\n".join(lines) + "\n"
    print()
    print(text)
    if args.out is not None:
        args.out.write_text(text)
    big = [r for r in rows if r["bytes"] >= 1e9]
    worst = min(rate(r) / copy_rate(r) for r in big) if big else None
    speedup = min(r["cupy"] / r["ndgrad"] for r in big) if big else None
    bits = all(r["same_as_cupy"] for r in rows)
    print("SUMMARY: " + (f"≥1 GB cases: worst {worst:.0%} of copy rate (bar 85%), "
                         f"≥{speedup:.1f}× cupy.gradient (bar 3×); " if big else "") +
          ("bits equal cupy.gradient" if bits else "bits DIFFER from cupy.gradient"))


if __name__ == "__main__":
    main()
