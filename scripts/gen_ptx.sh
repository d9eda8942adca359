#!/usr/bin/env bash
# Regenerates crates/ndgrad-cuda/kernels/grad.ptx from grad.cu; `--check` only verifies the committed file.
# Run it after every kernel edit and commit both files: the crate ships the PTX (include_str!), so its users
# need no CUDA toolkit, and NVRTC comes pinned from requirements-dev.txt so that the output is reproducible.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# scripts/test.sh exports NDGRAD_PYTHON; otherwise create or refresh the project venv.
python=${NDGRAD_PYTHON:-$("$root/scripts/venv.sh")}
exec "$python" "$root/scripts/gen_ptx.py" "$@"
