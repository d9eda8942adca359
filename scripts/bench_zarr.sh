#!/usr/bin/env bash
# Zarr in, Zarr out: `ndgrad grad` (read whole, and streamed under --memory-limit) against
# the Python it replaces, np.gradient(zarr.open_array(...)[:]) written back with zarr, on
# one store, in one run (store in the page cache). Outputs are checked equal first.
# Usage: scripts/bench_zarr.sh [ROWS COLS [LIMIT]]
#        (default 10000 5000 256M: a 400 MB float64 array in 500 x 1000 chunks)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-10000}; cols=${2:-5000}; limit=${3:-256M}
python=$("$root/scripts/venv.sh")
cargo build --quiet --release -p ndgrad-cli --manifest-path "$root/Cargo.toml"
exe="$root/target/release/ndgrad"
work=$(mktemp -d "${TMPDIR:-/tmp}/ndgrad-zarr.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
"$python" - "$rows" "$cols" <<'PY'
import sys, numpy as np, zarr
rows, cols = int(sys.argv[1]), int(sys.argv[2])
a = zarr.create_array("field.zarr", shape=(rows, cols), chunks=(500, 1000), dtype="f8")
rng = np.random.default_rng(0)
x = np.linspace(0, 20, cols)
for i in range(0, rows, 1000):
    n = min(1000, rows - i)
    y = np.linspace(i, i + n, n, endpoint=False)[:, None] / 500
    a[i:i + n] = np.sin(x) * np.cos(y) + 0.01 * rng.standard_normal((n, cols))
PY
cat > numpy_zarr.py <<'PY'
import sys, numpy as np, zarr
src, dst = sys.argv[1], sys.argv[2]
a = zarr.open_array(src, mode="r")
g = np.gradient(a[:])
out = zarr.open_group(dst, mode="w", zarr_format=a.metadata.zarr_format)
for k, d in enumerate(g):
    out.create_array("axis%d" % k, data=d, chunks=a.chunks)
PY
echo "store: $rows x $cols float64, $(du -sm field.zarr | cut -f1) MB on disk ($((rows * cols * 8 / 1000000)) MB of data), chunks 500 x 1000; $(nproc) cores"
cat field.zarr/c/*/* > /dev/null   # into the page cache
timed() { # prints seconds and peak resident memory (MB) of a command
  local t0 t1 kb
  t0=$(date +%s.%N)
  kb=$( { /usr/bin/time -f "%M" "$@" > /dev/null; } 2>&1 | tail -1)
  t1=$(date +%s.%N)
  printf '%.2f %d' "$(echo "$t1 - $t0" | bc)" "$((kb / 1024))"
}
read -r t_py m_py <<< "$(timed "$python" numpy_zarr.py field.zarr py.zarr)"
read -r t_mem m_mem <<< "$(timed "$exe" grad field.zarr -o mem.zarr)"
read -r t_str m_str <<< "$(timed "$exe" grad field.zarr -o stream.zarr --memory-limit "$limit" --quiet)"
"$python" - <<'PY'
import numpy as np, zarr
for name in ["mem.zarr", "stream.zarr"]:
    for k in range(2):
        a, b = zarr.open_group(name)["axis%d" % k][:], zarr.open_group("py.zarr")["axis%d" % k][:]
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), (name, k)
print("outputs identical to numpy's, bit for bit")
PY
printf '%-58s %7.2f s  %6d MB peak\n' "python: np.gradient(zarr.open_array(...)[:]) + zarr write" "$t_py" "$m_py"
printf '%-58s %7.2f s  %6d MB peak  (%.2fx faster)\n' "ndgrad grad field.zarr -o mem.zarr" "$t_mem" "$m_mem" "$(echo "$t_py / $t_mem" | bc -l)"
printf '%-58s %7.2f s  %6d MB peak  (%.2fx faster)\n' "ndgrad grad ... --memory-limit $limit" "$t_str" "$m_str" "$(echo "$t_py / $t_str" | bc -l)"
