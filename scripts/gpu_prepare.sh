#!/usr/bin/env bash
# Builds, on the CPU machine, everything scripts/gpu_check.sh needs on the GPU machine, which is
# offline and has no Rust (GPU.md section 8). Into ./dist (git-ignored):
#   ndgrad-*.whl   the abi3 wheel, release build (the GPU path is always compiled in)
#   device-test    the release binary of crates/ndgrad-cuda/tests/device.rs (harness = false)
#   pydeps/        pure-Python wheels the GPU pytest imports but the GPU machine may lack
#                  (tests/conftest.py imports hypothesis; the Dask test dask.array, which needs
#                  partd and locket); each installed there only if its module is missing
# Copy the checkout with dist/ to the GPU machine and run scripts/gpu_check.sh there.
#   --device-test-only   build only dist/device-test (gpu_check.sh's fallback where cargo exists)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dist="$root/dist"
mkdir -p "$dist"

if [ "${1:-}" != "--device-test-only" ]; then
  python=$("$root/scripts/venv.sh")
  rm -f "$dist"/ndgrad-*.whl
  # maturin audits the glibc symbols and tags the wheel accordingly (manylinux_2_34 from Debian 12),
  # and the device test needs the same glibc: gpu_check.sh prints the GPU machine's `ldd --version`;
  # if it is older, build with `--zig --compatibility manylinux_2_28` (GPU.md §8).
  (cd "$root/crates/ndgrad-py" && "$python" -m maturin build --release --out "$dist")
  # The GPU machine runs Python 3.12: fetch wheels for it, not for this venv's Python.
  "$python" -m pip download --quiet --disable-pip-version-check --only-binary=:all: \
    --python-version 3.12 --no-deps --dest "$dist/pydeps" hypothesis dask partd locket
fi

# The binary's name carries a hash, so take its path from cargo's JSON messages.
cd "$root"
exe=$(cargo test -p ndgrad-cuda --release --test device --no-run --message-format=json \
  | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "device" and m.get("executable"):
        print(m["executable"])')
[ -n "$exe" ] || { echo "gpu_prepare: cargo reported no device test executable" >&2; exit 1; }
cp "$exe" "$dist/device-test"
# Which source these were built from (read-only git queries; gpu_check.sh prints this file).
{ date -u; git rev-parse HEAD; git diff --name-only HEAD | sed 's/^/modified: /'; } > "$dist/BUILD_INFO" 2>&1 || true
ls -l "$dist"
