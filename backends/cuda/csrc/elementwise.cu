// elementwise.cu: add, mul, silu (fp32 arithmetic, one rounding to storage), sliceCols and copyRows
// (storage copies, no rounding).
#include "common.cuh"

namespace {

template <typename T, int OP>  // OP 0: a + b, 1: a * b
__global__ void binary_kernel(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ out, int64_t n) {
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const float x = to_f(a[i]), y = to_f(b[i]);
    out[i] = from_f<T>(OP == 0 ? x + y : x * y);
  }
}

template <typename T>
__global__ void silu_kernel(const T* __restrict__ x, T* __restrict__ out, int64_t n) {
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
    out[i] = from_f<T>(silu_f(to_f(x[i])));
}

/** out (rows, width) = x (rows, cols)[:, start : start + width]. */
template <typename T>
__global__ void slice_cols_kernel(const T* __restrict__ x, T* __restrict__ out, int64_t rows, int64_t cols,
                                  int64_t start, int64_t width) {
  const int64_t n = rows * width;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t t = i / width, j = i % width;
    out[i] = x[t * cols + start + j];
  }
}

template <int OP>
int binary(RcCtx ctx, const RcBinaryParams* p, const char* name) {
  RC_ENTER(name);
  if (p->n < 0) return rc::fail(RC_ERR_INVALID, "%s: negative size", name);
  if (p->n == 0) return RC_OK;
  if (!p->a || !p->b || !p->out) return rc::fail(RC_ERR_INVALID, "%s: null tensor", name);
  const unsigned blocks = rc::grid_for(C, p->n, 256);
  RC_DISPATCH(p->dtype, name, T,
              binary_kernel<T, OP><<<blocks, 256, 0, C->stream>>>((const T*)p->a, (const T*)p->b, (T*)p->out, p->n));
  return rc::after_launch(name);
}

}  // namespace

extern "C" int rc_add(RcCtx ctx, const RcBinaryParams* p) { return binary<0>(ctx, p, "add"); }

extern "C" int rc_mul(RcCtx ctx, const RcBinaryParams* p) { return binary<1>(ctx, p, "mul"); }

extern "C" int rc_silu(RcCtx ctx, const RcUnaryParams* p) {
  RC_ENTER("silu");
  RC_REQUIRE(p->n >= 0, "silu", "negative size");
  if (p->n == 0) return RC_OK;
  RC_REQUIRE(p->x && p->out, "silu", "null tensor");
  const unsigned blocks = rc::grid_for(C, p->n, 256);
  RC_DISPATCH(p->dtype, "silu", T,
              silu_kernel<T><<<blocks, 256, 0, C->stream>>>((const T*)p->x, (T*)p->out, p->n));
  return rc::after_launch("silu");
}

extern "C" int rc_slice_cols(RcCtx ctx, const RcSliceColsParams* p) {
  RC_ENTER("sliceCols");
  RC_REQUIRE(p->rows >= 0 && p->cols >= 0 && p->start >= 0 && p->width >= 0 && p->start + p->width <= p->cols,
             "sliceCols", "columns %lld .. %lld exceed %lld", (long long)p->start,
             (long long)(p->start + p->width - 1), (long long)p->cols);
  if (p->rows == 0 || p->width == 0) return RC_OK;
  RC_REQUIRE(p->x && p->out, "sliceCols", "null tensor");
  const unsigned blocks = rc::grid_for(C, p->rows * p->width, 256);
  RC_DISPATCH(p->dtype, "sliceCols", T,
              slice_cols_kernel<T><<<blocks, 256, 0, C->stream>>>((const T*)p->x, (T*)p->out, p->rows, p->cols,
                                                                 p->start, p->width));
  return rc::after_launch("sliceCols");
}

extern "C" int rc_copy_rows(RcCtx ctx, const RcCopyRowsParams* p) {
  RC_ENTER("copyRows");
  RC_REQUIRE(p->n >= 0 && p->dst_row >= 0 && p->src_row >= 0 && p->row_bytes >= 0, "copyRows", "negative size");
  const size_t bytes = (size_t)(p->n * p->row_bytes);
  if (bytes == 0) return RC_OK;
  RC_REQUIRE(p->dst && p->src, "copyRows", "null tensor");
  char* d = (char*)p->dst + p->dst_row * p->row_bytes;
  const char* s = (const char*)p->src + p->src_row * p->row_bytes;
  if (d == s) return RC_OK;
  cudaError_t e;
  if (d < s + bytes && s < d + bytes) {
    // Overlapping ranges of one buffer: copy through a temporary, as the reference's TypedArray.set does.
    void* tmp = nullptr;
    int st = rc::scratch_alloc(C, bytes, &tmp, "copyRows (overlap temporary)");
    if (st != RC_OK) return st;
    e = cudaMemcpyAsync(tmp, s, bytes, cudaMemcpyDeviceToDevice, C->stream);
    if (e == cudaSuccess) e = cudaMemcpyAsync(d, tmp, bytes, cudaMemcpyDeviceToDevice, C->stream);
    rc::scratch_free(C, tmp);
  } else {
    e = cudaMemcpyAsync(d, s, bytes, cudaMemcpyDeviceToDevice, C->stream);
  }
  return e == cudaSuccess ? RC_OK : rc::cuda_fail(e, "copyRows");
}
