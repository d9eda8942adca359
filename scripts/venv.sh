#!/usr/bin/env bash
# Creates (or refreshes) the project's Python environment in .venv and prints its python.
# Everything the tests and fixture scripts need comes from requirements-dev.txt, so a fresh
# machine with only Python 3 and Rust gets the same tools as a developer's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
stamp="$venv/.requirements-stamp"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
fi
if ! cmp -s "$root/requirements-dev.txt" "$stamp" 2>/dev/null; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$root/requirements-dev.txt" >&2
  cp "$root/requirements-dev.txt" "$stamp"
fi
echo "$venv/bin/python"
