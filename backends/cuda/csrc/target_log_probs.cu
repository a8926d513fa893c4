// target_log_probs.cu: log softmax(logits[t])[targets[t]] per row, so that likelihood scoring (bits per byte)
// reads back T values instead of T×V logits. One warp per row, max-subtracted logsumexp, fp32 throughout.
#include "common.cuh"

namespace {

/**
 * One warp per row t, 8 warps per block; lanes stride over the row's V logits.
 * 1. m = max_v x[v] (warp max).
 * 2. s = Σ_{x[v] < m} exp(x[v] − m) + (ties − 1): the mass besides one maximum's own exp(0) = 1, as the
 *    reference leaves out its first argmax (warp sums).
 * 3. out[t] = (x[target] − m) − log1p(s): log1p keeps the tiny log-probabilities of near-certain targets.
 *    A target outside [0, V) gives NaN (host ids were checked in backends/cuda/cuda_ops.ts).
 */
template <typename T>
__global__ void __launch_bounds__(256) target_log_probs_kernel(const T* __restrict__ logits,
                                                               const int* __restrict__ targets, T* __restrict__ out,
                                                               int64_t rows, int64_t V) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = (int64_t)gridDim.x * (blockDim.x / 32);
  for (int64_t t = (int64_t)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32; t < rows; t += warps) {
    const T* x = logits + t * V;
    float m = -INFINITY;
    for (int64_t v = lane; v < V; v += 32) m = fmaxf(m, to_f(x[v]));
    m = warp_max(m);
    float s = 0.f, ties = 0.f;  // ties: exact in fp32 up to 2^24 entries
    for (int64_t v = lane; v < V; v += 32) {
      const float xv = to_f(x[v]);
      if (xv == m)
        ties += 1.f;
      else
        s += expf(xv - m);  // NaN logits propagate, as in the reference
    }
    s = warp_sum(s);
    ties = warp_sum(ties);
    if (lane == 0) {
      const int target = targets[t];
      const float y = target >= 0 && target < V ? (to_f(x[target]) - m) - log1pf(s + (ties - 1.f)) : NAN;
      out[t] = from_f<T>(y);
    }
  }
}

}  // namespace

extern "C" int rc_target_log_probs(RcCtx ctx, const RcTargetLogProbsParams* p) {
  RC_ENTER("targetLogProbs");
  RC_REQUIRE(p->rows >= 0 && p->vocab >= 0, "targetLogProbs", "negative size");
  if (p->rows == 0) return RC_OK;
  RC_REQUIRE(p->vocab > 0, "targetLogProbs", "vocab is 0 with %lld rows", (long long)p->rows);
  RC_REQUIRE(p->logits && p->targets && p->out, "targetLogProbs", "null tensor");
  const unsigned blocks = rc::grid_for(C, p->rows, 8);
  RC_DISPATCH(p->dtype, "targetLogProbs", T,
              target_log_probs_kernel<T><<<blocks, 256, 0, C->stream>>>(
                  (const T*)p->logits, (const int*)p->targets, (T*)p->out, p->rows, p->vocab));
  return rc::after_launch("targetLogProbs");
}
