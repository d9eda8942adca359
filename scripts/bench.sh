#!/usr/bin/env bash
# ndgrad's benchmark suite (see scripts/bench.py): installs the package into .venv, then
# times NumPy, ndgrad and the copy floor in one run and prints markdown tables.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=$("$root/scripts/venv.sh")
"$python" -m pip install --quiet --disable-pip-version-check "$root/crates/ndgrad-py"
"$python" "$root/scripts/bench.py" "$@"
