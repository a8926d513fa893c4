// hsa_select.cu: HSA landmark scoring fused with top-k (spec §5.1–5.3). A block scores a tile of queries
// against a tile of landmarks (an fp32 SIMT GEMM tile in shared memory) and folds each row's scores into
// that row's top-K list, kept sorted in shared memory; the score matrix is never written to device memory.
//
// The kept set is the top K under the order (score desc, chunk index desc): a tie goes to the newer chunk,
// exactly as the reference's sequential insertion does. That order is total, so candidates may be offered
// in any order — which lets a warp offer 32 at a time, and lets decode split the chunk range over blocks
// (partial lists) and merge them in a second kernel. Output slots are ordered newest chunk first and
// padded with (-1, -inf).
#include "common.cuh"

namespace {

constexpr int kBD = 16;      // reduction step over the retrieval dim
constexpr int kWarpsSel = 8; // 256 threads

/** Chunks visible to the query at absolute position t (as backends/reference/hsa_select.ts). */
__host__ __device__ __forceinline__ int64_t visible(int64_t t, int64_t num_chunks, int64_t S, int64_t W) {
  int64_t count = t / S;
  if (count > num_chunks) count = num_chunks;
  if (W > 0) {
    const int64_t wc = t < W ? 0 : (t - W) / S + 1;
    if (wc < count) count = wc;
  }
  return count;
}

__device__ __forceinline__ bool better(float s1, int c1, float s2, int c2) {
  return s1 > s2 || (s1 == s2 && c1 > c2);
}

/**
 * Offers one candidate per lane (`cand` says whether it is one) to a list of at most K entries sorted
 * by `better`. Lane 0 inserts them one at a time; candidates that the rising threshold excludes drop out.
 */
__device__ void warp_offer(float* ls, int* lc, int* kept, int K, float s, int c, bool cand, int lane) {
  cand = cand && (*kept < K || better(s, c, ls[K - 1], lc[K - 1]));
  unsigned mask = __ballot_sync(0xffffffffu, cand);
  while (mask) {
    const int leader = __ffs(mask) - 1;
    const float bs = __shfl_sync(0xffffffffu, s, leader);
    const int bc = __shfl_sync(0xffffffffu, c, leader);
    if (lane == 0) {
      int pos = -1;
      if (*kept < K) pos = (*kept)++;
      else if (better(bs, bc, ls[K - 1], lc[K - 1])) pos = K - 1;
      if (pos >= 0) {
        for (; pos > 0 && better(bs, bc, ls[pos - 1], lc[pos - 1]); pos--) ls[pos] = ls[pos - 1], lc[pos] = lc[pos - 1];
        ls[pos] = bs, lc[pos] = bc;
      }
    }
    __syncwarp();
    if (lane == leader) cand = false;
    cand = cand && (*kept < K || better(s, c, ls[K - 1], lc[K - 1]));
    mask = __ballot_sync(0xffffffffu, cand);
  }
}

/** Orders the kept entries by chunk index, newest first, and writes K slots padded with (-1, -inf). */
template <typename T>
__device__ void warp_finish(float* ls, int* lc, const int* kept, int K, int* out_idx, T* out_score, int lane) {
  const int n = *kept;
  if (lane == 0) {
    for (int a = 1; a < n; a++) {
      const int c = lc[a];
      const float s = ls[a];
      int pos = a;
      for (; pos > 0 && lc[pos - 1] < c; pos--) lc[pos] = lc[pos - 1], ls[pos] = ls[pos - 1];
      lc[pos] = c, ls[pos] = s;
    }
  }
  __syncwarp();
  for (int j = lane; j < K; j += 32) {
    out_idx[j] = j < n ? lc[j] : -1;
    out_score[j] = from_f<T>(j < n ? ls[j] : -INFINITY);
  }
}

struct SelArgs {
  const void* qr;         // (rows, dim), dim = Hkv·dr
  const void* landmarks;  // (≥ num_chunks, dim)
  int* indices;           // (rows, Hkv·K), when splits == 1
  void* scores;
  float* part_s;          // (splits, rows, Hkv, K) partial lists, when splits > 1
  int* part_c;
  int64_t rows, dim, Hkv, num_chunks, start, S, window, chunks_per_split;
  int dr, K, splits;
  float scale;
};

/**
 * Block (query tile of BQ rows, kv head, split). Per landmark tile of BC chunks: 1. scores of the tile
 * (each thread TM × TN of them, rows and chunks strided so shared-memory reads are conflict-free);
 * 2. each warp folds its rows' scores of visible chunks into the rows' lists. Finally each row's list is
 * written (or, with splits, handed to the merge kernel).
 */
template <typename T, int BQ, int BC, int TM, int TN>
__global__ void __launch_bounds__(256) hsa_select_kernel(SelArgs a) {
  constexpr int TY = BQ / TM, TX = BC / TN, QLD = BQ + 1, LLD = BC + 1, SLD = BC + 1;
  static_assert(TY * TX == 256, "256 threads");
  extern __shared__ float sm[];
  float* Qs = sm;                  // (kBD, QLD)
  float* Ls = Qs + kBD * QLD;      // (kBD, LLD)
  float* Ss = Ls + kBD * LLD;      // (BQ, SLD) scores of the tile
  float* list_s = Ss + BQ * SLD;   // (BQ, K)
  int* list_c = reinterpret_cast<int*>(list_s + BQ * a.K);  // (BQ, K)
  int* kept = list_c + BQ * a.K;   // (BQ)
  const int tid = threadIdx.x, ty = tid / TX, tx = tid % TX, warp = tid / 32, lane = tid & 31;
  const int h = blockIdx.y, split = blockIdx.z;
  const int64_t i0 = (int64_t)blockIdx.x * BQ;
  const int64_t last = (a.rows < i0 + BQ ? a.rows : i0 + BQ) - 1;
  const int64_t block_count = visible(a.start + last, a.num_chunks, a.S, a.window);
  const int64_t c_begin = (int64_t)split * a.chunks_per_split;
  const int64_t c_end = block_count < c_begin + a.chunks_per_split ? block_count : c_begin + a.chunks_per_split;
  const T* qr = (const T*)a.qr;
  const T* lm = (const T*)a.landmarks;
  for (int r = tid; r < BQ; r += blockDim.x) kept[r] = 0;
  __syncthreads();

  for (int64_t c0 = c_begin; c0 < c_end; c0 += BC) {
    // 1. Scores of the tile.
    float acc[TM][TN];
#pragma unroll
    for (int i = 0; i < TM; i++)
#pragma unroll
      for (int j = 0; j < TN; j++) acc[i][j] = 0.f;
    for (int k0 = 0; k0 < a.dr; k0 += kBD) {
      for (int e = tid; e < kBD * BQ; e += blockDim.x) {
        const int r = e / kBD, kk = e % kBD, k = k0 + kk;
        const int64_t i = i0 + r;
        Qs[kk * QLD + r] = (i < a.rows && k < a.dr) ? to_f(qr[i * a.dim + (int64_t)h * a.dr + k]) : 0.f;
      }
      for (int e = tid; e < kBD * BC; e += blockDim.x) {
        const int cc = e / kBD, kk = e % kBD, k = k0 + kk;
        const int64_t c = c0 + cc;
        Ls[kk * LLD + cc] = (c < c_end && k < a.dr) ? to_f(lm[c * a.dim + (int64_t)h * a.dr + k]) : 0.f;
      }
      __syncthreads();
#pragma unroll
      for (int kk = 0; kk < kBD; kk++) {
        float q[TM], l[TN];
#pragma unroll
        for (int i = 0; i < TM; i++) q[i] = Qs[kk * QLD + ty + i * TY];
#pragma unroll
        for (int j = 0; j < TN; j++) l[j] = Ls[kk * LLD + tx + j * TX];
#pragma unroll
        for (int i = 0; i < TM; i++)
#pragma unroll
          for (int j = 0; j < TN; j++) acc[i][j] = fmaf(q[i], l[j], acc[i][j]);
      }
      __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < TM; i++)
#pragma unroll
      for (int j = 0; j < TN; j++) Ss[(ty + i * TY) * SLD + tx + j * TX] = acc[i][j] * a.scale;
    __syncthreads();
    // 2. Fold the visible chunks of each row into its list.
    for (int r = warp; r < BQ; r += kWarpsSel) {
      const int64_t i = i0 + r;
      if (i >= a.rows) continue;
      const int64_t count = visible(a.start + i, a.num_chunks, a.S, a.window);
      for (int cb = 0; cb < BC; cb += 32) {
        const int cc = cb + lane;
        const int64_t c = c0 + cc;
        const bool cand = cc < BC && c < count && c < c_end;
        const float s = cand ? Ss[r * SLD + cc] : -INFINITY;
        warp_offer(list_s + r * a.K, list_c + r * a.K, kept + r, a.K, s, (int)c, cand, lane);
      }
    }
    __syncthreads();
  }
  // 3. Write the rows' lists.
  for (int r = warp; r < BQ; r += kWarpsSel) {
    const int64_t i = i0 + r;
    if (i >= a.rows) continue;
    float* ls = list_s + r * a.K;
    int* lc = list_c + r * a.K;
    const int64_t Hkv = a.Hkv;
    if (a.splits == 1) {
      const int64_t o = (i * Hkv + h) * a.K;
      warp_finish<T>(ls, lc, kept + r, a.K, a.indices + o, (T*)a.scores + o, lane);
    } else {
      const int64_t o = (((int64_t)split * a.rows + i) * Hkv + h) * a.K;
      const int n = kept[r];
      for (int j = lane; j < a.K; j += 32) {
        a.part_s[o + j] = j < n ? ls[j] : -INFINITY;
        a.part_c[o + j] = j < n ? lc[j] : -1;
      }
    }
  }
}

/** One warp per (row, kv head): merges the splits' lists, then writes the slots as above. */
template <typename T>
__global__ void __launch_bounds__(256) hsa_select_merge_kernel(const float* __restrict__ part_s,
                                                               const int* __restrict__ part_c, int* out_idx,
                                                               T* out_score, int64_t groups, int K, int splits) {
  extern __shared__ float sm[];
  const int warp = threadIdx.x / 32, lane = threadIdx.x & 31;
  const int64_t w = (int64_t)blockIdx.x * kWarpsSel + warp;
  if (w >= groups) return;
  float* ls = sm + warp * (2 * K + 1);
  int* lc = reinterpret_cast<int*>(ls + K);
  int* kept = lc + K;
  if (lane == 0) *kept = 0;
  __syncwarp();
  const int total = splits * K;
  for (int base = 0; base < total; base += 32) {
    const int q = base + lane;
    float s = -INFINITY;
    int c = -1;
    if (q < total) {
      const int64_t o = ((int64_t)(q / K) * groups + w) * K + q % K;
      s = part_s[o];
      c = part_c[o];
    }
    warp_offer(ls, lc, kept, K, s, c, c >= 0, lane);
  }
  warp_finish<T>(ls, lc, kept, K, out_idx + w * K, out_score + w * K, lane);
}

template <typename T, int BQ, int BC, int TM, int TN>
int launch(rc::Ctx* C, SelArgs a, int64_t Hkv) {
  const size_t smem = sizeof(float) * (size_t)(kBD * (BQ + 1) + kBD * (BC + 1) + BQ * (BC + 1)) +
                      (sizeof(float) + sizeof(int)) * (size_t)(BQ * a.K) + sizeof(int) * BQ;
  int st = rc::allow_smem(C, (const void*)hsa_select_kernel<T, BQ, BC, TM, TN>, smem, "hsaSelect");
  if (st != RC_OK) return st;
  const dim3 grid((unsigned)((a.rows + BQ - 1) / BQ), (unsigned)Hkv, (unsigned)a.splits);
  hsa_select_kernel<T, BQ, BC, TM, TN><<<grid, 256, smem, C->stream>>>(a);
  if (a.splits > 1) {
    const int64_t groups = a.rows * Hkv;
    const size_t msmem = sizeof(float) * kWarpsSel * (size_t)(2 * a.K + 1);
    st = rc::allow_smem(C, (const void*)hsa_select_merge_kernel<T>, msmem, "hsaSelect merge");
    if (st != RC_OK) return st;
    hsa_select_merge_kernel<T><<<(unsigned)((groups + kWarpsSel - 1) / kWarpsSel), 256, msmem, C->stream>>>(
        a.part_s, a.part_c, a.indices, (T*)a.scores, groups, a.K, a.splits);
  }
  return rc::after_launch("hsaSelect");
}

/** Decode (≤ 8 query rows): 8 × 256 tiles; prefill: 64 × 64 tiles. */
constexpr int kDecodeRows = 8;

template <typename T>
int dispatch(rc::Ctx* C, SelArgs a, int64_t Hkv) {
  if (a.rows <= kDecodeRows) return launch<T, 8, 256, 1, 8>(C, a, Hkv);
  return launch<T, 64, 64, 4, 4>(C, a, Hkv);
}

}  // namespace

extern "C" int rc_hsa_select(RcCtx ctx, const RcHsaSelectParams* p) {
  RC_ENTER("hsaSelect");
  RC_REQUIRE(p->rows >= 0 && p->kv_heads >= 1 && p->dim >= p->kv_heads && p->dim % p->kv_heads == 0 && p->top_k >= 1 &&
                 p->chunk_size >= 1 && p->num_chunks >= 0 && p->start_pos >= 0 && p->window >= 0 &&
                 p->kv_heads <= 65535 && p->top_k <= 100000 && p->num_chunks < INT32_MAX,
             "hsaSelect", "bad sizes or options");
  if (p->rows == 0) return RC_OK;
  RC_REQUIRE(p->qr && p->indices && p->scores && (p->landmarks || p->num_chunks == 0), "hsaSelect", "null tensor");
  SelArgs a = {};
  a.qr = p->qr, a.landmarks = p->landmarks, a.indices = (int*)p->indices, a.scores = p->scores;
  a.rows = p->rows, a.dim = p->dim, a.Hkv = p->kv_heads, a.num_chunks = p->num_chunks, a.start = p->start_pos, a.S = p->chunk_size;
  a.window = p->window, a.dr = (int)(p->dim / p->kv_heads), a.K = (int)p->top_k;
  a.scale = 1.f / sqrtf((float)a.dr);
  // Split the chunk range over blocks when the query tiles alone cannot fill the device (decode).
  const int BQ = p->rows <= kDecodeRows ? 8 : 64, BC = p->rows <= kDecodeRows ? 256 : 64;
  const int64_t most = visible(p->start_pos + p->rows - 1, p->num_chunks, p->chunk_size, p->window);
  const int64_t tiles = (most + BC - 1) / BC;
  const int64_t qblocks = (p->rows + BQ - 1) / BQ * p->kv_heads;
  int64_t splits = 1;
  if (qblocks < 2 * (int64_t)C->sms && tiles > 4) {
    splits = (2 * C->sms + qblocks - 1) / qblocks;
    if (splits > (tiles + 3) / 4) splits = (tiles + 3) / 4;
  }
  const int64_t per = tiles > 0 ? (tiles + splits - 1) / splits : 1;
  splits = tiles > 0 ? (tiles + per - 1) / per : 1;
  a.chunks_per_split = per * BC;
  a.splits = (int)splits;
  void* part = nullptr;
  if (splits > 1) {
    const size_t n = (size_t)(splits * p->rows * p->kv_heads * p->top_k);
    int st = rc::scratch_alloc(C, n * (sizeof(float) + sizeof(int)), &part, "hsaSelect partial lists");
    if (st != RC_OK) return st;
    a.part_s = (float*)part;
    a.part_c = (int*)(a.part_s + n);
  }
  int st = RC_OK;
  if (p->dtype == RC_F32) st = dispatch<float>(C, a, p->kv_heads);
  else if (p->dtype == RC_BF16) st = dispatch<bf16>(C, a, p->kv_heads);
  else st = rc::fail(RC_ERR_INVALID, "hsaSelect: dtype %lld is not a float storage type", (long long)p->dtype);
  rc::scratch_free(C, part);
  return st;
}
