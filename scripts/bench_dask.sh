#!/usr/bin/env bash
# ndgrad.dask vs dask.array.gradient on a LocalCluster (see scripts/bench_dask.py).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=$("$root/scripts/venv.sh")
"$python" -m pip install --quiet --disable-pip-version-check "$root/crates/ndgrad-py"
"$python" "$root/scripts/bench_dask.py" "$@"
