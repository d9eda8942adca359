#!/usr/bin/env bash
# Regenerates the golden fixtures from NumPy itself (see scripts/gen_fixtures.py).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=$("$root/scripts/venv.sh")
"$python" "$root/scripts/gen_fixtures.py"
