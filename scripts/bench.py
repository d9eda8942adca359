"""ndgrad's benchmark suite: NumPy, ndgrad and the memory-copy floor, all in one run.

Usage: scripts/bench.sh [--quick] [--no-memory] [--only TEXT] [--schemes | --no-schemes]
       [--operators]

For each case it prints NumPy's median time, ndgrad's median time with fresh outputs and
with preallocated outputs (`out=`), the speed-up over NumPy, and the efficiency against the
floor: a multi-threaded pass that reads the input once and writes every output once, timed
in the same run, into preallocated arrays ("floor") and into freshly allocated ones ("fresh
floor", which adds the kernel's page faults and page zeroing that any new array costs). A second table reports the peak extra memory of one call (measured in a
fresh process: the peak resident set size during the call, VmHWM after a reset through
/proc/self/clear_refs, minus the resident size before it), against the outputs' size.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import ndgrad
from ndgrad import _native

RESULTS = Path(__file__).resolve().parent.parent / "bench-results"


def build(spec):
    """The input of a case, built without temporaries (so peak memory reflects the call)."""
    shape, dtype = tuple(spec["shape"]), np.dtype(spec["dtype"])
    f = np.empty(shape, dtype=dtype)
    rng = np.random.default_rng(0)
    flat = f.reshape(-1)
    step = 1 << 22
    for i in range(0, flat.size, step):
        flat[i:i + step] = rng.standard_normal(min(step, flat.size - i))
    layout = spec.get("layout", "C")
    if layout == "F":
        return f.T  # a Fortran-ordered view of the transposed shape
    if layout == "strided":
        return f[::2, ::2]
    return f


def arguments(spec, f):
    varargs = []
    if spec.get("coordinates") is not None:
        axis = spec["coordinates"]
        rng = np.random.default_rng(1)
        x = np.cumsum(rng.uniform(0.5, 1.5, f.shape[axis]))
        varargs = [1.0] * f.ndim
        varargs[axis] = x
    kwargs = {k: v for k, v in spec.items() if k in ("axis", "edge_order")}
    if isinstance(kwargs.get("axis"), list):
        kwargs["axis"] = tuple(kwargs["axis"])
    return varargs, kwargs


CASES = [
    {"name": "1-D 1e8 f64", "shape": [100_000_000], "dtype": "float64"},
    {"name": "2-D 8000x8000 f64", "shape": [8000, 8000], "dtype": "float64"},
    {"name": "2-D 8000x8000 f32", "shape": [8000, 8000], "dtype": "float32"},
    {"name": "3-D 400^3 f64", "shape": [400, 400, 400], "dtype": "float64"},
    {"name": "3-D 400^3 f64 axis=1", "shape": [400, 400, 400], "dtype": "float64", "axis": 1},
    {"name": "3-D 400^3 f64 axis=2", "shape": [400, 400, 400], "dtype": "float64", "axis": 2},
    {"name": "2-D 8000^2 f64 x-coords, edge 2", "shape": [8000, 8000], "dtype": "float64",
     "coordinates": 1, "edge_order": 2},
    {"name": "2-D 8000x8000 f64 Fortran order", "shape": [8000, 8000], "dtype": "float64",
     "layout": "F"},
    {"name": "2-D 4000x4000 f64 strided ([::2, ::2])", "shape": [8000, 8000],
     "dtype": "float64", "layout": "strided"},
]
QUICK_CASES = [
    {"name": "1-D 1e7 f64", "shape": [10_000_000], "dtype": "float64"},
    {"name": "2-D 2000x2000 f64", "shape": [2000, 2000], "dtype": "float64"},
    {"name": "3-D 160^3 f64", "shape": [160, 160, 160], "dtype": "float64"},
]
SMALL = [("100 elements f64", (100,)), ("32x32 f64", (32, 32))]


def median_time(fn, repeats):
    fn()
    runs = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return statistics.median(runs)


def per_call_time(fn, seconds=0.5):
    fn()
    best = []
    for _ in range(7):
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds / 7:
            for _ in range(100):
                fn()
            n += 100
        best.append((time.perf_counter() - t0) / n)
    return statistics.median(best)


def time_case(spec, repeats):
    f = build(spec)
    varargs, kwargs = arguments(spec, f)
    result = ndgrad.gradient(f, *varargs, **kwargs)
    outs = result if isinstance(result, tuple) else (result,)
    expected = np.gradient(f, *varargs, **kwargs)
    expected = expected if isinstance(expected, tuple) else (expected,)
    same = all(np.array_equal(a, b, equal_nan=True) for a, b in zip(outs, expected))
    del expected
    t_np = median_time(lambda: np.gradient(f, *varargs, **kwargs), max(3, repeats // 2))
    t_fresh = median_time(lambda: ndgrad.gradient(f, *varargs, **kwargs), repeats)
    t_out = median_time(lambda: ndgrad.gradient(f, *varargs, **kwargs, out=outs), repeats)
    dsts = [np.empty(f.shape, f.dtype) for _ in outs]
    src = np.ascontiguousarray(f)
    t_floor = median_time(lambda: _native.copy_floor(src, dsts), repeats)
    # The same copy into freshly allocated arrays: what the kernel's page faults and page
    # zeroing add to any function that returns new arrays.
    t_fresh_floor = median_time(
        lambda: _native.copy_floor(src, [np.empty(f.shape, f.dtype) for _ in outs]), repeats)
    traffic = f.nbytes * (1 + len(outs))
    return {"name": spec["name"], "numpy": t_np, "fresh": t_fresh, "out": t_out,
            "floor": t_floor, "fresh_floor": t_fresh_floor, "traffic": traffic,
            "identical": same}


MEMORY_CHILD = r"""
import json, sys
import numpy as np

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024


sys.path.insert(0, sys.argv[3])
import bench
spec = json.loads(sys.argv[1]); impl = sys.argv[2]
f = bench.build(spec)
varargs, kwargs = bench.arguments(spec, f)
if impl == "ndgrad":
    import ndgrad
    fn = ndgrad.gradient
else:
    fn = np.gradient
fn(np.ones((64, 64)))  # load everything lazy (modules, thread pools) before measuring
with open("/proc/self/clear_refs", "w") as c:
    c.write("5")  # reset the peak resident set size (VmHWM) to the current one
before = status("VmRSS")
result = fn(f, *varargs, **kwargs)
after = status("VmHWM")
outs = result if isinstance(result, tuple) else (result,)
print(json.dumps({"extra": after - before, "outputs": sum(o.nbytes for o in outs)}))
"""


def memory_case(spec):
    row = {"name": spec["name"]}
    for impl in ("numpy", "ndgrad"):
        out = subprocess.run([sys.executable, "-c", MEMORY_CHILD, json.dumps(spec), impl,
                              str(Path(__file__).parent)], check=True, capture_output=True, text=True)
        row[impl] = json.loads(out.stdout)
    return row


def schemes_table(n, repeats, emit):
    """accuracy=, deriv= and boundary= against ndgrad's own NumPy path and findiff, one run.

    The engine's cost is timed into preallocated outputs (`out=`), so fresh-page effects do
    not blur the ratio between schemes; the comparison with findiff (which allocates its
    results) uses ndgrad with fresh outputs too."""
    try:
        import findiff
    except ImportError:
        emit("(findiff is not installed: schemes table skipped)")
        return
    f = build({"shape": [n, n], "dtype": "float64"})
    h = 0.01
    x = np.cumsum(np.random.default_rng(1).uniform(0.5, 1.5, n))
    outs = (np.empty_like(f), np.empty_like(f))
    for _ in range(3):
        # The allocator settles how it serves arrays this size after the first few.
        ndgrad.gradient(f)
    t = lambda fn: median_time(fn, repeats)  # noqa: E731
    ms = lambda v: f"{v * 1e3:.1f} ms"  # noqa: E731

    def fd(axis, grid, p, periodic=False):
        if periodic:
            return findiff.Diff(axis, grid, acc=p, periodic=True)
        return findiff.Diff(axis, grid, acc=p)

    emit()
    emit(f"Schemes beyond NumPy, {n}x{n} float64 (`--schemes`), all in this run: the scheme "
         "against ndgrad's NumPy path on the same axes (both into preallocated outputs), and "
         "against findiff 0.16 (both returning fresh arrays):")
    emit()
    emit("| case | np.gradient | ndgrad NumPy path `out=` | ndgrad `out=` | vs NumPy path "
         "| ndgrad fresh | findiff | findiff / ndgrad |")
    emit("|---|---:|---:|---:|---:|---:|---:|---:|")

    def row(name, numpy_call, base_kwargs, kwargs, theirs, args=(h,), n_out=2):
        out = outs[0] if n_out == 1 else outs
        base = t(lambda: ndgrad.gradient(f, *args, **base_kwargs, out=out))
        ours = t(lambda: ndgrad.gradient(f, *args, **kwargs, out=out))
        fresh = t(lambda: ndgrad.gradient(f, *args, **kwargs))
        peer = t(theirs)
        emit(f"| {name} | {ms(t(numpy_call))} | {ms(base)} | {ms(ours)} | {ours / base:.2f}x "
             f"| {ms(fresh)} | {ms(peer)} | {peer / fresh:.1f}x |")

    both = lambda: np.gradient(f, h)  # noqa: E731
    for p in (4, 8):
        d0, d1 = fd(0, h, p), fd(1, h, p)
        row(f"accuracy {p}, both axes", both, {}, {"accuracy": p}, lambda: (d0(f), d1(f)))
    d1 = fd(1, x, 4)
    row("coordinates, accuracy 4, axis 1", lambda: np.gradient(f, x, axis=1), {"axis": 1},
        {"axis": 1, "accuracy": 4}, lambda: d1(f), args=(x,), n_out=1)
    d0, d1 = fd(0, h, 2, True), fd(1, h, 2, True)
    row("periodic, both axes (vs one-sided edge_order=2)", both, {"edge_order": 2},
        {"boundary": "periodic"}, lambda: (d0(f), d1(f)))
    d0, d1 = fd(0, h, 2) ** 2, fd(1, h, 2) ** 2
    row("deriv 2, both axes", both, {}, {"deriv": 2}, lambda: (d0(f), d1(f)))


def operators_table(n, repeats, emit):
    """magnitude, laplacian, divergence and curl against the ways users compute them today."""
    f = build({"shape": [n, n], "dtype": "float64"})
    u, v = f, f.T.copy()
    for _ in range(3):
        ndgrad.magnitude(f)  # let the allocator settle on arrays this size
    t = lambda fn: median_time(fn, repeats)  # noqa: E731
    ms = lambda x: f"{x * 1e3:.1f} ms"  # noqa: E731

    def numpy_magnitude():
        gy, gx = np.gradient(f)
        return np.sqrt(gx ** 2 + gy ** 2)

    def ndgrad_then_numpy():
        gy, gx = ndgrad.gradient(f)
        return np.sqrt(gx ** 2 + gy ** 2)

    rows = [("magnitude", numpy_magnitude, "np.gradient + np.sqrt(gx**2 + gy**2)",
             lambda: ndgrad.magnitude(f)),
            ("magnitude", ndgrad_then_numpy, "ndgrad.gradient + np.sqrt(...)",
             lambda: ndgrad.magnitude(f)),
            ("divergence", lambda: np.gradient(u, axis=0) + np.gradient(v, axis=1),
             "np.gradient per component, summed", lambda: ndgrad.divergence((u, v))),
            ("curl", lambda: np.gradient(v, axis=0) - np.gradient(u, axis=1),
             "np.gradient per component, subtracted", lambda: ndgrad.curl((u, v)))]
    try:
        from scipy import ndimage
        from scipy.signal import savgol_filter
        rows.append(("laplacian", lambda: ndimage.laplace(f), "scipy.ndimage.laplace",
                     lambda: ndgrad.laplacian(f, boundary="reflect")))
        for a in (0, 1):
            rows.append((f"Savitzky-Golay W=11 d=3 deriv 1, axis {a}",
                         lambda a=a: savgol_filter(f, 11, 3, deriv=1, delta=0.01, axis=a),
                         "scipy.signal.savgol_filter",
                         lambda a=a: ndgrad.gradient(f, 0.01, axis=a, window_length=11,
                                                     polyorder=3)))
    except ImportError:
        pass
    emit()
    emit(f"Operators, {n}x{n} float64 (`--operators`), fresh outputs, all in this run:")
    emit()
    emit("| operator | peer | peer time | ndgrad | speed-up |")
    emit("|---|---|---:|---:|---:|")
    for name, peer, label, ours in rows:
        tp, to = t(peer), t(ours)
        emit(f"| {name} | {label} | {ms(tp)} | {ms(to)} | {tp / to:.1f}x |")


def pool_table(repeats, emit):
    """Repeated calls returning fresh arrays, each result dropped before the next call (a
    loop over time steps): the output pool against the same call with the pool off (every
    call pays for fresh pages, as a single cold call does) and against `out=`."""
    from ndgrad._pool import configure_pool

    emit()
    emit("Repeated calls returning fresh arrays (`--pool`), f64, all axes, all in this run:")
    emit()
    emit("| case | NumPy | ndgrad, pool off (cold) | speed-up | ndgrad, pool on | speed-up "
         "| ndgrad `out=` | speed-up | first call, pool on but empty |")
    emit("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    ms = lambda v: f"{v * 1e3:.1f} ms"  # noqa: E731
    for name, shape in (("1-D 3e7", (30_000_000,)), ("2-D 4000x4000", (4000, 4000)),
                        ("3-D 256^3", (256, 256, 256))):
        f = build({"shape": list(shape), "dtype": "float64"})
        t_np = median_time(lambda: np.gradient(f), max(3, repeats // 2))
        assert configure_pool(0)
        cold = median_time(lambda: ndgrad.gradient(f), repeats)
        assert configure_pool(4 << 30)
        warm = median_time(lambda: ndgrad.gradient(f), repeats)
        result = ndgrad.gradient(f)
        outs = result if isinstance(result, tuple) else (result,)
        into = median_time(lambda: ndgrad.gradient(f, out=outs), repeats)
        del result, outs
        first = statistics.median(first_call(f) for _ in range(repeats))
        emit(f"| {name} | {ms(t_np)} | {ms(cold)} | {t_np / cold:.2f}x | {ms(warm)} "
             f"| {t_np / warm:.2f}x | {ms(into)} | {t_np / into:.2f}x "
             f"| {ms(first)} ({first / cold:.2f}x pool off) |")
    configure_pool(1 << 30)


def first_call(f):
    """One call with the pool switched on but emptied first: what a program's first call
    pays, to be no slower than with the pool off. (Emptying is not timed; NumPy frees the
    result before the next call empties the pool again.)"""
    from ndgrad._pool import configure_pool

    assert configure_pool(0) and configure_pool(4 << 30)
    t = time.perf_counter()
    ndgrad.gradient(f)
    return time.perf_counter() - t


def nan_table(n, repeats, emit):
    """nan_policy: its cost on NaN-free data (one scan) against the default path, and on
    gappy data against the workaround users write today (np.gradient of the valid samples,
    lane by lane, scattered back)."""
    rng = np.random.default_rng(7)
    f = build({"shape": [n, n], "dtype": "float64"})
    outs = (np.empty_like(f), np.empty_like(f))
    for _ in range(3):
        ndgrad.gradient(f)
    t = lambda fn: median_time(fn, repeats)  # noqa: E731
    ms = lambda v: f"{v * 1e3:.1f} ms"  # noqa: E731
    emit()
    emit(f"NaN policies, {n}x{n} float64 (`--nan`), all axes, all in this run. NaN-free data "
         "(the policy costs one scan of the input):")
    emit()
    emit("| policy | fresh | vs propagate | `out=` | vs propagate |")
    emit("|---|---:|---:|---:|---:|")
    base = t(lambda: ndgrad.gradient(f))
    base_out = t(lambda: ndgrad.gradient(f, out=outs))
    for policy in ("propagate", "omit", "split", "raise"):
        fresh = t(lambda: ndgrad.gradient(f, nan_policy=policy))
        into = t(lambda: ndgrad.gradient(f, nan_policy=policy, out=outs))
        emit(f"| {policy} | {ms(fresh)} | {fresh / base:.2f}x | {ms(into)} "
             f"| {into / base_out:.2f}x |")

    gappy = f.copy()
    gappy[rng.random(f.shape) < 0.001] = np.nan

    def numpy_omit_lanes():
        # What users write today: per lane, np.gradient of the valid samples at their
        # positions, scattered back (edge order 1 needs 2 valid samples).
        result = []
        for axis in (0, 1):
            g = np.full_like(gappy, np.nan)
            a, out = np.moveaxis(gappy, axis, -1), np.moveaxis(g, axis, -1)
            for i in range(a.shape[0]):
                lane = a[i]
                valid = np.flatnonzero(~np.isnan(lane))
                out[i, valid] = np.gradient(lane[valid], valid.astype(float))
            result.append(g)
        return result

    emit()
    emit("With NaN at 0.1 % of the samples (random): every lane of both axes holds some.")
    emit()
    emit("| call | time | vs ndgrad |")
    emit("|---|---:|---:|")
    omit = t(lambda: ndgrad.gradient(gappy, nan_policy="omit"))
    split = t(lambda: ndgrad.gradient(gappy, nan_policy="split"))
    loop = t(numpy_omit_lanes)
    emit(f"| ndgrad nan_policy=\"omit\" | {ms(omit)} | 1.00x |")
    emit(f"| ndgrad nan_policy=\"split\" | {ms(split)} | {split / omit:.2f}x |")
    emit(f"| np.gradient per lane on the valid samples (Python loop) | {ms(loop)} "
         f"| {loop / omit:.1f}x |")
    emit(f"| ndgrad propagate (NaN spreads; for scale) | {ms(base)} | {base / omit:.2f}x |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="smaller arrays, fewer repeats")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory table")
    parser.add_argument("--only", help="run only the cases whose name contains this text")
    parser.add_argument("--schemes", action="store_true",
                        help="only the table of accuracy/deriv/boundary against findiff")
    parser.add_argument("--operators", action="store_true",
                        help="only the table of magnitude/divergence/laplacian/curl")
    parser.add_argument("--pool", action="store_true",
                        help="only the table of repeated calls with and without the pool")
    parser.add_argument("--nan", action="store_true",
                        help="only the table of nan_policy costs")
    parser.add_argument("--no-schemes", action="store_true",
                        help="skip that table (for comparing with builds that lack it)")
    args = parser.parse_args()
    cases = QUICK_CASES if args.quick else CASES
    if args.only:
        cases = [c for c in cases if args.only in c["name"]]
    repeats = 3 if args.quick else 7

    lines = []

    def emit(line=""):
        print(line, flush=True)
        lines.append(line)

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    emit(f"Machine: {platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB; Python "
         f"{platform.python_version()}, NumPy {np.__version__}, ndgrad {ndgrad.__version__}")
    emit()
    if args.operators:
        operators_table(1000 if args.quick else 2000, repeats, emit)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "operators.md").write_text("\n".join(lines) + "\n")
        return
    if args.pool:
        pool_table(repeats, emit)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "pool.md").write_text("\n".join(lines) + "\n")
        return
    if args.nan:
        nan_table(1000 if args.quick else 2000, repeats, emit)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "nan.md").write_text("\n".join(lines) + "\n")
        return
    if args.schemes:
        schemes_table(1000 if args.quick else 2000, repeats, emit)
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "schemes.md").write_text("\n".join(lines) + "\n")
        return
    emit("| case | NumPy | ndgrad | speed-up | ndgrad `out=` | speed-up | floor | floor GB/s "
         "| `out=` / floor | fresh floor | fresh / fresh floor | bits equal |")
    emit("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:-:|")
    for spec in cases:
        r = time_case(spec, repeats)
        ms = lambda t: f"{t * 1e3:.1f} ms"  # noqa: E731
        emit(f"| {r['name']} | {ms(r['numpy'])} | {ms(r['fresh'])} | {r['numpy'] / r['fresh']:.2f}x "
             f"| {ms(r['out'])} | {r['numpy'] / r['out']:.2f}x | {ms(r['floor'])} "
             f"| {r['traffic'] / r['floor'] / 1e9:.1f} | {r['out'] / r['floor']:.2f}x "
             f"| {ms(r['fresh_floor'])} | {r['fresh'] / r['fresh_floor']:.2f}x "
             f"| {'yes' if r['identical'] else 'NO'} |")
    for name, shape in SMALL:
        f = np.random.default_rng(0).standard_normal(shape)
        t_np = per_call_time(lambda: np.gradient(f))
        t_nd = per_call_time(lambda: ndgrad.gradient(f))
        emit(f"| {name} (per call) | {t_np * 1e6:.2f} us | {t_nd * 1e6:.2f} us "
             f"| {t_np / t_nd:.2f}x | | | | | | | | |")
    if not args.no_schemes:
        schemes_table(1000 if args.quick else 2000, repeats, emit)
    if not args.no_memory:
        emit()
        emit("| case | outputs | NumPy peak extra | ndgrad peak extra | ndgrad over outputs |")
        emit("|---|---:|---:|---:|---:|")
        for spec in cases:
            r = memory_case(spec)
            out_mb = r["ndgrad"]["outputs"] / 2 ** 20
            emit(f"| {r['name']} | {out_mb:.0f} MiB | {r['numpy']['extra'] / 2 ** 20:.0f} MiB "
                 f"| {r['ndgrad']['extra'] / 2 ** 20:.0f} MiB "
                 f"| {100 * (r['ndgrad']['extra'] / r['ndgrad']['outputs'] - 1):+.1f}% |")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / ("quick.md" if args.quick else "latest.md")).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
