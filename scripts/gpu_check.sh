#!/usr/bin/env bash
# The first GPU run as one command (docs: /work/shared/GPU.md §8). Run it from a copy of the checkout
# that holds dist/ from scripts/gpu_prepare.sh: the GPU machine is offline and has no Rust.
#
# Every step runs under `timeout` inside one overall budget (default 540 s, below the 10 minutes a
# session gets) and is recorded PASS / FAIL / SKIP with a reason; a failing step never stops the
# others. Cheap steps first; the sanitizers, whose run time is the least predictable, run last so
# that the timings and ncu numbers the docs need come out even if time runs short. Logs go to $OUT
# if set, else ./gpu_check_logs: one log per step, all of them in gpu_check.log, the timing table
# in gpu_bench.md and the summary in summary.md (rewritten after every step, so a run cut short
# still leaves one). The summary table is printed last. Without a GPU every step prints SKIP.
#
# Environment: NDGRAD_PYTHON (default: .venv/bin/python if present, else python3), NDGRAD_WHEELS
# (./dist), NDGRAD_DEVICE_TEST (./dist/device-test), NDGRAD_CHECK_BUDGET (seconds, 540).
set -uo pipefail  # no -e: a failing step is recorded, never fatal
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
LOG=${OUT:-$root/gpu_check_logs}
mkdir -p "$LOG"
rm -f "$LOG"/gpu_check.log "$LOG"/summary.md "$LOG"/gpu_bench.md
if [ -n "${NDGRAD_PYTHON:-}" ]; then PY=$NDGRAD_PYTHON
elif [ -x "$root/.venv/bin/python" ]; then PY=$root/.venv/bin/python  # a developer's machine
else PY=$(command -v python3 || command -v python || echo python3); fi
WHEELS=${NDGRAD_WHEELS:-$root/dist}
DEVICE_TEST=${NDGRAD_DEVICE_TEST:-$root/dist/device-test}
BUDGET=${NDGRAD_CHECK_BUDGET:-540}
# A copy may lose the executable bit.
[ -f "$DEVICE_TEST" ] && [ ! -x "$DEVICE_TEST" ] && chmod +x "$DEVICE_TEST"
# The wheel goes into a private folder on PYTHONPATH: the machine's Python stays untouched (and
# may be externally managed), and no older ndgrad can shadow it.
SITE=$(mktemp -d)
trap 'rm -rf "$SITE"' EXIT
export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"

find_tool() {  # CUDA tools are often installed off PATH
  command -v "$1" 2>/dev/null && return 0
  local f
  for f in /usr/local/cuda/bin/"$1" /usr/local/cuda-*/bin/"$1" /usr/local/cuda/compute-sanitizer/"$1" \
           /opt/nvidia/nsight-compute/*/"$1"; do
    [ -x "$f" ] && { echo "$f"; return 0; }
  done
  return 1
}
NCU=$(find_tool ncu || true)
SANITIZER=$(find_tool compute-sanitizer || true)
export root PY WHEELS DEVICE_TEST SITE LOG NCU SANITIZER

# ---- steps: each runs as `bash -c <function>` under timeout; stdout+stderr go to its log --------

s_info() {  # (1) card, driver, glibc (what dist/ was built against must be <= it) and torch's DLPack C API
  date -u; uname -srm; echo "python: $PY"; ldd --version | head -1
  [ -f "$WHEELS/BUILD_INFO" ] && { echo "dist/ built:"; cat "$WHEELS/BUILD_INFO"; }
  echo "ncu: ${NCU:-not found}; compute-sanitizer: ${SANITIZER:-not found}"
  "$PY" -c '
import importlib, sys
print("python", sys.version.split()[0])
for m in ("numpy", "cupy", "torch", "pytest", "hypothesis", "ndgrad"):
    try:
        mod = importlib.import_module(m)
        print(m, getattr(mod, "__version__", "?"), getattr(mod, "__file__", ""))
    except Exception as e:
        print(m, "not importable:", type(e).__name__, e)'
  local dl glibc gpu
  dl=$("$PY" -c 'import torch; print("yes" if hasattr(torch.Tensor, "__dlpack_c_exchange_api__") else "no")' 2>/dev/null || echo "n/a (no torch)")
  glibc=$(ldd --version | head -1 | awk '{print $NF}')
  if ! command -v nvidia-smi >/dev/null; then
    echo "SKIP: no NVIDIA GPU (nvidia-smi not found); glibc $glibc; torch __dlpack_c_exchange_api__: $dl"
  elif gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1); then
    nvidia-smi
    echo "SUMMARY: ${gpu//$'\n'/; }; glibc $glibc; torch __dlpack_c_exchange_api__: $dl"
  else
    echo "SKIP: no NVIDIA GPU (nvidia-smi: ${gpu:0:60}); glibc $glibc; torch __dlpack_c_exchange_api__: $dl"
  fi
}

s_install() {  # (2a) the prebuilt wheel, offline, plus the test dependencies in dist/pydeps that are missing
  local wheel pip=("$PY" -m pip install --no-index --no-deps --disable-pip-version-check --target "$SITE")
  wheel=$(ls -t "$WHEELS"/ndgrad-*.whl 2>/dev/null | head -1)
  if [ -z "$wheel" ]; then
    echo "SKIP: no ndgrad wheel in $WHEELS (run scripts/gpu_prepare.sh on the CPU machine); using the installed ndgrad"
  else
    "${pip[@]}" "$wheel" || return 1
  fi
  local dep mod  # pure-Python test dependencies: each wheel only where its module is missing
  for dep in "$WHEELS"/pydeps/*.whl; do
    [ -f "$dep" ] || continue
    mod=$(basename "$dep" | cut -d- -f1 | tr 'A-Z' 'a-z')
    "$PY" -c "import $mod" 2>/dev/null && continue
    "${pip[@]}" "$dep" || echo "warning: $mod is missing and $dep did not install"
  done
  "$PY" -c '
import ndgrad, ndgrad._native as n
gpu = hasattr(n, "cuda_launch")
print("SUMMARY: ndgrad", getattr(ndgrad, "__version__", "?"), "from", ndgrad.__file__, "GPU path:", "yes" if gpu else "NO")
raise SystemExit(0 if gpu else 1)'
}

s_device() {  # (2b) tests/device.rs, prebuilt; built here only where cargo exists and no path was given
  if [ ! -x "$DEVICE_TEST" ] && [ -z "${NDGRAD_DEVICE_TEST:-}" ] && command -v cargo >/dev/null; then
    "$root/scripts/gpu_prepare.sh" --device-test-only || return 1
  fi
  [ -x "$DEVICE_TEST" ] || { echo "SKIP: no device test binary at $DEVICE_TEST and no cargo"; return 0; }
  "$DEVICE_TEST"
}

s_pytest() {  # (3) CuPy and torch against numpy.gradient, bit for bit
  local out rc last
  out=$("$PY" -m pytest -q -rs -p no:cacheprovider crates/ndgrad-py/tests/test_cuda_device.py 2>&1)
  rc=$?
  echo "$out"
  last=$(grep -E '[0-9]+ (passed|failed|skipped|errors?)' <<< "$out" | tail -1)
  if (( rc == 0 )) && [[ $last == *skipped* && $last != *passed* ]]; then  # every test skipped: say why
    echo "SKIP: $last: $(grep -E '^SKIPPED \[' <<< "$out" | sed -E 's/^SKIPPED \[[0-9]+\] [^ ]+: //' | sort -u | head -3 | paste -sd';' -)"
  fi
  return $rc
}

s_division() { "$PY" scripts/gpu_division_check.py; }   # (4) div.rn and cvt.rn.f16.f64 vs NumPy
s_graph() { "$PY" scripts/gpu_graph_check.py; }         # (6) CUDA graph capture
s_bench() { "$PY" scripts/gpu_bench.py --out "$LOG/gpu_bench.md"; }  # (7) timings

s_ncu() {  # (8) DRAM bytes of the 512³ f64 kernel (clocks left alone: the card's real behaviour)
  [ -n "$NCU" ] || { echo "SKIP: ncu not found"; return 0; }
  "$NCU" --csv --print-units base --clock-control none \
    --metrics dram__bytes_read.sum,dram__bytes_write.sum -k regex:^ndg_grad -c 1 \
    "$PY" scripts/gpu_ncu_call.py > "$LOG/ncu.csv" 2>&1
  local rc=$?
  cat "$LOG/ncu.csv"
  "$PY" scripts/gpu_ncu_call.py --report "$LOG/ncu.csv" && return $rc
}

s_sanitize() {  # (5) $1 = memcheck | racecheck, on the device test binary
  [ -n "$SANITIZER" ] || { echo "SKIP: compute-sanitizer not found"; return 0; }
  [ -x "$DEVICE_TEST" ] || { echo "SKIP: no device test binary at $DEVICE_TEST"; return 0; }
  "$SANITIZER" --tool "$1" --error-exitcode 1 "$DEVICE_TEST"
}
s_memcheck() { s_sanitize memcheck; }
s_racecheck() { s_sanitize racecheck; }
export -f s_info s_install s_device s_pytest s_division s_graph s_bench s_ncu s_sanitize s_memcheck s_racecheck

# ---- runner --------------------------------------------------------------------------------------

START=$SECONDS
ROWS=()
FAILED=()

detail_of() {  # the line that best says what a step found
  local d
  d=$(grep -E '^SUMMARY: ' "$1" | tail -1 | sed 's/^SUMMARY: //')
  [ -n "$d" ] || d=$(grep -E '(ERROR|RACECHECK) SUMMARY' "$1" | tail -1 | sed 's/^=* *//')
  [ -n "$d" ] || d=$(grep -E '[0-9]+ (passed|failed|skipped|errors?)' "$1" | tail -1)
  [ -n "$d" ] || d=$(grep -v '^[[:space:]]*$' "$1" | tail -1)
  echo "$d"
}

record() {  # ID NAME STATUS SECONDS DETAIL
  local detail=${5//|//}
  ROWS+=("| $1 $2 | $3 | $4 s | ${detail:0:150} |")
  echo "   -> $3 ($4 s) ${detail:0:150}"
  {
    echo "| step | result | time | detail |"
    echo "|---|---|---:|---|"
    printf '%s\n' "${ROWS[@]}"
  } > "$LOG/summary.md"
}

run_step() {  # ID NAME LIMIT FUNCTION
  local id=$1 name=$2 limit=$3 fn=$4 log="$LOG/$1-$2.log"
  local left=$((BUDGET - (SECONDS - START)))
  if (( left < 20 )); then
    record "$id" "$name" SKIP 0 "no time left in the ${BUDGET} s budget"
    return
  fi
  (( limit > left )) && limit=$left
  echo "== $id $name (limit $limit s)"
  local t0=$SECONDS rc status detail
  timeout -k 10 "$limit" bash -c "$fn" > "$log" 2>&1
  rc=$?
  if (( rc == 124 || rc == 137 )); then status=FAIL; detail="timed out after $limit s: $(detail_of "$log")"
  elif (( rc != 0 )); then status=FAIL; detail="exit $rc: $(detail_of "$log")"
  elif grep -q '^SKIP: ' "$log"; then status=SKIP; detail=$(grep -m1 '^SKIP: ' "$log" | sed 's/^SKIP: //')
  else status=PASS; detail=$(detail_of "$log"); fi
  [ "$status" = FAIL ] && FAILED+=("$log")
  record "$id" "$name" "$status" $((SECONDS - t0)) "$detail"
  { echo "===== $id $name: $status ($((SECONDS - t0)) s)"; cat "$log"; echo; } >> "$LOG/gpu_check.log"
}

echo "gpu_check: python $PY, logs in $LOG, budget $BUDGET s"
run_step 1 info 60 s_info
run_step 2a install 60 s_install
run_step 2b device-test 150 s_device
run_step 3 pytest 180 s_pytest
run_step 4 division 150 s_division
run_step 6 graph 90 s_graph
run_step 7 bench 180 s_bench
run_step 8 ncu 150 s_ncu
run_step 5a memcheck 150 s_memcheck
run_step 5b racecheck 150 s_racecheck

for log in ${FAILED[@]+"${FAILED[@]}"}; do
  echo
  echo "---- last lines of $log"
  tail -n 15 "$log" | cut -c1-200
done
if [ -f "$LOG/gpu_bench.md" ]; then
  echo
  cat "$LOG/gpu_bench.md"
fi
echo
echo "gpu_check summary ($((SECONDS - START)) s; logs: $LOG)"
cat "$LOG/summary.md"
(( ${#FAILED[@]} == 0 ))
