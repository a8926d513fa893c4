// rope.cu: rotate-half RoPE. The angle pos·theta^(-2j/D) is formed and reduced in double precision
// (at position 10^6 an fp32 angle would be off by ~0.06 rad); the rotation itself is fp32.
#include "common.cuh"

namespace {

/**
 * One thread per (row i, pair j < D/2), looping over heads: angle = (start + i)·theta^(-2j/D);
 * y[j] = x[j]·cos − x[j+D/2]·sin, y[j+D/2] = x[j+D/2]·cos + x[j]·sin. x, y (rows, H·D).
 */
template <typename T>
__global__ void rope_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t rows, int H, int D, int64_t start,
                            double theta) {
  const int half = D / 2;
  const int64_t n = rows * half;
  for (int64_t idx = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; idx < n; idx += (int64_t)gridDim.x * blockDim.x) {
    const int64_t i = idx / half;
    const int j = (int)(idx % half);
    const double angle = (double)(start + i) * pow(theta, (-2.0 * j) / D);
    double sd, cd;
    sincos(angle, &sd, &cd);
    const float s = (float)sd, c = (float)cd;
    for (int h = 0; h < H; h++) {
      const int64_t o = i * H * D + (int64_t)h * D + j;
      const float x1 = to_f(x[o]), x2 = to_f(x[o + half]);
      y[o] = from_f<T>(x1 * c - x2 * s);
      y[o + half] = from_f<T>(x2 * c + x1 * s);
    }
  }
}

}  // namespace

extern "C" int rc_rope(RcCtx ctx, const RcRopeParams* p) {
  RC_ENTER("rope");
  RC_REQUIRE(p->rows >= 0 && p->heads >= 1 && p->head_dim >= 2 && p->head_dim % 2 == 0 && p->start_pos >= 0 &&
                 p->theta > 0,
             "rope", "bad arguments");
  if (p->rows == 0) return RC_OK;
  RC_REQUIRE(p->x && p->out, "rope", "null tensor");
  const unsigned blocks = rc::grid_for(C, p->rows * (p->head_dim / 2), 128);
  RC_DISPATCH(p->dtype, "rope", T,
              rope_kernel<T><<<blocks, 128, 0, C->stream>>>((const T*)p->x, (T*)p->out, p->rows, (int)p->heads,
                                                           (int)p->head_dim, p->start_pos, p->theta));
  return rc::after_launch("rope");
}
