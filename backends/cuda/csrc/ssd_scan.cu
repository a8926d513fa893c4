// ssd_scan.cu: Mamba2 SSD over a segment in the chunked form (spec §3.3), in four launches that are
// parallel over chunks except a short sequential pass over chunk states:
//   1. dt and the within-chunk cumulative log-decay Λ per (head, token);
//   2. each chunk's own end state  S_c = Σ_j exp(Λ_end − Λ_j)·dt_j·x_j ⊗ B_j   (as if it started from 0);
//   3. state passing: s_in(c) = state entering chunk c; s_in(c+1) = exp(Λ_end(c))·s_in(c) + S_c;
//      the state after the last chunk is the new state;
//   4. outputs  y_i = Σ_{j≤i} (C_i·B_j)·exp(Λ_i − Λ_j)·dt_j·x_j + exp(Λ_i)·(s_in·C_i) + D·x_i.
// The chunk length is fixed at kQ = 64 whatever the caller's hint (it changes rounding only). All of it
// in fp32; scratch (dt, Λ: 2·H·T floats; chunk states: nChunks·H·P·N floats) comes from the accounted
// allocator and is freed stream-ordered.
#include "common.cuh"

namespace {

constexpr int kQ = 64;  // chunk length

/** 1. dtS[h, t] = dt, lamS[h, t] = Σ_{chunk start ≤ j ≤ t} dt_j·A. One thread per (chunk, head). */
template <typename T>
__global__ void ssd_dt_kernel(const T* __restrict__ dt_raw, const T* __restrict__ a_log,
                              const T* __restrict__ dt_bias, float* __restrict__ dtS, float* __restrict__ lamS,
                              int64_t rows, int H, int64_t chunks, float dt_min, float dt_max) {
  for (int64_t idx = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; idx < chunks * H;
       idx += (int64_t)gridDim.x * blockDim.x) {
    const int64_t c = idx / H;
    const int h = (int)(idx % H);
    const int64_t t0 = c * kQ;
    const int L = (int)(rows - t0 < kQ ? rows - t0 : kQ);
    const float A = -expf(to_f(a_log[h])), bias = to_f(dt_bias[h]);
    float cum = 0.f;
    for (int i = 0; i < L; i++) {
      const float dt = step_size_f(to_f(dt_raw[(t0 + i) * H + h]) + bias, dt_min, dt_max);
      cum += dt * A;
      dtS[h * rows + t0 + i] = dt;
      lamS[h * rows + t0 + i] = cum;
    }
  }
}

/**
 * 2. st[c, h, p, n] = Σ_j exp(Λ_end − Λ_j)·dt_j·x[t0+j, h, p]·B[t0+j, g, n].
 * One block per (chunk, head); the chunk's x (kQ × P, pre-multiplied by the decay coefficient) and B
 * (kQ × N) rows are staged in shared memory, then each thread sums its (p, n) values from there.
 * Dynamic shared memory: kQ·(P + N) floats.
 */
template <typename T>
__global__ void __launch_bounds__(256) ssd_chunk_state_kernel(const T* __restrict__ x, const T* __restrict__ B,
                                                              const float* __restrict__ dtS,
                                                              const float* __restrict__ lamS, float* __restrict__ st,
                                                              int64_t rows, int H, int P, int G, int N) {
  extern __shared__ float sm[];
  float* xs = sm;           // [kQ][P], times coef
  float* bs = xs + kQ * P;  // [kQ][N]
  const int64_t c = blockIdx.x;
  const int h = blockIdx.y, g = h / (H / G);
  const int64_t t0 = c * kQ;
  const int L = (int)(rows - t0 < kQ ? rows - t0 : kQ);
  const float* lam = lamS + h * rows + t0;
  const float* dtp = dtS + h * rows + t0;
  const int64_t HP = (int64_t)H * P, GN = (int64_t)G * N;
  stage_rows(xs, P, x + t0 * HP + (int64_t)h * P, HP, L, P);
  stage_rows(bs, N, B + t0 * GN + (int64_t)g * N, GN, L, N);
  __syncthreads();
  for (int jp = threadIdx.x; jp < L * P; jp += blockDim.x) {
    const int j = jp / P;
    xs[jp] *= expf(lam[L - 1] - lam[j]) * dtp[j];
  }
  __syncthreads();
  float* out = st + (c * H + h) * (int64_t)P * N;
  for (int pn = threadIdx.x; pn < P * N; pn += blockDim.x) {
    const int pp = pn / N, n = pn - pp * N;
    float acc = 0.f;
    for (int j = 0; j < L; j++) acc = fmaf(xs[j * P + pp], bs[j * N + n], acc);
    out[pn] = acc;
  }
}

/**
 * 3. Sequential over chunks, one thread per state value e = (h, p, n): st[c] is replaced by the state
 * entering chunk c; the state after the last chunk goes back to `state` in storage precision.
 */
template <typename T>
__global__ void ssd_state_pass_kernel(T* __restrict__ state, float* __restrict__ st, const float* __restrict__ lamS,
                                      int64_t rows, int64_t chunks, int64_t HPN, int64_t PN) {
  constexpr int kAhead = 8;  // chunk states loaded before the dependent updates use them
  for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < HPN; e += (int64_t)gridDim.x * blockDim.x) {
    const int64_t h = e / PN;
    float s = to_f(state[e]);
    for (int64_t c0 = 0; c0 < chunks; c0 += kAhead) {
      float own[kAhead], decay[kAhead];
#pragma unroll
      for (int k = 0; k < kAhead; k++) {
        const int64_t c = c0 + k;
        if (c < chunks) {
          const int64_t last = ((c + 1) * kQ < rows ? (c + 1) * kQ : rows) - 1;
          own[k] = st[c * HPN + e];
          decay[k] = expf(lamS[h * rows + last]);
        }
      }
#pragma unroll
      for (int k = 0; k < kAhead; k++) {
        if (c0 + k < chunks) {
          st[(c0 + k) * HPN + e] = s;
          s = decay[k] * s + own[k];
        }
      }
    }
    state[e] = from_f<T>(s);
  }
}

/**
 * 4. Outputs of chunk c, head h. The chunk's B and C rows (kQ × N), x rows (kQ × P) and entering state
 * (P × N) are staged in shared memory (rows padded by one float against bank conflicts), then
 * M[i][j] = (C_i·B_j)·exp(Λ_i − Λ_j)·dt_j for j ≤ i, then each (i, p) sums its intra-chunk and
 * inter-chunk terms. Grid: x = chunk, y = head. Dynamic shared memory: see ssd_scan_smem.
 */
template <typename T>
__global__ void __launch_bounds__(256) ssd_chunk_scan_kernel(const T* __restrict__ x, const T* __restrict__ B,
                                                             const T* __restrict__ Cm, const T* __restrict__ Dv,
                                                             const float* __restrict__ dtS,
                                                             const float* __restrict__ lamS,
                                                             const float* __restrict__ s_in, T* __restrict__ y,
                                                             int64_t rows, int H, int P, int G, int N) {
  extern __shared__ float sm[];
  const int Np = N + 1;
  float* M = sm;                 // [kQ][kQ + 1]
  float* lam = M + kQ * (kQ + 1);  // [kQ]
  float* dts = lam + kQ;         // [kQ]
  float* bs = dts + kQ;          // [kQ][N + 1]
  float* cs = bs + kQ * Np;      // [kQ][N + 1]
  float* xs = cs + kQ * Np;      // [kQ][P]
  float* ss = xs + kQ * P;       // [P][N + 1]
  const int64_t c = blockIdx.x;
  const int h = blockIdx.y, g = h / (H / G);
  const int64_t t0 = c * kQ;
  const int L = (int)(rows - t0 < kQ ? rows - t0 : kQ);
  const int64_t HP = (int64_t)H * P, GN = (int64_t)G * N;
  if (threadIdx.x < L) {
    lam[threadIdx.x] = lamS[h * rows + t0 + threadIdx.x];
    dts[threadIdx.x] = dtS[h * rows + t0 + threadIdx.x];
  }
  stage_rows(bs, Np, B + t0 * GN + (int64_t)g * N, GN, L, N);
  stage_rows(cs, Np, Cm + t0 * GN + (int64_t)g * N, GN, L, N);
  stage_rows(xs, P, x + t0 * HP + (int64_t)h * P, HP, L, P);
  stage_rows(ss, Np, s_in + (c * H + h) * (int64_t)P * N, N, P, N);
  __syncthreads();
  for (int ij = threadIdx.x; ij < kQ * kQ; ij += blockDim.x) {
    const int i = ij / kQ, j = ij % kQ;
    float v = 0.f;
    if (i < L && j <= i) {
      const float* ci = cs + i * Np;
      const float* bj = bs + j * Np;
      float cb = 0.f;
      for (int n = 0; n < N; n++) cb = fmaf(ci[n], bj[n], cb);
      v = cb * expf(lam[i] - lam[j]) * dts[j];
    }
    M[i * (kQ + 1) + j] = v;
  }
  __syncthreads();
  const float Dh = to_f(Dv[h]);
  for (int ip = threadIdx.x; ip < L * P; ip += blockDim.x) {
    const int i = ip / P, pp = ip - i * P;
    const float* Mi = M + i * (kQ + 1);
    float intra = 0.f;
    for (int j = 0; j <= i; j++) intra = fmaf(Mi[j], xs[j * P + pp], intra);
    const float* ci = cs + i * Np;
    const float* sp = ss + pp * Np;
    float inter = 0.f;
    for (int n = 0; n < N; n++) inter = fmaf(sp[n], ci[n], inter);
    y[(t0 + i) * HP + (int64_t)h * P + pp] = from_f<T>(intra + expf(lam[i]) * inter + Dh * xs[ip]);
  }
}

/** Dynamic shared memory of ssd_chunk_scan_kernel, in bytes. */
size_t ssd_scan_smem(int P, int N) {
  return sizeof(float) * (size_t)(kQ * (kQ + 1) + 2 * kQ + 2 * kQ * (N + 1) + kQ * P + P * (N + 1));
}

}  // namespace

extern "C" int rc_ssd_scan(RcCtx ctx, const RcSsmParams* p) {
  RC_ENTER("ssdScan");
  RC_REQUIRE(p->rows >= 0 && p->heads >= 1 && p->head_dim >= 1 && p->groups >= 1 && p->state_size >= 1 &&
                 p->heads % p->groups == 0 && p->heads <= 65535,
             "ssdScan", "bad sizes");
  if (p->rows == 0) return RC_OK;
  const int64_t rows = p->rows, chunks = (rows + kQ - 1) / kQ;
  const int H = (int)p->heads, P = (int)p->head_dim, G = (int)p->groups, N = (int)p->state_size;
  const int64_t PN = (int64_t)P * N, HPN = H * PN;
  float *dtS = nullptr, *lamS = nullptr, *st = nullptr;
  int s = rc::scratch_alloc(C, sizeof(float) * (size_t)(H * rows), (void**)&dtS, "ssdScan dt scratch");
  if (s == RC_OK) s = rc::scratch_alloc(C, sizeof(float) * (size_t)(H * rows), (void**)&lamS, "ssdScan decay scratch");
  if (s == RC_OK) s = rc::scratch_alloc(C, sizeof(float) * (size_t)(chunks * HPN), (void**)&st, "ssdScan chunk states");
  if (s == RC_OK) {
    const float lo = (float)p->dt_min, hi = (float)p->dt_max;
    auto body = [&](auto tag) {
      typedef decltype(tag) T;
      ssd_dt_kernel<T><<<rc::grid_for(C, chunks * H, 128), 128, 0, C->stream>>>(
          (const T*)p->dt_raw, (const T*)p->a_log, (const T*)p->dt_bias, dtS, lamS, rows, H, chunks, lo, hi);
      const size_t smem_state = sizeof(float) * (size_t)kQ * (P + N), smem_scan = ssd_scan_smem(P, N);
      int a = rc::allow_smem(C, (const void*)ssd_chunk_state_kernel<T>, smem_state, "ssdScan");
      if (a == RC_OK) a = rc::allow_smem(C, (const void*)ssd_chunk_scan_kernel<T>, smem_scan, "ssdScan");
      if (a != RC_OK) {
        s = a;
        return;
      }
      ssd_chunk_state_kernel<T><<<dim3((unsigned)chunks, (unsigned)H), 256, smem_state, C->stream>>>(
          (const T*)p->x, (const T*)p->b, dtS, lamS, st, rows, H, P, G, N);
      ssd_state_pass_kernel<T><<<rc::grid_for(C, HPN, 256), 256, 0, C->stream>>>((T*)p->state, st, lamS, rows, chunks,
                                                                                 HPN, PN);
      ssd_chunk_scan_kernel<T><<<dim3((unsigned)chunks, (unsigned)H), 256, smem_scan, C->stream>>>(
          (const T*)p->x, (const T*)p->b, (const T*)p->c, (const T*)p->d, dtS, lamS, st, (T*)p->out, rows, H, P, G,
          N);
    };
    if (p->dtype == RC_F32) body(float());
    else if (p->dtype == RC_BF16) body(bf16());
    else s = rc::fail(RC_ERR_INVALID, "ssdScan: dtype %lld is not a float storage type", (long long)p->dtype);
    if (s == RC_OK) s = rc::after_launch("ssdScan");
  }
  rc::scratch_free(C, st);
  rc::scratch_free(C, lamS);
  rc::scratch_free(C, dtS);
  return s;
}
