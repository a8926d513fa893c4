// transfer.cu: host⇄device copies with dtype conversion (each value rounded once, to nearest even),
// and zero fill. Uploads return as soon as the host buffer may be reused; downloads wait for the stream.
#include <stdlib.h>
#include <string.h>

#include "common.cuh"

namespace rc {

// ---- host conversions: each value is rounded once, to nearest with ties to even ---------------------

inline uint16_t f32_to_bf16_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);  // NaN stays NaN
  return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/** f64 → bf16 in one rounding: float with round-to-odd keeps the sticky bit the final rounding needs. */
inline uint16_t f64_to_bf16_bits(double x) {
  float f = (float)x;
  if (f == f && isfinite(f) && (double)f != x) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if (fabs((double)f) > fabs(x)) u -= 1;  // truncate toward zero ...
    u |= 1u;                                // ... and mark the value inexact (round to odd)
    memcpy(&f, &u, 4);
  }
  return f32_to_bf16_bits(f);
}

inline double bf16_bits_to_f64(uint16_t b) {
  uint32_t u = (uint32_t)b << 16;
  float f;
  memcpy(&f, &u, 4);
  return (double)f;
}

static const int64_t kStageElems = 1 << 22;  // values converted per staging round

static size_t dtype_bytes(int t) { return t == RC_BF16 ? 2 : t == RC_F64 ? 8 : 4; }

}  // namespace rc

using namespace rc;

extern "C" int rc_memset_zero(RcCtx ctx, uint64_t ptr, int64_t bytes) {
  Ctx* c = nullptr;
  int st = enter(ctx, "memset", &c);
  if (st != RC_OK) return st;
  if (bytes <= 0) return RC_OK;
  cudaError_t e = cudaMemsetAsync((void*)(uintptr_t)ptr, 0, (size_t)bytes, c->stream);
  return e == cudaSuccess ? RC_OK : cuda_fail(e, "memset");
}

extern "C" int rc_upload(RcCtx ctx, uint64_t dst, const void* host, int64_t n, int32_t src_type,
                         int32_t dst_type) {
  Ctx* c = nullptr;
  int st = enter(ctx, "upload", &c);
  if (st != RC_OK) return st;
  if (n <= 0) return RC_OK;
  bool ok = (src_type == RC_F64 || src_type == RC_F32 || src_type == RC_I32) &&
            (dst_type == RC_F32 || dst_type == RC_BF16 || dst_type == RC_I32) &&
            ((src_type == RC_I32) == (dst_type == RC_I32));
  if (!ok || host == nullptr || dst == 0) {
    return fail(RC_ERR_INVALID, "upload: cannot convert type %d to %d", (int)src_type, (int)dst_type);
  }
  char* d = (char*)(uintptr_t)dst;
  size_t out_size = dtype_bytes(dst_type);
  if (src_type == dst_type) {
    // Same representation: copy straight from the caller's buffer (returns once it is staged).
    cudaError_t e = cudaMemcpyAsync(d, host, (size_t)n * out_size, cudaMemcpyHostToDevice, c->stream);
    return e == cudaSuccess ? RC_OK : cuda_fail(e, "upload");
  }
  int64_t chunk = n < kStageElems ? n : kStageElems;
  void* stage = malloc((size_t)chunk * out_size);
  if (stage == nullptr) return fail(RC_ERR_OOM, "upload: cannot allocate %lld bytes of host staging memory",
                                    (long long)(chunk * (int64_t)out_size));
  cudaError_t e = cudaSuccess;
  for (int64_t i0 = 0; i0 < n && e == cudaSuccess; i0 += chunk) {
    int64_t m = n - i0 < chunk ? n - i0 : chunk;
    if (dst_type == RC_F32) {  // src is f64
      const double* s = (const double*)host + i0;
      float* o = (float*)stage;
      for (int64_t i = 0; i < m; i++) o[i] = (float)s[i];
    } else if (src_type == RC_F64) {  // → bf16
      const double* s = (const double*)host + i0;
      uint16_t* o = (uint16_t*)stage;
      for (int64_t i = 0; i < m; i++) o[i] = f64_to_bf16_bits(s[i]);
    } else {  // f32 → bf16
      const float* s = (const float*)host + i0;
      uint16_t* o = (uint16_t*)stage;
      for (int64_t i = 0; i < m; i++) o[i] = f32_to_bf16_bits(s[i]);
    }
    // Pageable source: the call returns once the data is staged, so `stage` may be refilled at once.
    e = cudaMemcpyAsync(d + i0 * (int64_t)out_size, stage, (size_t)m * out_size, cudaMemcpyHostToDevice, c->stream);
  }
  free(stage);
  return e == cudaSuccess ? RC_OK : cuda_fail(e, "upload");
}

extern "C" int rc_download(RcCtx ctx, uint64_t src, void* host, int64_t n, int32_t src_type) {
  Ctx* c = nullptr;
  int st = enter(ctx, "download", &c);
  if (st != RC_OK) return st;
  if (src_type != RC_F32 && src_type != RC_BF16 && src_type != RC_I32) {
    return fail(RC_ERR_INVALID, "download: type %d is not a device type", (int)src_type);
  }
  cudaError_t e = cudaStreamSynchronize(c->stream);
  if (e != cudaSuccess) return cuda_fail(e, "download (an earlier op failed)");
  st = take_bad_index(c);
  if (st != RC_OK || n <= 0) return st;
  if (host == nullptr || src == 0) return fail(RC_ERR_INVALID, "download: null buffer");
  const char* s = (const char*)(uintptr_t)src;
  if (src_type == RC_I32) {
    e = cudaMemcpy(host, s, (size_t)n * 4, cudaMemcpyDeviceToHost);
    return e == cudaSuccess ? RC_OK : cuda_fail(e, "download");
  }
  size_t in_size = dtype_bytes(src_type);
  int64_t chunk = n < kStageElems ? n : kStageElems;
  void* stage = malloc((size_t)chunk * in_size);
  if (stage == nullptr) return fail(RC_ERR_OOM, "download: cannot allocate host staging memory");
  double* o = (double*)host;
  for (int64_t i0 = 0; i0 < n && e == cudaSuccess; i0 += chunk) {
    int64_t m = n - i0 < chunk ? n - i0 : chunk;
    e = cudaMemcpy(stage, s + i0 * (int64_t)in_size, (size_t)m * in_size, cudaMemcpyDeviceToHost);
    if (e != cudaSuccess) break;
    if (src_type == RC_F32) {
      const float* f = (const float*)stage;
      for (int64_t i = 0; i < m; i++) o[i0 + i] = (double)f[i];
    } else {
      const uint16_t* b = (const uint16_t*)stage;
      for (int64_t i = 0; i < m; i++) o[i0 + i] = bf16_bits_to_f64(b[i]);
    }
  }
  free(stage);
  return e == cudaSuccess ? RC_OK : cuda_fail(e, "download");
}
