#!/usr/bin/env bash
# Builds and installs the Python package into .venv with a plain `pip install` (the way users
# install it), then runs the pytest suite against real NumPy (warnings are errors).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=$("$root/scripts/venv.sh")
"$python" -m pip install --quiet --disable-pip-version-check "$root/crates/ndgrad-py"
cd "$root/crates/ndgrad-py"
"$python" -m pytest -q "$@"
