// chunk_weights.cu: HSA chunk weights from slot scores (spec §5.4), stick-breaking or softmax over the
// finite slots of each (token, kv head) group; -inf slots weigh 0. One thread per group, fp32.
#include "common.cuh"

namespace {

/** softplus with the stick-breaking code's threshold: x itself above 15. */
__device__ __forceinline__ float softplus15(float x) { return x > 15.f ? x : log1pf(expf(x)); }

/**
 * Stick-breaking: L_j = Σ_{i≤j} softplus(s_i) over finite slots, w_j = exp(s_j − L_j).
 * Softmax: m = max finite s, w_j = exp(s_j − m) / Σ exp(s_i − m); all 0 without a finite slot.
 */
template <typename T, bool SOFTMAX>
__global__ void chunk_weights_kernel(const T* __restrict__ scores, T* __restrict__ out, int64_t groups, int K) {
  for (int64_t g = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; g < groups; g += (int64_t)gridDim.x * blockDim.x) {
    const T* s = scores + g * K;
    T* w = out + g * K;
    if (!SOFTMAX) {
      float cum = 0.f;
      for (int j = 0; j < K; j++) {
        const float v = to_f(s[j]);
        if (v == -INFINITY) {
          w[j] = from_f<T>(0.f);
          continue;
        }
        cum += softplus15(v);
        w[j] = from_f<T>(expf(v - cum));
      }
    } else {
      float m = -INFINITY;
      for (int j = 0; j < K; j++) m = fmaxf(m, to_f(s[j]));
      if (m == -INFINITY) {
        for (int j = 0; j < K; j++) w[j] = from_f<T>(0.f);
        continue;
      }
      float sum = 0.f;
      for (int j = 0; j < K; j++) sum += expf(to_f(s[j]) - m);
      for (int j = 0; j < K; j++) w[j] = from_f<T>(expf(to_f(s[j]) - m) / sum);
    }
  }
}

}  // namespace

extern "C" int rc_chunk_weights(RcCtx ctx, const RcChunkWeightsParams* p) {
  RC_ENTER("chunkWeights");
  RC_REQUIRE(p->rows >= 0 && p->cols >= 0 && p->top_k >= 1 && p->cols % p->top_k == 0 && (p->mode == 0 || p->mode == 1),
             "chunkWeights", "bad sizes or mode");
  const int64_t groups = p->rows * (p->cols / p->top_k);
  if (groups == 0) return RC_OK;
  RC_REQUIRE(p->scores && p->out, "chunkWeights", "null tensor");
  const unsigned blocks = rc::grid_for(C, groups, 128);
  RC_DISPATCH(p->dtype, "chunkWeights", T, {
    if (p->mode == 1)
      chunk_weights_kernel<T, true><<<blocks, 128, 0, C->stream>>>((const T*)p->scores, (T*)p->out, groups,
                                                                  (int)p->top_k);
    else
      chunk_weights_kernel<T, false><<<blocks, 128, 0, C->stream>>>((const T*)p->scores, (T*)p->out, groups,
                                                                   (int)p->top_k);
  });
  return rc::after_launch("chunkWeights");
}
