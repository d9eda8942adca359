#!/usr/bin/env bash
# Runs every test of the project: formatting and lints, the Rust suites (unit, golden
# fixtures from NumPy, properties, doc examples) and the Python suite against real NumPy.
# This is the README's test command, and what CI runs (.ci/run).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps -p ndgrad -p ndgrad-cuda
echo "== python environment (requirements-dev.txt)"
# The CLI's Zarr tests write their stores with the zarr package: they need it, not skip.
NDGRAD_PYTHON=$("$root/scripts/venv.sh")
export NDGRAD_PYTHON
echo "== cargo test"
# With NDGRAD_PYTHON set, the CUDA crate's PTX tests regenerate the PTX with NVRTC and run
# ptxas (both from requirements-dev.txt); the GPU tests print SKIP without a driver.
cargo test --workspace --quiet 2>&1 | grep -v '^$'
echo "== CUDA kernel source on the host under AddressSanitizer"
bash "$root/scripts/test_host_asan.sh" 2>&1 | grep -v '^$'
# Every suite runs, whatever the files' execute bits: a skipped suite must never look green.
echo "== python tests"
bash "$root/scripts/test_python.sh"
