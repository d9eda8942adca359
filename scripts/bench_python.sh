#!/usr/bin/env bash
# Installs the package into .venv and times it against NumPy (scripts/bench_python.py).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=$("$root/scripts/venv.sh")
"$python" -m pip install --quiet --disable-pip-version-check "$root/crates/ndgrad-py"
"$python" "$root/scripts/bench_python.py" "$@"
