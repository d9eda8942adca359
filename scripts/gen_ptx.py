"""Compiles crates/ndgrad-cuda/kernels/grad.cu to grad.ptx with the pinned NVRTC (see scripts/gen_ptx.sh).

NVRTC 12.0 emits PTX ISA 8.0, which every driver >= r525 can JIT; a newer NVRTC would raise the ISA and lock out
older drivers, so the wheel's version is checked, not just the flags.
"""
import argparse
import ctypes
import difflib
import importlib.metadata
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNELS = os.path.join(ROOT, "crates", "ndgrad-cuda", "kernels")
WHEEL, VERSION = "nvidia-cuda-nvrtc-cu12", "12.0.140"
# NumPy-exactness depends on these: no FMA contraction, IEEE division and sqrt, no subnormal flushing.
FLAGS = [
    "--gpu-architecture=compute_75",
    "--fmad=false",
    "--prec-div=true",
    "--prec-sqrt=true",
    "--ftz=false",
    "--std=c++17",
]


def die(msg):
    sys.exit(f"gen_ptx: {msg}")


def load_nvrtc():
    try:
        dist = importlib.metadata.distribution(WHEEL)
    except importlib.metadata.PackageNotFoundError:
        die(f"{WHEEL}=={VERSION} is not installed in {sys.executable} (pip install -r requirements-dev.txt)")
    if dist.version != VERSION:
        die(f"{WHEEL} is {dist.version}, need {VERSION} (the PTX ISA version depends on it)")
    libs = {os.path.basename(str(f)): str(dist.locate_file(f)) for f in dist.files or []}
    builtins = next((p for n, p in libs.items() if n.startswith("libnvrtc-builtins.so")), None)
    nvrtc = libs.get("libnvrtc.so.12")
    if not builtins or not nvrtc:
        die(f"libnvrtc.so.12 / libnvrtc-builtins.so not found in the {WHEEL} wheel")
    # libnvrtc dlopens its builtins by soname; the wheel sets no rpath, so preload it globally.
    ctypes.CDLL(builtins, mode=ctypes.RTLD_GLOBAL)
    return ctypes.CDLL(nvrtc)


def compile_ptx(src_path, defines=()):
    lib = load_nvrtc()
    lib.nvrtcGetErrorString.restype = ctypes.c_char_p

    def call(name, *args):
        rc = getattr(lib, name)(*args)
        if rc != 0:
            raise RuntimeError(f"{name}: {lib.nvrtcGetErrorString(rc).decode()}")

    with open(src_path, "rb") as f:
        src = f.read()
    prog = ctypes.c_void_p()
    # The program name seeds the PTX's internal symbol names: the base name keeps them independent of the checkout.
    name = os.path.basename(src_path).encode()
    call("nvrtcCreateProgram", ctypes.byref(prog), src, name, 0, None, None)
    try:
        flags = FLAGS + [f"-D{d}" for d in defines]
        opts = (ctypes.c_char_p * len(flags))(*[f.encode() for f in flags])
        rc = lib.nvrtcCompileProgram(prog, len(flags), opts)
        size = ctypes.c_size_t()
        call("nvrtcGetProgramLogSize", prog, ctypes.byref(size))
        log = ctypes.create_string_buffer(size.value)
        call("nvrtcGetProgramLog", prog, log)
        log = log.value.decode(errors="replace").strip()
        if rc != 0:
            sys.stderr.write(log + "\n")
            die(f"NVRTC failed on {src_path}: {lib.nvrtcGetErrorString(rc).decode()}")
        if log:
            sys.stderr.write(log + "\n")
        call("nvrtcGetPTXSize", prog, ctypes.byref(size))
        ptx = ctypes.create_string_buffer(size.value)
        call("nvrtcGetPTX", prog, ptx)
    finally:
        call("nvrtcDestroyProgram", ctypes.byref(prog))
    return ptx.value  # drops the trailing NUL


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="fail if the committed PTX differs from a fresh build")
    ap.add_argument("--src", default=os.path.join(KERNELS, "grad.cu"))
    ap.add_argument("--out", default=os.path.join(KERNELS, "grad.ptx"))
    ap.add_argument("--define", action="append", default=[], metavar="NAME=VALUE",
                    help="override a tuning macro of grad.cu (NDG_MIN_BLOCKS) for a variant written to --out "
                    "(scripts/gpu_sweep.sh); the committed PTX uses the defaults in grad.cu")
    args = ap.parse_args()
    if args.define and (args.check or os.path.abspath(args.out) == os.path.join(KERNELS, "grad.ptx")):
        die("--define builds a variant: give it its own --out, never the committed grad.ptx")
    ptx = compile_ptx(args.src, args.define)
    if not args.check:
        with open(args.out, "wb") as f:
            f.write(ptx)
        print(f"gen_ptx: wrote {os.path.relpath(args.out, ROOT)} ({len(ptx)} bytes)")
        return
    try:
        with open(args.out, "rb") as f:
            committed = f.read()
    except FileNotFoundError:
        die(f"{args.out} is missing; run scripts/gen_ptx.sh")
    if ptx == committed:
        print(f"gen_ptx: {os.path.relpath(args.out, ROOT)} is up to date")
        return
    # Keep the fresh build for a full diff; the committed file is never touched in check mode.
    with tempfile.NamedTemporaryFile("wb", suffix=".ptx", prefix="grad-", delete=False) as tmp:
        tmp.write(ptx)
    a, b = committed.decode().splitlines(), ptx.decode().splitlines()
    diff = list(difflib.unified_diff(a, b, "committed", "regenerated", n=1, lineterm=""))
    sys.stderr.write("\n".join(diff[:40]) + ("\n..." if len(diff) > 40 else "") + "\n")
    die(
        f"{os.path.relpath(args.out, ROOT)} is stale ({len(a)} committed lines vs {len(b)} regenerated, "
        f"fresh build in {tmp.name}): run scripts/gen_ptx.sh and commit the result"
    )


if __name__ == "__main__":
    main()
