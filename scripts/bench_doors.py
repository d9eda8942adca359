"""Speed through ndgrad's two doors for other libraries, in one run: xarray's
``differentiate`` against the ``.ndgrad`` accessor, and scikit-image functions that call
``np.gradient``, unpatched against inside ``ndgrad.patched_numpy()``. Every pair is checked
bit for bit before it is timed. Prints a markdown table (median of repeats).

Usage: .venv/bin/python scripts/bench_doors.py [--repeat N] [--size N]
(install the package first: pip install crates/ndgrad-py)
"""

import argparse
import os
import platform
import statistics
import time

import numpy as np
import skimage
import skimage.feature
import skimage.segmentation
import xarray as xr

import ndgrad
import ndgrad.xarray  # noqa: F401 - the accessor


def median_ms(fn, repeat):
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def same(a, b):
    if isinstance(a, (list, tuple)):
        return all(same(x, y) for x, y in zip(a, b))
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.tobytes() == b.tobytes()


def values(obj):
    if isinstance(obj, xr.DataArray):
        return [obj.values]
    return [v.values for v in obj.data_vars.values()]


def field(n):
    rng = np.random.default_rng(0)
    lat = np.linspace(-60.0, 60.0, n)
    lon = np.arange(n) * (360.0 / n)
    t = xr.DataArray(rng.standard_normal((n, n)), dims=("lat", "lon"), name="t",
                     coords={"lat": lat, "lon": ("lon", lon, {"period": 360.0})})
    return xr.Dataset({"t": t, "u": t * 0.5, "v": t * 2.0})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--size", type=int, default=2000)
    args = parser.parse_args()
    n, rows = args.size, []

    ds = field(n)
    for what, obj, coord in [(f"DataArray {n}x{n} f64 .differentiate('lon')", ds.t, "lon"),
                             (f"DataArray {n}x{n} f64 .differentiate('lat')", ds.t, "lat"),
                             (f"Dataset, 3 variables {n}x{n} f64 .differentiate('lat')", ds,
                              "lat")]:
        def xarray_way(obj=obj, coord=coord):
            return obj.differentiate(coord)

        def accessor_way(obj=obj, coord=coord):
            return obj.ndgrad.differentiate(coord)

        assert xarray_way().identical(accessor_way())
        assert same(values(xarray_way()), values(accessor_way()))
        rows.append(("xarray", what, "`xr` differentiate", median_ms(xarray_way, args.repeat),
                     "`.ndgrad.differentiate`", median_ms(accessor_way, args.repeat)))

    image = np.random.default_rng(1).random((n, n))
    for what, fn in [
        (f"hessian_matrix({n}x{n} f64, sigma=1, use_gaussian_derivatives=False)",
         lambda: skimage.feature.hessian_matrix(image, sigma=1,
                                                use_gaussian_derivatives=False)),
        (f"multiscale_basic_features({n}x{n} f64, edges/intensity off, texture on)",
         lambda: skimage.feature.multiscale_basic_features(
             image, intensity=False, edges=False, texture=True, sigma_min=1, sigma_max=4,
             num_sigma=3, workers=1)),
    ]:
        plain = fn()
        with ndgrad.patched_numpy():
            patched = fn()
            assert same(plain, patched)
            t_patched = median_ms(fn, args.repeat)
        t_plain = median_ms(fn, args.repeat)
        rows.append(("scikit-image", what, "unpatched", t_plain, "`patched_numpy()`", t_patched))

    print(f"Machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores; "
          f"Python {platform.python_version()}, NumPy {np.__version__}, xarray "
          f"{xr.__version__}, scikit-image {skimage.__version__}, ndgrad {ndgrad.__version__}; "
          f"median of {args.repeat}, results identical bit for bit\n")
    print("| door | call | before | time | with ndgrad | time | speed-up |")
    print("|---|---|---|---:|---|---:|---:|")
    for door, what, a, ta, b, tb in rows:
        print(f"| {door} | {what} | {a} | {ta:.1f} ms | {b} | {tb:.1f} ms | {ta / tb:.1f}x |")


if __name__ == "__main__":
    main()
