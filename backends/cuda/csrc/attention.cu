// attention.cu: causal softmax attention over a KV cache and the segment's own keys (flash-attention
// style: keys stream through shared memory in tiles with an online softmax, no T × T matrix), optional
// sliding window and GQA; plus cacheWrite. Past positions p < pastLen are read at cache row p % cap.
// When there are too few query tiles to fill the device (decode), the key range is split across blocks
// and a second kernel combines the partial softmaxes (flash-decoding).
#include "common.cuh"

namespace {

constexpr int kRows = 4;               // query rows per warp
constexpr int kWarps = 4;              // warps per block
constexpr int kBQ = kRows * kWarps;    // query rows per block
constexpr int kBK = 32;                // keys per tile (one per lane)

struct AttnArgs {
  const void* q;        // (rows, Hq·D)
  const void* k;        // (rows, Hkv·D), positions past .. past+rows-1
  const void* v;
  const void* cache_k;  // (cap, Hkv·D), position p < past at row p % cap
  const void* cache_v;
  void* out;            // (rows, Hq·D), when splits == 1
  float* part_o;        // (splits, rows, Hq, D) unnormalised outputs, when splits > 1
  float* part_ml;       // (splits, rows, Hq, 2) running max and sum
  int64_t rows, past, cap, window, keys_per_split;
  int Hq, Hkv, D, splits;
  float scale;
};

/** Position of the key of tile row `pos`, read from the cache or the segment (storage → fp32). */
template <typename T>
__device__ __forceinline__ void load_kv(const AttnArgs& a, int64_t pos, int64_t col, float& kv, float& vv) {
  const int64_t kvw = (int64_t)a.Hkv * a.D;
  if (pos < a.past) {
    const int64_t o = (pos % a.cap) * kvw + col;
    kv = to_f(((const T*)a.cache_k)[o]);
    vv = to_f(((const T*)a.cache_v)[o]);
  } else {
    const int64_t o = (pos - a.past) * kvw + col;
    kv = to_f(((const T*)a.k)[o]);
    vv = to_f(((const T*)a.v)[o]);
  }
}

/**
 * Block (query tile, head hq, split): 4 warps × 4 query rows. Per key tile: lane j scores key j for each
 * row (q pre-scaled by 1/sqrt(D) in shared memory), the warp updates the row's running max m, sum l and
 * output o (lane owns dims lane + 32u). Row at position t sees keys max(0, t−W) .. t (all ≤ t when W = 0).
 */
template <typename T, int DMAX>
__global__ void __launch_bounds__(128) attention_kernel(AttnArgs a) {
  extern __shared__ float sm[];
  const int D = a.D, DP = D + 1;
  float* Qs = sm;               // (kBQ, D)
  float* Ks = Qs + kBQ * D;     // (kBK, D+1)
  float* Vs = Ks + kBK * DP;    // (kBK, D+1)
  const int tid = threadIdx.x, warp = tid / 32, lane = tid & 31;
  const int hq = blockIdx.y, hk = hq / (a.Hq / a.Hkv), split = blockIdx.z;
  const int64_t i0 = (int64_t)blockIdx.x * kBQ;
  const int64_t qw = (int64_t)a.Hq * D;

  // 1. The block's query rows, scaled.
  for (int e = tid; e < kBQ * D; e += blockDim.x) {
    const int r = e / D, d = e % D;
    const int64_t i = i0 + r;
    Qs[e] = i < a.rows ? to_f(((const T*)a.q)[i * qw + (int64_t)hq * D + d]) * a.scale : 0.f;
  }
  // 2. Keys of the block (the union of its rows' ranges), then this split's part of them.
  const int64_t last = (a.rows < i0 + kBQ ? a.rows : i0 + kBQ) - 1;
  const int64_t t_first = a.past + i0, t_last = a.past + last;
  const int64_t lo = a.window > 0 ? (t_first - a.window > 0 ? t_first - a.window : 0) : 0;
  const int64_t s_lo = lo + split * a.keys_per_split;
  const int64_t s_hi = t_last + 1 < s_lo + a.keys_per_split ? t_last + 1 : s_lo + a.keys_per_split;

  float m[kRows], l[kRows], o[kRows][DMAX / 32];
  int64_t trow[kRows];
  bool valid[kRows];
#pragma unroll
  for (int rr = 0; rr < kRows; rr++) {
    m[rr] = -INFINITY, l[rr] = 0.f;
#pragma unroll
    for (int u = 0; u < DMAX / 32; u++) o[rr][u] = 0.f;
    const int64_t i = i0 + warp * kRows + rr;
    valid[rr] = i < a.rows;
    trow[rr] = a.past + i;
  }
  __syncthreads();

  for (int64_t k0 = s_lo; k0 < s_hi; k0 += kBK) {
    // 3. Stage the key/value tile.
    for (int e = tid; e < kBK * D; e += blockDim.x) {
      const int j = e / D, d = e % D;
      const int64_t pos = k0 + j;
      float kv = 0.f, vv = 0.f;
      if (pos < s_hi) load_kv<T>(a, pos, (int64_t)hk * D + d, kv, vv);
      Ks[j * DP + d] = kv;
      Vs[j * DP + d] = vv;
    }
    __syncthreads();
    // 4. Online softmax update of each row with this tile.
    const int64_t pos = k0 + lane;
#pragma unroll
    for (int rr = 0; rr < kRows; rr++) {
      const int r = warp * kRows + rr;
      const int64_t t = trow[rr];
      const bool ok = valid[rr] && pos < s_hi && pos <= t && (a.window == 0 || pos >= t - a.window);
      float s = -INFINITY;
      if (ok) {
        float acc = 0.f;
        for (int d = 0; d < D; d++) acc = fmaf(Qs[r * D + d], Ks[lane * DP + d], acc);
        s = acc;
      }
      const float mnew = fmaxf(m[rr], warp_max(s));
      if (mnew == -INFINITY) continue;  // no visible key yet (uniform across the warp)
      const float alpha = expf(m[rr] - mnew);
      const float pj = ok ? expf(s - mnew) : 0.f;
      l[rr] = l[rr] * alpha + warp_sum(pj);
#pragma unroll
      for (int u = 0; u < DMAX / 32; u++) o[rr][u] *= alpha;
#pragma unroll 4
      for (int j = 0; j < kBK; j++) {
        const float w = __shfl_sync(0xffffffffu, pj, j);
#pragma unroll
        for (int u = 0; u < DMAX / 32; u++) {
          const int d = lane + 32 * u;
          if (d < D) o[rr][u] = fmaf(w, Vs[j * DP + d], o[rr][u]);
        }
      }
      m[rr] = mnew;
    }
    __syncthreads();
  }
  // 5. Normalise (or hand the partial over to the combine kernel).
#pragma unroll
  for (int rr = 0; rr < kRows; rr++) {
    if (!valid[rr]) continue;
    const int64_t i = i0 + warp * kRows + rr;
    if (a.splits == 1) {
      const float inv = 1.f / l[rr];
#pragma unroll
      for (int u = 0; u < DMAX / 32; u++) {
        const int d = lane + 32 * u;
        if (d < D) ((T*)a.out)[i * qw + (int64_t)hq * D + d] = from_f<T>(o[rr][u] * inv);
      }
    } else {
      const int64_t base = ((int64_t)split * a.rows + i) * a.Hq + hq;
#pragma unroll
      for (int u = 0; u < DMAX / 32; u++) {
        const int d = lane + 32 * u;
        if (d < D) a.part_o[base * D + d] = o[rr][u];
      }
      if (lane == 0) a.part_ml[base * 2] = m[rr], a.part_ml[base * 2 + 1] = l[rr];
    }
  }
}

/** Combines the splits of one (row, head) per warp: o = Σ_s e^{m_s−M}·o_s / Σ_s e^{m_s−M}·l_s. */
template <typename T>
__global__ void attention_combine_kernel(const float* __restrict__ part_o, const float* __restrict__ part_ml,
                                         T* __restrict__ out, int64_t rows, int Hq, int D, int splits) {
  const int lane = threadIdx.x & 31;
  const int64_t w = (int64_t)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
  if (w >= rows * Hq) return;
  const int64_t stride = rows * Hq;  // between splits, in (row, head) units
  float M = -INFINITY;
  for (int s = 0; s < splits; s++) M = fmaxf(M, part_ml[(s * stride + w) * 2]);
  float L = 0.f;
  for (int s = 0; s < splits; s++) {
    const float ms = part_ml[(s * stride + w) * 2];
    if (ms != -INFINITY) L += part_ml[(s * stride + w) * 2 + 1] * expf(ms - M);
  }
  for (int d = lane; d < D; d += 32) {
    float acc = 0.f;
    for (int s = 0; s < splits; s++) {
      const float ms = part_ml[(s * stride + w) * 2];
      if (ms != -INFINITY) acc += part_o[(s * stride + w) * D + d] * expf(ms - M);
    }
    out[w * D + d] = from_f<T>(acc / L);
  }
}

template <typename T, int DMAX>
int launch(rc::Ctx* C, AttnArgs a, dim3 grid, size_t smem) {
  int st = rc::allow_smem(C, (const void*)attention_kernel<T, DMAX>, smem, "attention");
  if (st != RC_OK) return st;
  attention_kernel<T, DMAX><<<grid, kWarps * 32, smem, C->stream>>>(a);
  if (a.splits > 1) {
    const int64_t warps = a.rows * a.Hq;
    attention_combine_kernel<T><<<(unsigned)((warps + 7) / 8), 256, 0, C->stream>>>(a.part_o, a.part_ml, (T*)a.out,
                                                                                   a.rows, a.Hq, a.D, a.splits);
  }
  return rc::after_launch("attention");
}

template <typename T>
int dispatch_dim(rc::Ctx* C, AttnArgs a, dim3 grid, size_t smem) {
  if (a.D <= 32) return launch<T, 32>(C, a, grid, smem);
  if (a.D <= 64) return launch<T, 64>(C, a, grid, smem);
  if (a.D <= 128) return launch<T, 128>(C, a, grid, smem);
  return launch<T, 256>(C, a, grid, smem);
}

/** cache row (past + i) % cap = src row i, for the rows that survive (the last cap of them). */
template <typename T>
__global__ void cache_write_kernel(T* __restrict__ cache, const T* __restrict__ src, int64_t rows, int64_t cols,
                                   int64_t cap, int64_t past, int64_t first) {
  const int64_t n = (rows - first) * cols;
  for (int64_t e = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (int64_t)gridDim.x * blockDim.x) {
    const int64_t i = first + e / cols, c = e % cols;
    cache[((past + i) % cap) * cols + c] = src[i * cols + c];
  }
}

}  // namespace

extern "C" int rc_attention(RcCtx ctx, const RcAttentionParams* p) {
  RC_ENTER("attention");
  RC_REQUIRE(p->rows >= 0 && p->heads >= 1 && p->kv_heads >= 1 && p->heads % p->kv_heads == 0 && p->head_dim >= 1 &&
                 p->past_len >= 0 && p->cap >= 0 && p->window >= 0 && p->heads <= 65535,
             "attention", "bad sizes");
  if (p->head_dim > 256) {
    return rc::fail(RC_ERR_UNSUPPORTED, "attention: headDim = %lld, the CUDA kernel supports at most 256",
                    (long long)p->head_dim);
  }
  if (p->rows == 0) return RC_OK;
  const int64_t needed = p->window > 0 ? (p->past_len < p->window ? p->past_len : p->window) : p->past_len;
  RC_REQUIRE(p->cap >= needed && (p->cap > 0 || p->past_len == 0), "attention", "cache has %lld rows, needs %lld",
             (long long)p->cap, (long long)needed);
  AttnArgs a = {};
  a.q = p->q, a.k = p->k, a.v = p->v, a.cache_k = p->cache_k, a.cache_v = p->cache_v, a.out = p->out;
  a.rows = p->rows, a.past = p->past_len, a.cap = p->cap > 0 ? p->cap : 1, a.window = p->window;
  a.Hq = (int)p->heads, a.Hkv = (int)p->kv_heads, a.D = (int)p->head_dim;
  a.scale = 1.f / sqrtf((float)p->head_dim);
  // Split the key range when the query tiles alone cannot fill the device.
  const int64_t qblocks = (p->rows + kBQ - 1) / kBQ * p->heads;
  const int64_t total = p->past_len + p->rows;
  const int64_t span = p->window > 0 && p->window + kBQ < total ? p->window + kBQ : total;
  int64_t splits = 1;
  if (qblocks < 2 * (int64_t)C->sms && span > 512) {
    splits = (2 * C->sms + qblocks - 1) / qblocks;
    const int64_t most = (span + 255) / 256;
    if (splits > most) splits = most;
    if (splits > 256) splits = 256;
  }
  int64_t kps = (span + splits - 1) / splits;
  kps = (kps + kBK - 1) / kBK * kBK;
  splits = (span + kps - 1) / kps;
  a.keys_per_split = kps;
  a.splits = (int)splits;
  float* part = nullptr;
  if (splits > 1) {
    const size_t n = (size_t)(splits * p->rows * p->heads);
    int st = rc::scratch_alloc(C, sizeof(float) * n * (size_t)(p->head_dim + 2), (void**)&part, "attention partials");
    if (st != RC_OK) return st;
    a.part_o = part;
    a.part_ml = part + n * (size_t)p->head_dim;
  }
  const dim3 grid((unsigned)((p->rows + kBQ - 1) / kBQ), (unsigned)p->heads, (unsigned)splits);
  const size_t smem = sizeof(float) * (size_t)(kBQ * p->head_dim + 2 * kBK * (p->head_dim + 1));
  int st = RC_OK;
  if (p->dtype == RC_F32) st = dispatch_dim<float>(C, a, grid, smem);
  else if (p->dtype == RC_BF16) st = dispatch_dim<bf16>(C, a, grid, smem);
  else st = rc::fail(RC_ERR_INVALID, "attention: dtype %lld is not a float storage type", (long long)p->dtype);
  rc::scratch_free(C, part);
  return st;
}

extern "C" int rc_cache_write(RcCtx ctx, const RcCacheWriteParams* p) {
  RC_ENTER("cacheWrite");
  RC_REQUIRE(p->rows >= 0 && p->cols >= 0 && p->cap >= 0 && p->past_len >= 0, "cacheWrite", "negative size");
  if (p->rows == 0 || p->cols == 0) return RC_OK;
  RC_REQUIRE(p->cap > 0, "cacheWrite", "cache has 0 rows");
  RC_REQUIRE(p->cache && p->src, "cacheWrite", "null tensor");
  // Rows that a later row of the same call overwrites are skipped: parallel writes must not collide.
  const int64_t first = p->rows > p->cap ? p->rows - p->cap : 0;
  const unsigned blocks = rc::grid_for(C, (p->rows - first) * p->cols, 256);
  RC_DISPATCH(p->dtype, "cacheWrite", T,
              cache_write_kernel<T><<<blocks, 256, 0, C->stream>>>((T*)p->cache, (const T*)p->src, p->rows, p->cols,
                                                                  p->cap, p->past_len, first));
  return rc::after_launch("cacheWrite");
}
