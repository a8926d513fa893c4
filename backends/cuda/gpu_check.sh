#!/usr/bin/env bash
# Every CUDA check in one command, for a GPU machine with Deno on PATH (or $DENO): builds the library if
# build/libramba_cuda.so is missing (nvcc needed then), runs the backend tests, the op parity tests (f32 and
# bf16, every op) and the end-to-end model parity tests, then prints the parity summary.
#   backends/cuda/gpu_check.sh [--lab]     --lab also runs the kernel lab (build/cuda_lab) at the end
# Logs and the JSON-lines report go to $GPU_CHECK_OUT (default build/gpu_check). OPS_SEED=n replays a seed.
set -uo pipefail
cd "$(dirname "$0")/../.."
DENO="${DENO:-deno}"
out="${GPU_CHECK_OUT:-build/gpu_check}"
mkdir -p "$out"
report="$out/ops_report.jsonl"
: >"$report"

echo "== device"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader 2>&1 | head -4
"$DENO" --version | head -1

if [ ! -f build/libramba_cuda.so ]; then
  echo "== build (build/libramba_cuda.so missing)"
  bash backends/cuda/build.sh || exit 1
fi
ls -l build/libramba_cuda.so

probe() {
  "$DENO" eval 'import { cudaFactory } from "./backends/cuda/mod.ts";
const p = await cudaFactory.probe();
console.log(p.reason);
Deno.exit(p.available ? 0 : /cannot load|ABI|disagrees/.test(p.reason) ? 2 : 1);'
}
echo "== probe"
probe
prc=$?
if [ "$prc" -eq 2 ]; then
  echo "== rebuild (the carried library does not load or is stale here)"
  rm -rf build/obj && bash backends/cuda/build.sh && probe
  prc=$?
fi
[ "$prc" -eq 0 ] || { echo "gpu_check: the CUDA backend is unavailable here, nothing was tested"; exit 1; }

echo "== tests: backends/cuda and tests/ops"
t0=$(date +%s)
OPS_REPORT="$report" "$DENO" test -A backends/cuda/ tests/ops/ tests/golden/golden_test.ts 2>&1 | tee "$out/test.log"
rc=${PIPESTATUS[0]}
echo "== tests took $(($(date +%s) - t0))s, exit $rc"

"$DENO" run --allow-read tests/ops/summary.ts "$report"
src=$?
# Deno's own last line: "ok | N passed | M failed" or "FAILED | ...".
sed 's/\x1b\[[0-9;]*m//g' "$out/test.log" | grep -E '^(ok|FAILED) \| [0-9]+ passed' | tail -1

if [ "${1:-}" = "--lab" ]; then
  echo "== kernel lab"
  if [ ! -x build/cuda_lab ]; then bash backends/cuda/build.sh --lab || exit 1; fi
  build/cuda_lab 20 2>&1 | tee "$out/lab.log"
fi
[ "$rc" -eq 0 ] && [ "$src" -eq 0 ]
