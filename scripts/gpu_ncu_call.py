"""One ndgrad.gradient call on a 512³ float64 CuPy array, for Nsight Compute (GPU.md §8, step 8).

scripts/gpu_check.sh runs it under
  ncu --csv --print-units base --clock-control none \
      --metrics dram__bytes_read.sum,dram__bytes_write.sum -k regex:^ndg_grad -c 1
and then `gpu_ncu_call.py --report <ncu output>`, which compares the DRAM bytes with the floor:
reads ≈ N·s (each input element once), writes ≈ d·N·s (each output once). More reads mean
re-reads (GPU.md §4: only then TMA or shared-memory tiles).
"""

import argparse
import csv
import sys

from gpu_common import cupy_or_reason, ndgrad_gpu, skip

SHAPE, ITEMSIZE = (512, 512, 512), 8


def call():
    cp, why = cupy_or_reason()
    if cp is None:
        skip(why)
    ndgrad = ndgrad_gpu()
    x = cp.random.random(SHAPE)
    cp.cuda.Device().synchronize()
    ndgrad.gradient(x)  # the one launch ncu profiles (the module loads on this first call)
    cp.cuda.Device().synchronize()
    print("SUMMARY: one ndgrad.gradient call, 512³ f64, 3 axes")


def report(path):
    """Reads ncu's CSV (other output mixed in) and prints the DRAM bytes against the floor."""
    with open(path, errors="replace") as f:
        lines = f.read().splitlines()
    if any(line.startswith("SKIP: ") for line in lines):
        skip("the profiled script skipped")
    rows = list(csv.reader(line for line in lines if line.startswith('"')))
    head = next((i for i, r in enumerate(rows) if "Metric Name" in r), None)
    if head is None:
        print("FAIL: no metrics in ncu's output (see the log: permissions? ERR_NVGPUCTRPERM?)")
        sys.exit(1)
    cols = rows[head]
    name, value, kernel = (cols.index(c) for c in ("Metric Name", "Metric Value", "Kernel Name"))
    got = {}
    for r in rows[head + 1:]:
        if len(r) == len(cols) and r[kernel].startswith("ndg_grad"):
            got[r[name]] = float(r[value].replace(",", ""))
    n_s = ITEMSIZE
    for n in SHAPE:
        n_s *= n
    want = {"dram__bytes_read.sum": n_s, "dram__bytes_write.sum": len(SHAPE) * n_s}
    if set(want) - set(got):
        print(f"FAIL: metrics missing from ncu's output: {sorted(set(want) - set(got))}")
        sys.exit(1)
    parts = []
    for k, w in want.items():
        what = k.split("__")[1].split(".")[0].replace("bytes_", "")  # read / write
        parts.append(f"{what} {got[k] / 1e9:.3f} GB = {got[k] / w:.3f}× floor")
    print("SUMMARY: DRAM " + ", ".join(parts))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--report", help="parse this ncu --csv output instead of running the call")
    args = p.parse_args()
    if args.report:
        report(args.report)
    else:
        call()


if __name__ == "__main__":
    main()
