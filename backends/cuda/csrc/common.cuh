// common.cuh: what every op file shares — the context, error reporting, accounted scratch memory,
// fp32 loads/stores of the two storage types, warp reductions and the dtype dispatch.
#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include <unordered_map>

#include "ramba_cuda.h"

namespace rc {

/** One context: a stream, the allocations made through it and their accounting. */
struct Ctx {
  int device = 0;
  cudaStream_t stream = nullptr;
  bool pools = false;                           // stream-ordered allocator available
  int sms = 0;                                  // multiprocessors
  size_t smem_optin = 0;                        // most dynamic shared memory a block may opt into
  int cc_major = 0, cc_minor = 0;
  int64_t current = 0, peak = 0;                // bytes of live allocations (own allocator)
  std::unordered_map<uint64_t, size_t> sizes;   // live allocation → requested bytes
  int* bad_index = nullptr;                     // mapped host flag set by kernels on a bad index
  int* bad_index_dev = nullptr;                 // the same flag as a device pointer
  void* cublas = nullptr;                       // cublasHandle_t when cuBLAS is loaded
  int gemm_mode = RC_GEMM_AUTO;
};

/** Records `fmt` as the last error and returns `status`. */
int fail(int status, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
/** Records a CUDA error (clearing it when it is not sticky); OOM maps to RC_ERR_OOM. */
int cuda_fail(cudaError_t e, const char* what);
/** Status of the last launch (cudaGetLastError), naming the op on failure. */
int after_launch(const char* op);
/** Resolves a context handle and makes its device current; RC_OK or an error naming `op`. */
int enter(RcCtx handle, const char* op, Ctx** out);

/** Accounted, stream-ordered device scratch of `bytes` (0 gives nullptr). */
int scratch_alloc(Ctx* c, size_t bytes, void** out, const char* what);
/** Frees scratch from scratch_alloc (stream-ordered: work already enqueued may still read it). */
void scratch_free(Ctx* c, void* p);
/** Checks (and clears) the kernels' bad-index flag once the stream has drained (runtime.cu). */
int take_bad_index(Ctx* c);
/** Opts `kernel` into `bytes` of dynamic shared memory when above the 48 KiB default. */
int allow_smem(Ctx* c, const void* kernel, size_t bytes, const char* op);

/** out (M, N) = a (M, K) · w (N, K)ᵀ (+ bias (N)); a, w, bias, out of storage `dtype` (linear.cu). */
int gemm(Ctx* c, int64_t dtype, const void* a, const void* w, const void* bias, void* out, int64_t M, int64_t K,
         int64_t N, const char* op);
/** The same with an fp32 `a` (op-internal scratch), w and out of storage `dtype`, no bias. */
int gemm_f32a(Ctx* c, int64_t dtype, const float* a, const void* w, void* out, int64_t M, int64_t K, int64_t N,
              const char* op);
/** Whether linear currently goes through cuBLAS, and a word on the engine for rc_device_name. */
bool cublas_active(const Ctx* c);
const char* gemm_engine(const Ctx* c);
/** Loads libcublas (once per process) and creates the context's handle; silent when absent. */
void cublas_attach(Ctx* c);
void cublas_detach(Ctx* c);

/** Blocks for a grid-stride loop over n items: enough to fill the device, never 0 for n > 0. */
inline unsigned grid_for(const Ctx* c, int64_t n, int threads) {
  int64_t want = (n + threads - 1) / threads;
  int64_t cap = (int64_t)(c->sms > 0 ? c->sms : 80) * 32;
  if (want > cap) want = cap;
  return (unsigned)(want < 1 ? 1 : want);
}

}  // namespace rc

// ---- device helpers ---------------------------------------------------------------------------------

typedef __nv_bfloat16 bf16;

__device__ __forceinline__ float to_f(float v) { return v; }
__device__ __forceinline__ float to_f(bf16 v) { return __bfloat162float(v); }

template <typename T>
__device__ __forceinline__ T from_f(float v);
template <>
__device__ __forceinline__ float from_f<float>(float v) {
  return v;
}
template <>
__device__ __forceinline__ bf16 from_f<bf16>(float v) {
  return __float2bfloat16(v);  // round to nearest even
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

/** 16 bytes at p (16-byte aligned) as floats: 8 bf16 or 4 f32 values. */
__device__ __forceinline__ void load16(const bf16* p, float* o) {
  const uint4 u = *reinterpret_cast<const uint4*>(p);
  const __nv_bfloat162* h = reinterpret_cast<const __nv_bfloat162*>(&u);
#pragma unroll
  for (int i = 0; i < 4; i++) {
    const float2 f = __bfloat1622float2(h[i]);
    o[2 * i] = f.x;
    o[2 * i + 1] = f.y;
  }
}
__device__ __forceinline__ void load16(const float* p, float* o) {
  const float4 f = *reinterpret_cast<const float4*>(p);
  o[0] = f.x, o[1] = f.y, o[2] = f.z, o[3] = f.w;
}

/**
 * Block-cooperative copy of a rows × cols tile (row r at src + r·stride) into shared memory as floats,
 * dst[r·dst_stride + c]; 16-byte loads where cols, stride and src allow them, element loads otherwise.
 */
template <typename T>
__device__ __forceinline__ void stage_rows(float* dst, int dst_stride, const T* src, int64_t stride, int rows,
                                           int cols) {
  constexpr int V = 16 / sizeof(T);
  if (cols % V == 0 && stride % V == 0 && reinterpret_cast<uintptr_t>(src) % 16 == 0) {
    const int cv = cols / V;
    for (int i = threadIdx.x; i < rows * cv; i += blockDim.x) {
      const int r = i / cv, c = (i - r * cv) * V;
      float o[V];
      load16(src + r * stride + c, o);
#pragma unroll
      for (int k = 0; k < V; k++) dst[r * dst_stride + c + k] = o[k];
    }
  } else {
    for (int i = threadIdx.x; i < rows * cols; i += blockDim.x) {
      const int r = i / cols, c = i - r * cols;
      dst[r * dst_stride + c] = to_f(src[r * stride + c]);
    }
  }
}

/** silu(x) = x / (1 + e^-x), as the reference writes it (so large negative x gives -0, not NaN). */
__device__ __forceinline__ float silu_f(float x) { return x / (1.f + expf(-x)); }

/** Mamba2's dt = clamp(softplus(v), lo, hi); softplus returns v itself above 20 (spec §3.2 step 3). */
__device__ __forceinline__ float step_size_f(float v, float lo, float hi) {
  const float sp = v > 20.f ? v : log1pf(expf(v));
  return fminf(hi, fmaxf(lo, sp));
}

// ---- entry-point helpers ----------------------------------------------------------------------------

/** Resolves `ctx` into `C` and checks `p`; every op symbol starts with it. */
#define RC_ENTER(opname)                                                              \
  rc::Ctx* C = nullptr;                                                               \
  {                                                                                   \
    int st_ = rc::enter(ctx, opname, &C);                                             \
    if (st_ != RC_OK) return st_;                                                     \
    if (p == nullptr) return rc::fail(RC_ERR_INVALID, "%s: params is null", opname); \
  }

/** Runs the statements with `T` = float or bf16 according to `dtype`, else returns RC_ERR_INVALID. */
#define RC_DISPATCH(dtype, opname, T, ...)                                                              \
  do {                                                                                                  \
    if ((dtype) == RC_F32) {                                                                            \
      typedef float T;                                                                                  \
      __VA_ARGS__;                                                                                      \
    } else if ((dtype) == RC_BF16) {                                                                    \
      typedef bf16 T;                                                                                   \
      __VA_ARGS__;                                                                                      \
    } else {                                                                                            \
      return rc::fail(RC_ERR_INVALID, "%s: dtype %lld is not a float storage type (0 = f32, 1 = bf16)", \
                      opname, (long long)(dtype));                                                      \
    }                                                                                                   \
  } while (0)

/** Fails with RC_ERR_INVALID unless `cond`. */
#define RC_REQUIRE(cond, opname, ...)                                                  \
  do {                                                                                 \
    if (!(cond)) return rc::fail(RC_ERR_INVALID, opname ": " __VA_ARGS__);             \
  } while (0)
