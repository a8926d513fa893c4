// rms_norm.cu: RMSNorm per group of G columns (G = C: per row; G = head dim: per head) and Mamba2's
// gated RMSNorm (gate before the norm). One warp per group, sums of squares in fp32.
#include "common.cuh"

namespace {

/**
 * groups = rows·C/G groups of G consecutive values. Plain: y = x·r·w[c], r = 1/sqrt(Σx²/G + eps).
 * GATED (G = C): v = x·silu(z), y = v·r·w[c] with r from v. One warp per group, 8 warps per block.
 */
template <typename T, bool GATED>
__global__ void __launch_bounds__(256) rms_norm_kernel(const T* __restrict__ x, const T* __restrict__ z,
                                                       const T* __restrict__ w, T* __restrict__ out, int64_t groups,
                                                       int64_t G, float eps) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = (int64_t)gridDim.x * (blockDim.x / 32);
  for (int64_t g = (int64_t)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; g < groups; g += warps) {
    const int64_t o = g * G;
    float ss = 0.f;
    for (int64_t c = lane; c < G; c += 32) {
      float v = to_f(x[o + c]);
      if (GATED) v *= silu_f(to_f(z[o + c]));
      ss = fmaf(v, v, ss);
    }
    ss = warp_sum(ss);
    const float r = 1.f / sqrtf(ss / (float)G + eps);
    for (int64_t c = lane; c < G; c += 32) {
      float v = to_f(x[o + c]);
      if (GATED) v *= silu_f(to_f(z[o + c]));
      out[o + c] = from_f<T>(v * r * to_f(w[c]));
    }
  }
}

}  // namespace

extern "C" int rc_rms_norm(RcCtx ctx, const RcRmsNormParams* p) {
  RC_ENTER("rmsNorm");
  RC_REQUIRE(p->rows >= 0 && p->cols >= 0 && p->group >= 0, "rmsNorm", "negative size");
  if (p->rows == 0 || p->cols == 0) return RC_OK;
  RC_REQUIRE(p->group > 0 && p->cols % p->group == 0, "rmsNorm", "group %lld does not divide cols %lld",
             (long long)p->group, (long long)p->cols);
  RC_REQUIRE(p->x && p->w && p->out, "rmsNorm", "null tensor");
  const int64_t groups = p->rows * (p->cols / p->group);
  const unsigned blocks = rc::grid_for(C, groups, 8);
  RC_DISPATCH(p->dtype, "rmsNorm", T,
              rms_norm_kernel<T, false><<<blocks, 256, 0, C->stream>>>((const T*)p->x, nullptr, (const T*)p->w,
                                                                      (T*)p->out, groups, p->group, (float)p->eps));
  return rc::after_launch("rmsNorm");
}

extern "C" int rc_gated_rms_norm(RcCtx ctx, const RcGatedRmsNormParams* p) {
  RC_ENTER("gatedRmsNorm");
  RC_REQUIRE(p->rows >= 0 && p->cols >= 0, "gatedRmsNorm", "negative size");
  if (p->rows == 0 || p->cols == 0) return RC_OK;
  RC_REQUIRE(p->x && p->z && p->w && p->out, "gatedRmsNorm", "null tensor");
  const unsigned blocks = rc::grid_for(C, p->rows, 8);
  RC_DISPATCH(p->dtype, "gatedRmsNorm", T,
              rms_norm_kernel<T, true><<<blocks, 256, 0, C->stream>>>((const T*)p->x, (const T*)p->z,
                                                                     (const T*)p->w, (T*)p->out, p->rows, p->cols,
                                                                     (float)p->eps));
  return rc::after_launch("gatedRmsNorm");
}
