// hsa_attention.cu: HSA sparse chunk attention (spec §6). Each query head attends inside each selected
// chunk of its kv head on its own (a softmax over the chunk's S keys, optionally "off by one"), and the
// per-chunk outputs are mixed with the chunk weights; no joint softmax across chunks.
#include "common.cuh"

namespace {

constexpr int kWarps = 4;  // query heads per block

/**
 * v1 (the general fallback; v2 below serves the common shapes): one warp per (token t, query head i), kv head h = i / (Hq/Hkv). Per slot j with chunk c and weight w
 * (skipped when c = -1 or w = 0; an index outside [0, chunks) is skipped and flagged):
 *   ℓ_m = q·k_{cS+m}/sqrt(D) (lane per key), M = max ℓ (and ≥ 0 when off by one),
 *   o += w·Σ_m e^{ℓ_m−M}·v_{cS+m} / (n + Σ_m e^{ℓ_m−M}), n = e^{−M} when off by one else 0.
 * Per warp in shared memory: q (D), the chunk's probabilities (S), the output accumulator (D).
 */
template <typename T>
__global__ void __launch_bounds__(kWarps * 32)
    hsa_attention_kernel(const T* __restrict__ q, const T* __restrict__ mem_k, const T* __restrict__ mem_v,
                         const int* __restrict__ indices, const T* __restrict__ weights, T* __restrict__ out,
                         int64_t rows, int Hq, int Hkv, int D, int S, int K, int64_t chunks, int off_by_one,
                         int* bad_index) {
  extern __shared__ float sm[];
  const int warp = threadIdx.x / 32, lane = threadIdx.x & 31;
  const int64_t t = blockIdx.x;
  const int i = blockIdx.y * kWarps + warp;
  float* qs = sm + warp * (2 * D + S);
  float* acc = qs + D;
  float* pr = acc + D;
  if (i >= Hq) return;  // no block-wide barrier below
  const int h = i / (Hq / Hkv);
  const int64_t qw = (int64_t)Hq * D, kvw = (int64_t)Hkv * D;
  const float scale = 1.f / sqrtf((float)D);
  for (int e = lane; e < D; e += 32) {
    qs[e] = to_f(q[t * qw + (int64_t)i * D + e]);
    acc[e] = 0.f;
  }
  __syncwarp();
  const int64_t slot0 = t * Hkv * K + (int64_t)h * K;
  for (int j = 0; j < K; j++) {
    const int c = indices[slot0 + j];
    const float w = to_f(weights[slot0 + j]);
    if (c == -1 || w == 0.f) continue;
    if (c < 0 || c >= chunks) {
      if (lane == 0) *(volatile int*)bad_index = 1;  // mapped host memory: a plain store (no PCIe atomics)
      continue;
    }
    // 1. Logits of the chunk's keys, one key per lane at a time.
    const int64_t base = ((int64_t)c * S) * kvw + (int64_t)h * D;
    float mx = off_by_one ? 0.f : -INFINITY;
    for (int m = lane; m < S; m += 32) {
      const T* kr = mem_k + base + (int64_t)m * kvw;
      float s = 0.f;
      for (int e = 0; e < D; e++) s = fmaf(qs[e], to_f(kr[e]), s);
      s *= scale;
      pr[m] = s;
      mx = fmaxf(mx, s);
    }
    mx = warp_max(mx);
    // 2. Per-chunk softmax.
    float sum = 0.f;
    for (int m = lane; m < S; m += 32) {
      const float e = expf(pr[m] - mx);
      pr[m] = e;
      sum += e;
    }
    sum = warp_sum(sum) + (off_by_one ? expf(-mx) : 0.f);
    __syncwarp();
    // 3. Mix the chunk's values into the output with weight w / sum.
    const float f = w / sum;
    for (int e = lane; e < D; e += 32) {
      const T* vc = mem_v + base + e;
      float a = 0.f;
      for (int m = 0; m < S; m++) a = fmaf(pr[m], to_f(vc[(int64_t)m * kvw]), a);
      acc[e] += f * a;
    }
    __syncwarp();
  }
  for (int e = lane; e < D; e += 32) out[t * qw + (int64_t)i * D + e] = from_f<T>(acc[e]);
}

/**
 * v2: one block per (token t, kv head h) serves all G = Hq/Hkv query heads of h, which share its selected
 * chunks. Per slot, the chunk's S key and value rows are staged once in shared memory (fp32, keys padded
 * to D+1 so lanes reading different keys hit different banks), then:
 *   1. logits ℓ[g][m] = q_g·k_m/sqrt(D), one (g, m) per thread;
 *   2. per head g (a warp each): M, the softmax numerators and their sum, scaled by w/sum;
 *   3. o[g][e] += Σ_m p[g][m]·v[m][e], one (g, e) per thread, accumulated in registers.
 * Requires G·D ≤ kThreads·kOut; otherwise v1 runs. Shared memory: (S(D+1) + S·D + G·D + G·S) floats.
 */
constexpr int kThreads = 128, kOut = 4;

template <typename T>
__global__ void __launch_bounds__(kThreads)
    hsa_attention_v2(const T* __restrict__ q, const T* __restrict__ mem_k, const T* __restrict__ mem_v,
                     const int* __restrict__ indices, const T* __restrict__ weights, T* __restrict__ out,
                     int Hq, int Hkv, int D, int S, int K, int64_t chunks, int off_by_one, int* bad_index) {
  extern __shared__ float sm[];
  const int G = Hq / Hkv, tid = threadIdx.x, warp = tid / 32, lane = tid & 31;
  const int64_t t = blockIdx.x;
  const int h = blockIdx.y;
  const int Dp = D + 1;
  float* ks = sm;              // [S][D+1]
  float* vs = ks + S * Dp;     // [S][D]
  float* qs = vs + S * D;      // [G][D]
  float* pr = qs + G * D;      // [G][S]
  const int64_t qw = (int64_t)Hq * D, kvw = (int64_t)Hkv * D;
  const float scale = 1.f / sqrtf((float)D);
  for (int ge = tid; ge < G * D; ge += kThreads) qs[ge] = to_f(q[t * qw + (int64_t)(h * G) * D + ge]);
  float acc[kOut];
#pragma unroll
  for (int r = 0; r < kOut; r++) acc[r] = 0.f;
  const int64_t slot0 = t * Hkv * K + (int64_t)h * K;
  for (int j = 0; j < K; j++) {
    const int c = indices[slot0 + j];
    const float w = to_f(weights[slot0 + j]);
    if (c == -1 || w == 0.f) continue;  // uniform across the block
    if (c < 0 || c >= chunks) {
      if (tid == 0) *(volatile int*)bad_index = 1;
      continue;
    }
    __syncthreads();  // the previous slot is done with ks, vs and pr
    const int64_t base = ((int64_t)c * S) * kvw + (int64_t)h * D;
    stage_rows(ks, Dp, mem_k + base, kvw, S, D);
    stage_rows(vs, D, mem_v + base, kvw, S, D);
    __syncthreads();
    // 1. Logits.
    for (int gm = tid; gm < G * S; gm += kThreads) {
      const int g = gm / S, m = gm - g * S;
      const float* qg = qs + g * D;
      const float* km = ks + m * Dp;
      float s = 0.f;
      for (int e = 0; e < D; e++) s = fmaf(qg[e], km[e], s);
      pr[gm] = s * scale;
    }
    __syncthreads();
    // 2. Per-head softmax over the chunk, folded with the slot weight.
    for (int g = warp; g < G; g += kThreads / 32) {
      float* pg = pr + g * S;
      float mx = off_by_one ? 0.f : -INFINITY;
      for (int m = lane; m < S; m += 32) mx = fmaxf(mx, pg[m]);
      mx = warp_max(mx);
      float sum = 0.f;
      for (int m = lane; m < S; m += 32) {
        const float e = expf(pg[m] - mx);
        pg[m] = e;
        sum += e;
      }
      sum = warp_sum(sum) + (off_by_one ? expf(-mx) : 0.f);
      const float f = w / sum;
      __syncwarp();
      for (int m = lane; m < S; m += 32) pg[m] *= f;
    }
    __syncthreads();
    // 3. Mix the values.
#pragma unroll
    for (int r = 0; r < kOut; r++) {
      const int ge = tid + r * kThreads;
      if (ge < G * D) {
        const int g = ge / D, e = ge - g * D;
        const float* pg = pr + g * S;
        float a = 0.f;
        for (int m = 0; m < S; m++) a = fmaf(pg[m], vs[m * D + e], a);
        acc[r] += a;
      }
    }
  }
#pragma unroll
  for (int r = 0; r < kOut; r++) {
    const int ge = tid + r * kThreads;
    if (ge < G * D) out[t * qw + (int64_t)(h * G) * D + ge] = from_f<T>(acc[r]);
  }
}

}  // namespace

extern "C" int rc_hsa_attention(RcCtx ctx, const RcHsaAttentionParams* p) {
  RC_ENTER("hsaAttention");
  RC_REQUIRE(p->rows >= 0 && p->heads >= 1 && p->kv_heads >= 1 && p->heads % p->kv_heads == 0 && p->head_dim >= 1 &&
                 p->chunk_size >= 1 && p->top_k >= 1 && p->mem_rows >= 0,
             "hsaAttention", "bad sizes");
  if (p->rows == 0) return RC_OK;
  RC_REQUIRE(p->q && p->indices && p->weights && p->out, "hsaAttention", "null tensor");
  const int64_t chunks = p->mem_rows / p->chunk_size;
  const int64_t G = p->heads / p->kv_heads, D = p->head_dim, S = p->chunk_size;
  const size_t smem2 = sizeof(float) * (size_t)(S * (D + 1) + S * D + G * D + G * S);
  if (G * D <= kThreads * kOut && smem2 <= C->smem_optin && p->kv_heads <= 65535) {
    const dim3 grid((unsigned)p->rows, (unsigned)p->kv_heads);
    RC_DISPATCH(p->dtype, "hsaAttention", T, {
      int st = rc::allow_smem(C, (const void*)hsa_attention_v2<T>, smem2, "hsaAttention");
      if (st != RC_OK) return st;
      hsa_attention_v2<T><<<grid, kThreads, smem2, C->stream>>>(
          (const T*)p->q, (const T*)p->mem_k, (const T*)p->mem_v, (const int*)p->indices, (const T*)p->weights,
          (T*)p->out, (int)p->heads, (int)p->kv_heads, (int)D, (int)S, (int)p->top_k, chunks, (int)p->off_by_one,
          C->bad_index_dev);
    });
    return rc::after_launch("hsaAttention");
  }
  const size_t smem = sizeof(float) * kWarps * (size_t)(2 * p->head_dim + p->chunk_size);
  const dim3 grid((unsigned)p->rows, (unsigned)((p->heads + kWarps - 1) / kWarps));
  RC_REQUIRE(grid.y <= 65535, "hsaAttention", "too many heads");
  RC_DISPATCH(p->dtype, "hsaAttention", T, {
    int st = rc::allow_smem(C, (const void*)hsa_attention_kernel<T>, smem, "hsaAttention");
    if (st != RC_OK) return st;
    hsa_attention_kernel<T><<<grid, kWarps * 32, smem, C->stream>>>(
        (const T*)p->q, (const T*)p->mem_k, (const T*)p->mem_v, (const int*)p->indices, (const T*)p->weights,
        (T*)p->out, p->rows, (int)p->heads, (int)p->kv_heads, (int)p->head_dim, (int)p->chunk_size, (int)p->top_k,
        chunks, (int)p->off_by_one, C->bad_index_dev);
  });
  return rc::after_launch("hsaAttention");
}
