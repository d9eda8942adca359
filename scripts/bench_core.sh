#!/usr/bin/env bash
# Times the core engine against NumPy and a copy floor (see scripts/bench_core.py).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=$("$root/scripts/venv.sh")
"$python" "$root/scripts/bench_core.py" "$@"
