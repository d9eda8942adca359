"""GPU division and f64 -> f16 rounding against NumPy, bit for bit (GPU.md §8, step 4).

Loads the shipped crates/ndgrad-cuda/kernels/grad.ptx (the bytes users get) with CuPy and runs its
element-wise test entry points ndg_test_div_f64, ndg_test_div_f32 (a/b) and ndg_test_f16_from_f64
(astype(float16)) over --n random inputs each, in batches, compared with NumPy (NaN by position:
payloads are not IEEE's business). Operands are random bit patterns, a quarter each:
  random    every bit random: the whole exponent range, NaN, Inf, subnormals
  tiny      quotients across the subnormal band (gradual underflow, rounding to 0 / min normal),
            half of the divisors powers of two, so exact midpoints occur there
  huge      quotients near overflow, divisors subnormal or tiny
  ordinary  exponents near 0 (mantissa rounding); for f16: near-ties at every bit position,
            which catch a double rounding (f64 -> f32 -> f16)
plus a block of special values (±0, ±Inf, NaN, extreme normals and subnormals) in every pairing.

Prints `SKIP: <reason>` and exits 0 without NumPy, CuPy or a GPU; exits 1 on any mismatch.
--selftest runs the same generation and comparison with NumPy standing in for the GPU (no GPU
needed), so CI exercises this script's own code.
"""

import argparse
import sys
import time
from pathlib import Path

from gpu_common import cupy_or_reason, need_numpy, skip

PTX = Path(__file__).resolve().parents[1] / "crates" / "ndgrad-cuda" / "kernels" / "grad.ptx"
# (storage bits, exponent bits, mantissa bits) of each float type.
LAYOUT = {"f64": (64, 11, 52), "f32": (32, 8, 23)}


def specials(np, kind):
    ft = np.float64 if kind == "f64" else np.float32
    fi = np.finfo(ft)
    v = [0.0, fi.smallest_subnormal, fi.smallest_normal - fi.smallest_subnormal, fi.smallest_normal,
         1.0, 1.5, 3.0, fi.max, np.inf, np.nan, 65504.0, 65520.0, 2.0**-24, 2.0**-25]
    v = np.array(v + [-x for x in v], dtype=ft)
    a, b = np.meshgrid(v, v, indexing="ij")
    return a.ravel(), b.ravel()


def with_exponent(np, bits, exp, ebits, mbits):
    """bits with the exponent field replaced by exp (same unsigned dtype)."""
    ut = bits.dtype.type
    field = ut(((1 << ebits) - 1) << mbits)
    return (bits & ~field) | (exp.astype(bits.dtype) << ut(mbits))


def operands(np, rng, n, kind, tie_f16=False):
    """n random (a, b) pairs of kind "f64" / "f32" with the four quarters described above."""
    width, ebits, mbits = LAYOUT[kind]
    ut = np.uint64 if width == 64 else np.uint32
    ft = np.float64 if width == 64 else np.float32
    bias = (1 << (ebits - 1)) - 1

    def raw(count):
        return rng.bit_generator.random_raw((count * width + 63) // 64).view(ut)[:count]

    a, b = raw(n), raw(n)
    q = n // 4
    # tiny: a tiny (subnormal too), quotient exponent t across [min subnormal - 4, min normal + 2].
    s = slice(q, 2 * q)
    ea = rng.integers(0, mbits + 8, q)
    t = rng.integers(-(bias + mbits + 4), -(bias - 3), q)
    a[s] = with_exponent(np, a[s], ea, ebits, mbits)
    b[s] = with_exponent(np, b[s], np.clip(ea - t, 0, 2 * bias), ebits, mbits)
    b[q:2 * q:2] &= ~ut((1 << mbits) - 1)  # powers of two: exact shifts, midpoints in subnormals
    # huge: b tiny (subnormal too), quotient exponent t near the largest finite one.
    s = slice(2 * q, 3 * q)
    eb = rng.integers(0, mbits + 8, q)
    t = rng.integers(bias - 4, bias + 2, q)
    b[s] = with_exponent(np, b[s], eb, ebits, mbits)
    a[s] = with_exponent(np, a[s], np.clip(eb + t, 0, 2 * bias), ebits, mbits)
    # ordinary: exponents near 0.
    s = slice(3 * q, n)
    a[s] = with_exponent(np, a[s], rng.integers(bias - 8, bias + 8, n - 3 * q), ebits, mbits)
    b[s] = with_exponent(np, b[s], rng.integers(bias - 8, bias + 8, n - 3 * q), ebits, mbits)
    if tie_f16:
        # f16 inputs: exponents across f16's range (2^-27 .. 2^17), then in the last quarter a
        # midpoint at a random bit position k, nudged by -1, 0 or +1 unit.
        s = slice(q, n)
        a[s] = with_exponent(np, a[s], rng.integers(bias - 27, bias + 17, n - q), ebits, mbits)
        k = rng.integers(1, mbits, n - 3 * q).astype(ut)
        one = ut(1)
        m = a[3 * q:]
        m = ((m >> k) << k) | (one << (k - one))
        nudge = rng.integers(-1, 2, n - 3 * q)
        m = np.where(nudge > 0, m + one, np.where(nudge < 0, m - one, m))
        a[3 * q:] = m
    return a.view(ft), b.view(ft)


def compare(np, got, ref, inputs, label, examples):
    """Mismatch count (NaN by position); the first few mismatches go to examples."""
    ut = {8: np.uint64, 4: np.uint32, 2: np.uint16}[ref.dtype.itemsize]
    bad = got.view(ut) != ref.view(ut)
    bad &= ~(np.isnan(got) & np.isnan(ref))
    count = int(bad.sum())
    for i in np.flatnonzero(bad)[: max(0, 5 - len(examples))]:
        hexes = [x[i:i + 1].view(ut if x.dtype == ref.dtype else np.uint64)[0] for x in inputs]
        ops = " ".join(f"{x[i]!r} ({h:#x})" for x, h in zip(inputs, hexes))
        examples.append(f"{label}: {ops} -> gpu {got[i]!r} ({got.view(ut)[i]:#x}), "
                        f"numpy {ref[i]!r} ({ref.view(ut)[i]:#x})")
    return count


def run(np, device, n, batch, seed):
    """Runs the three checks; device(name, *host_arrays) returns the GPU's result on the host."""
    rng = np.random.default_rng(seed)
    total_bad = 0
    results = []
    for name, kind in (("div_f64", "f64"), ("div_f32", "f32"), ("f16_from_f64", "f64")):
        t0 = time.perf_counter()
        bad = done = 0
        examples = []
        first = True
        while done < n:
            m = min(batch, n - done)
            a, b = operands(np, rng, m, kind, tie_f16=(name == "f16_from_f64"))
            if first:  # the specials block, once per check
                sa, sb = specials(np, kind)
                a, b = np.concatenate([sa, a]), np.concatenate([sb, b])
                first = False
            with np.errstate(all="ignore"):
                if name == "f16_from_f64":
                    ref, inputs = a.astype(np.float16), (a,)
                else:
                    ref, inputs = a / b, (a, b)
            got = device(name, *inputs)
            bad += compare(np, got, ref, inputs, name, examples)
            done += m
        total_bad += bad
        results.append(f"{name} {bad} mismatches")
        print(f"{name}: {done:,} inputs, {bad} mismatches ({time.perf_counter() - t0:.1f} s)")
        for e in examples:
            print("  " + e)
    return total_bad, results


def cupy_device(np, cp):
    mod = cp.RawModule(path=str(PTX))
    kernels = {name: mod.get_function("ndg_test_" + name)
               for name in ("div_f64", "div_f32", "f16_from_f64")}

    def device(name, *inputs):
        d_in = [cp.asarray(x) for x in inputs]
        out = cp.empty(inputs[0].shape, np.uint16 if name == "f16_from_f64" else inputs[0].dtype)
        n = out.size
        kernels[name](((n + 255) // 256,), (256,), (*d_in, out, np.int64(n)))
        host = cp.asnumpy(out)  # synchronizes the stream
        return host.view(np.float16) if name == "f16_from_f64" else host

    return device


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=float, default=1e8, help="inputs per check (default 1e8)")
    p.add_argument("--batch", type=float, default=1e7)
    p.add_argument("--seed", type=int, default=20240601)
    p.add_argument("--selftest", action="store_true", help="NumPy stands in for the GPU")
    args = p.parse_args()
    n, batch = int(args.n), int(args.batch)
    np = need_numpy()
    if args.selftest:
        def device(name, *inputs):
            with np.errstate(all="ignore"):
                return inputs[0].astype(np.float16) if len(inputs) == 1 else inputs[0] / inputs[1]
        label = "selftest (NumPy as the device)"
    else:
        cp, why = cupy_or_reason()
        if cp is None:
            skip(why)
        device = cupy_device(np, cp)
        label = cp.cuda.runtime.getDeviceProperties(0)["name"].decode()
    print(f"{label}: {PTX.name}, {n:,} inputs per check, NumPy {np.__version__}")
    bad, results = run(np, device, n, batch, args.seed)
    print(f"SUMMARY: {', '.join(results)}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
