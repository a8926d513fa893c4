// chunk_encode.cu: HSA chunk encode without an encoder (spec §4): keys = e·wkᵀ, values = e·wvᵀ through the
// linear GEMM, landmarks = mean_chunk(e)·wLmkᵀ with the chunk means kept in fp32 scratch (not rounded to
// the storage type, as in the reference).
#include "common.cuh"

namespace {

/** mean[c, k] = (1/S)·Σ_{m<S} e[c·S + m, k]; e (n·S, d), mean (n, d) fp32. */
template <typename T>
__global__ void chunk_mean_kernel(const T* __restrict__ e, float* __restrict__ mean, int64_t n, int64_t d, int64_t S) {
  for (int64_t idx = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; idx < n * d;
       idx += (int64_t)gridDim.x * blockDim.x) {
    const int64_t c = idx / d, k = idx % d;
    const T* col = e + c * S * d + k;
    float acc = 0.f;
    for (int64_t m = 0; m < S; m++) acc += to_f(col[m * d]);
    mean[idx] = acc / (float)S;
  }
}

}  // namespace

extern "C" int rc_chunk_encode(RcCtx ctx, const RcChunkEncodeParams* p) {
  RC_ENTER("chunkEncode");
  RC_REQUIRE(p->rows >= 0 && p->dim >= 0 && p->kv_dim >= 0 && p->lmk_dim >= 0 && p->chunk_size >= 1 &&
                 p->rows % p->chunk_size == 0,
             "chunkEncode", "bad sizes (rows %lld, chunk size %lld)", (long long)p->rows, (long long)p->chunk_size);
  if (p->rows == 0) return RC_OK;
  const int64_t n = p->rows / p->chunk_size;
  // 1. Per-token keys and values.
  int st = rc::gemm(C, p->dtype, p->e, p->wk, nullptr, p->keys, p->rows, p->dim, p->kv_dim, "chunkEncode keys");
  if (st == RC_OK) st = rc::gemm(C, p->dtype, p->e, p->wv, nullptr, p->values, p->rows, p->dim, p->kv_dim,
                                 "chunkEncode values");
  if (st != RC_OK) return st;
  if (p->dim == 0 || p->lmk_dim == 0) {  // means of empty rows: the landmarks are zero
    const size_t bytes = (size_t)(n * p->lmk_dim) * (p->dtype == RC_BF16 ? 2 : 4);
    cudaError_t e = bytes ? cudaMemsetAsync(p->landmarks, 0, bytes, C->stream) : cudaSuccess;
    return e == cudaSuccess ? RC_OK : rc::cuda_fail(e, "chunkEncode");
  }
  // 2. Chunk means, 3. landmarks.
  float* mean = nullptr;
  st = rc::scratch_alloc(C, sizeof(float) * (size_t)(n * p->dim), (void**)&mean, "chunkEncode chunk means");
  if (st != RC_OK) return st;
  const unsigned blocks = rc::grid_for(C, n * p->dim, 256);
  if (p->dtype == RC_F32) {
    chunk_mean_kernel<float><<<blocks, 256, 0, C->stream>>>((const float*)p->e, mean, n, p->dim, p->chunk_size);
  } else {
    chunk_mean_kernel<bf16><<<blocks, 256, 0, C->stream>>>((const bf16*)p->e, mean, n, p->dim, p->chunk_size);
  }
  st = rc::after_launch("chunkEncode means");
  if (st == RC_OK) st = rc::gemm_f32a(C, p->dtype, mean, p->wlmk, p->landmarks, n, p->dim, p->lmk_dim,
                                      "chunkEncode landmarks");
  rc::scratch_free(C, mean);
  return st;
}
