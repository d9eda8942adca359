#!/usr/bin/env bash
# Kernel tuning sweep: times variants of grad.cu's knobs (NDG_MIN_BLOCKS) and of the
# blocks per launch on a GPU, bit-equality checked, with
# crates/ndgrad-cuda/examples/kernel_sweep.rs. Two halves, as for gpu_check.sh:
#   scripts/gpu_sweep.sh prepare   CPU machine: the PTX variants (gzip) and the binary into dist/sweep
#   scripts/gpu_sweep.sh run       GPU machine (offline, no Rust): the table, also in $OUT/sweep.md
# The shipped grad.ptx runs as variant "shipped"; pick the best, set it as grad.cu's default,
# run scripts/gen_ptx.sh, and record the table in docs/PERFORMANCE.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
sweep="$root/dist/sweep"
# name: the -D defines of a variant (grad.cu's defaults for the rest)
# (The shipped kernel's NumPy-formula entries use 48-54 registers, 4-5 blocks per SM: a cap
# of 4 measured 20-25 % faster on the earlier 70-register build; these try more.)
VARIANTS=(
  "b6:NDG_MIN_BLOCKS=6"
  "b8:NDG_MIN_BLOCKS=8"
)

case "${1:-}" in
  prepare)
    python=${NDGRAD_PYTHON:-$("$root/scripts/venv.sh")}
    rm -rf "$sweep" && mkdir -p "$sweep"
    gzip -9c "$root/crates/ndgrad-cuda/kernels/grad.ptx" > "$sweep/shipped.ptx.gz"
    for v in "${VARIANTS[@]}"; do
      name=${v%%:*}
      args=()
      for d in ${v#*:}; do args+=(--define "$d"); done
      "$python" "$root/scripts/gen_ptx.py" "${args[@]}" --out "$sweep/$name.ptx" >/dev/null
      gzip -9 "$sweep/$name.ptx"
    done
    cargo build --release -q -p ndgrad-cuda --example kernel_sweep
    cp "$root/target/release/examples/kernel_sweep" "$sweep/kernel-sweep"
    du -sh "$sweep"
    ;;
  run)
    [ -x "$sweep/kernel-sweep" ] || chmod +x "$sweep/kernel-sweep" 2>/dev/null || {
      echo "gpu_sweep: no $sweep/kernel-sweep: run 'scripts/gpu_sweep.sh prepare' first" >&2; exit 1; }
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    files=()
    for gz in "$sweep"/*.ptx.gz; do
      name=$(basename "$gz" .gz)
      [ "$name" = shipped.ptx ] && continue
      gunzip -c "$gz" > "$tmp/$name"
      files+=("$tmp/$name")
    done
    # The shipped PTX first: every variant's bits are checked against it.
    gunzip -c "$sweep/shipped.ptx.gz" > "$tmp/shipped.ptx"
    files=("$tmp/shipped.ptx" "${files[@]}")
    nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,clocks.max.mem --format=csv,noheader || true
    out=${OUT:-$root}/sweep.md
    "$sweep/kernel-sweep" "${files[@]}" | tee "$out"
    ;;
  *)
    echo "usage: scripts/gpu_sweep.sh prepare|run" >&2
    exit 2
    ;;
esac
