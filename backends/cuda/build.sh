#!/usr/bin/env bash
# Builds build/libramba_cuda.so from backends/cuda/csrc/*.cu with nvcc for sm_80 and sm_90 (plus PTX of
# compute_90 for newer GPUs). Needs nvcc only: no GPU, no cuBLAS headers (cuBLAS is dlopen'ed at run time).
# The CUDA runtime is linked statically, so the library needs nothing but the driver (libcuda.so.1).
# Usage: backends/cuda/build.sh [--lab]   (--lab also builds build/cuda_lab from backends/cuda/dev/lab.cu)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
src="$root/backends/cuda/csrc"
out="$root/build"
NVCC="${NVCC:-nvcc}"
command -v "$NVCC" >/dev/null 2>&1 || { echo "build:cuda: nvcc not found (set NVCC or put the CUDA toolkit on PATH)" >&2; exit 1; }
mkdir -p "$out/obj"

arch=(-gencode=arch=compute_80,code=sm_80 -gencode=arch=compute_90,code=sm_90 -gencode=arch=compute_90,code=compute_90)
flags=(-std=c++17 -O3 -Xcompiler -fPIC,-Wall,-Wextra,-fvisibility=hidden -Werror all-warnings --threads 0)

# One object per .cu, rebuilt when the source or a header is newer; compiled in parallel.
objs=()
pids=()
for cu in "$src"/*.cu; do
  o="$out/obj/$(basename "${cu%.cu}").o"
  objs+=("$o")
  if [ ! -f "$o" ] || [ "$cu" -nt "$o" ] || [ "$src/common.cuh" -nt "$o" ] || [ "$src/ramba_cuda.h" -nt "$o" ]; then
    "$NVCC" "${flags[@]}" "${arch[@]}" -I"$src" -c "$cu" -o "$o" &
    pids+=($!)
  fi
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
[ "$status" -eq 0 ] || { echo "build:cuda: compilation failed" >&2; exit 1; }

# Only the rc_* symbols are exported (-fvisibility=hidden above, default visibility in ramba_cuda.h's users).
"$NVCC" -shared "${arch[@]}" -cudart static -Xlinker --exclude-libs,ALL -o "$out/libramba_cuda.so" "${objs[@]}" -ldl
size=$(stat -c %s "$out/libramba_cuda.so")
echo "build:cuda: wrote build/libramba_cuda.so ($size bytes)"

if [ "${1:-}" = "--lab" ]; then
  "$NVCC" -std=c++17 -O3 -Werror all-warnings "${arch[@]}" -I"$src" "$root/backends/cuda/dev/lab.cu" \
    -o "$out/cuda_lab" -ldl
  echo "build:cuda: wrote build/cuda_lab"
fi
