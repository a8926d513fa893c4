// causal_conv1d.cu: causal depthwise conv over time with bias, then SiLU (spec §3.2 step 1, §3.4), and
// the shift of the last K-1 raw inputs into the state. Two launches: the conv reads the old state, the
// second kernel rewrites it (stream order makes that safe).
#include "common.cuh"

namespace {

/**
 * u[t, c] = silu(bias[c] + Σ_{i<K} w[c, i]·in(t-K+1+i)[c]), in(p) = x[p] for p ≥ 0, state[K-1+p] for p < 0.
 * x, out (rows, C); w (C, K); state (K-1, C). One thread per output value.
 */
template <typename T>
__global__ void conv_kernel(const T* __restrict__ x, const T* __restrict__ w, const T* __restrict__ bias,
                            const T* __restrict__ state, T* __restrict__ out, int64_t rows, int64_t C, int K) {
  const int64_t n = rows * C;
  for (int64_t idx = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; idx < n; idx += (int64_t)gridDim.x * blockDim.x) {
    const int64_t t = idx / C, c = idx % C;
    float acc = to_f(bias[c]);
    for (int i = 0; i < K; i++) {
      const int64_t p = t - K + 1 + i;
      const float v = p >= 0 ? to_f(x[p * C + c]) : to_f(state[(K - 1 + p) * C + c]);
      acc = fmaf(to_f(w[c * K + i]), v, acc);
    }
    out[idx] = from_f<T>(silu_f(acc));
  }
}

/**
 * New state row r = in(rows-K+1+r). One thread per channel walks r upwards: a row read from the old
 * state (index r + rows > r) is always read before that row is overwritten.
 */
template <typename T>
__global__ void conv_state_kernel(const T* __restrict__ x, T* state, int64_t rows, int64_t C, int K) {
  for (int64_t c = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; c < C; c += (int64_t)gridDim.x * blockDim.x) {
    for (int r = 0; r < K - 1; r++) {
      const int64_t p = rows - K + 1 + r;
      state[r * C + c] = p >= 0 ? x[p * C + c] : state[(K - 1 + p) * C + c];
    }
  }
}

}  // namespace

extern "C" int rc_causal_conv1d(RcCtx ctx, const RcCausalConv1dParams* p) {
  RC_ENTER("causalConv1d");
  RC_REQUIRE(p->rows >= 0 && p->channels >= 0 && p->kernel >= 1 && p->kernel <= 1024, "causalConv1d",
             "bad sizes (rows %lld, channels %lld, kernel %lld)", (long long)p->rows, (long long)p->channels,
             (long long)p->kernel);
  if (p->rows == 0 || p->channels == 0) return RC_OK;
  RC_REQUIRE(p->x && p->w && p->bias && p->out && (p->state || p->kernel == 1), "causalConv1d", "null tensor");
  const int K = (int)p->kernel;
  RC_DISPATCH(p->dtype, "causalConv1d", T, {
    conv_kernel<T><<<rc::grid_for(C, p->rows * p->channels, 256), 256, 0, C->stream>>>(
        (const T*)p->x, (const T*)p->w, (const T*)p->bias, (const T*)p->state, (T*)p->out, p->rows, p->channels, K);
    if (K > 1)
      conv_state_kernel<T><<<rc::grid_for(C, p->channels, 256), 256, 0, C->stream>>>((const T*)p->x, (T*)p->state,
                                                                                     p->rows, p->channels, K);
  });
  return rc::after_launch("causalConv1d");
}
