// embedding.cu: out[t, :] = table[ids[t], :]. Ids were range-checked on the host (backends/cuda/cuda_ops.ts),
// so the kernel only copies storage (no conversion, no rounding).
#include "common.cuh"

namespace {

/** One block per token row; threads stride over the row. table (V, dim), ids (rows), out (rows, dim). */
template <typename T>
__global__ void embedding_kernel(const T* __restrict__ table, const int* __restrict__ ids, T* __restrict__ out,
                                 int64_t rows, int64_t dim) {
  for (int64_t t = blockIdx.x; t < rows; t += gridDim.x) {
    const T* src = table + (int64_t)ids[t] * dim;
    T* dst = out + t * dim;
    for (int64_t c = threadIdx.x; c < dim; c += blockDim.x) dst[c] = src[c];
  }
}

}  // namespace

extern "C" int rc_embedding(RcCtx ctx, const RcEmbeddingParams* p) {
  RC_ENTER("embedding");
  RC_REQUIRE(p->rows >= 0 && p->dim >= 0 && p->vocab >= 0, "embedding", "negative size");
  if (p->rows == 0 || p->dim == 0) return RC_OK;
  RC_REQUIRE(p->table && p->ids && p->out, "embedding", "null tensor");
  const unsigned blocks = (unsigned)(p->rows < 65535 * 8 ? p->rows : 65535 * 8);
  RC_DISPATCH(p->dtype, "embedding", T,
              embedding_kernel<T><<<blocks, 128, 0, C->stream>>>((const T*)p->table, (const int*)p->ids, (T*)p->out,
                                                                p->rows, p->dim));
  return rc::after_launch("embedding");
}
