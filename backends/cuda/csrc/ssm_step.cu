// ssm_step.cu: the Mamba2 recurrence (spec §3.2 step 4, §3.4), token by token; T = 1 is the decode step.
// One warp per (head, channel p) holds that channel's N state values in registers, in fp32, for the
// whole segment; the state is read and written in storage precision once per call.
#include "common.cuh"

namespace {

/**
 * For each token t: dt = step_size_f(dtRaw[t,h] + dtBias[h]); s = exp(dt·A)·s + dt·x[t,h,p]·B[t,g];
 * y[t,h,p] = s·C[t,g] + D[h]·x[t,h,p], with A = -exp(aLog[h]) and g = h / (H/G). NPL = ceil(N/32) ≤ NPL.
 */
template <typename T, int NPL>
__global__ void __launch_bounds__(256) ssm_step_kernel(const T* __restrict__ x, const T* __restrict__ dt_raw,
                                                       const T* __restrict__ a_log, const T* __restrict__ B,
                                                       const T* __restrict__ Cm, const T* __restrict__ Dv,
                                                       const T* __restrict__ dt_bias, T* __restrict__ state,
                                                       T* __restrict__ y, int64_t rows, int H, int P, int G, int N,
                                                       float dt_min, float dt_max) {
  const int lane = threadIdx.x & 31;
  const int64_t wid = (int64_t)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
  if (wid >= (int64_t)H * P) return;
  const int h = (int)(wid / P), p = (int)(wid % P), g = h / (H / G);
  T* st = state + wid * N;  // row (h, p) of state (H, P*N)
  float s[NPL];
#pragma unroll
  for (int u = 0; u < NPL; u++) {
    const int n = lane + 32 * u;
    s[u] = n < N ? to_f(st[n]) : 0.f;
  }
  const float A = -expf(to_f(a_log[h])), Dh = to_f(Dv[h]), bias = to_f(dt_bias[h]);
  const int64_t HP = (int64_t)H * P, GN = (int64_t)G * N;
  for (int64_t t = 0; t < rows; t++) {
    const float dt = step_size_f(to_f(dt_raw[t * H + h]) + bias, dt_min, dt_max);
    const float decay = expf(dt * A);
    const float xv = to_f(x[t * HP + h * P + p]);
    const T* bt = B + t * GN + (int64_t)g * N;
    const T* ct = Cm + t * GN + (int64_t)g * N;
    float acc = 0.f;
#pragma unroll
    for (int u = 0; u < NPL; u++) {
      const int n = lane + 32 * u;
      if (n < N) {
        s[u] = decay * s[u] + dt * xv * to_f(bt[n]);
        acc = fmaf(s[u], to_f(ct[n]), acc);
      }
    }
    acc = warp_sum(acc);
    if (lane == 0) y[t * HP + h * P + p] = from_f<T>(acc + Dh * xv);
  }
#pragma unroll
  for (int u = 0; u < NPL; u++) {
    const int n = lane + 32 * u;
    if (n < N) st[n] = from_f<T>(s[u]);
  }
}

template <typename T, int NPL>
void launch(rc::Ctx* C, const RcSsmParams* p) {
  const int64_t warps = p->heads * p->head_dim;
  ssm_step_kernel<T, NPL><<<(unsigned)((warps + 7) / 8), 256, 0, C->stream>>>(
      (const T*)p->x, (const T*)p->dt_raw, (const T*)p->a_log, (const T*)p->b, (const T*)p->c, (const T*)p->d,
      (const T*)p->dt_bias, (T*)p->state, (T*)p->out, p->rows, (int)p->heads, (int)p->head_dim, (int)p->groups,
      (int)p->state_size, (float)p->dt_min, (float)p->dt_max);
}

}  // namespace

extern "C" int rc_ssm_step(RcCtx ctx, const RcSsmParams* p) {
  RC_ENTER("ssmStep");
  RC_REQUIRE(p->rows >= 0 && p->heads >= 1 && p->head_dim >= 1 && p->groups >= 1 && p->state_size >= 1 &&
                 p->heads % p->groups == 0,
             "ssmStep", "bad sizes");
  if (p->state_size > 256) {
    return rc::fail(RC_ERR_UNSUPPORTED, "ssmStep: stateSize = %lld, the CUDA kernel holds at most 256",
                    (long long)p->state_size);
  }
  if (p->rows == 0) return RC_OK;
  const int npl = (int)((p->state_size + 31) / 32);
  RC_DISPATCH(p->dtype, "ssmStep", T, {
    if (npl == 1) launch<T, 1>(C, p);
    else if (npl == 2) launch<T, 2>(C, p);
    else if (npl <= 4) launch<T, 4>(C, p);
    else launch<T, 8>(C, p);
  });
  return rc::after_launch("ssmStep");
}
