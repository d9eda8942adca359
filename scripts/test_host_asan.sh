#!/usr/bin/env bash
# The CUDA kernel source's host emulation under AddressSanitizer: an off-by-one index or a
# launch that covers too much reads or writes outside the arrays here, where a GPU would do
# it silently. A separate job from scripts/test.sh (its own target dir, a slower build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# The Rust test binary is not instrumented: the C++ harness is, and ASan's runtime must be
# the first library loaded, hence the preload, given to the test binaries only (a runner),
# not to cargo and rustc.
asan=$(g++ -print-file-name=libasan.so)
NDGRAD_HOST_ASAN=1 CARGO_TARGET_DIR="$root/target/asan" \
  CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER="env LD_PRELOAD=$asan ASAN_OPTIONS=detect_leaks=0" \
  cargo test -p ndgrad-cuda-host --quiet "$@"
