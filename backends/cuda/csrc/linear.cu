// linear.cu: out = x·wᵀ (+ bias), the hot path of every model. Three kernels of our own, all with fp32
// accumulation: a warp-per-output GEMV for few rows (decode), a bf16 tensor-core (wmma) tile kernel and
// an fp32 SIMT tile kernel; cuBLAS (dlopen'ed at init, no headers needed) replaces them where loaded.
#include <dlfcn.h>
#include <library_types.h>
#include <mma.h>
#include <stdio.h>

#include "common.cuh"

namespace {

constexpr int kGemvMaxRows = 8;  // rows handled by the GEMV kernel

/** n values from p (16-byte aligned) as floats: 4 f32 or 8 bf16 per vector. */
template <typename T>
struct Vec;
template <>
struct Vec<float> {
  static constexpr int N = 4;
  __device__ __forceinline__ static void load(const float* p, float* o) {
    float4 v = *reinterpret_cast<const float4*>(p);
    o[0] = v.x, o[1] = v.y, o[2] = v.z, o[3] = v.w;
  }
};
template <>
struct Vec<bf16> {
  static constexpr int N = 8;
  __device__ __forceinline__ static void load(const bf16* p, float* o) {
    uint4 v = *reinterpret_cast<const uint4*>(p);
    const __nv_bfloat162* h = reinterpret_cast<const __nv_bfloat162*>(&v);
#pragma unroll
    for (int i = 0; i < 4; i++) {
      float2 f = __bfloat1622float2(h[i]);
      o[2 * i] = f.x, o[2 * i + 1] = f.y;
    }
  }
};

/**
 * GEMV for M ≤ kGemvMaxRows: one warp per output column n reads w row n once (coalesced, 16-byte
 * vectors when VEC) and dots it with every x row. C (M, N) = A (M, K) · B (N, K)ᵀ + bias.
 */
template <typename T, bool VEC>
__global__ void __launch_bounds__(256) gemv_kernel(const T* __restrict__ A, const T* __restrict__ B,
                                                   const T* __restrict__ bias, T* __restrict__ C, int M, int64_t N,
                                                   int64_t K) {
  const int lane = threadIdx.x & 31;
  const int64_t n = (int64_t)blockIdx.x * (blockDim.x / 32) + threadIdx.x / 32;
  if (n >= N) return;
  const T* w = B + n * K;
  float acc[kGemvMaxRows];
#pragma unroll
  for (int r = 0; r < kGemvMaxRows; r++) acc[r] = 0.f;
  if (VEC) {
    constexpr int V = Vec<T>::N;
    for (int64_t k = (int64_t)lane * V; k < K; k += 32 * V) {
      float wv[V], xv[V];
      Vec<T>::load(w + k, wv);
#pragma unroll
      for (int r = 0; r < kGemvMaxRows; r++) {
        if (r < M) {
          Vec<T>::load(A + r * K + k, xv);
#pragma unroll
          for (int i = 0; i < V; i++) acc[r] = fmaf(xv[i], wv[i], acc[r]);
        }
      }
    }
  } else {
    for (int64_t k = lane; k < K; k += 32) {
      float wv = to_f(w[k]);
#pragma unroll
      for (int r = 0; r < kGemvMaxRows; r++)
        if (r < M) acc[r] = fmaf(to_f(A[r * K + k]), wv, acc[r]);
    }
  }
  const float b = bias ? to_f(bias[n]) : 0.f;
#pragma unroll
  for (int r = 0; r < kGemvMaxRows; r++) {
    if (r < M) {
      float s = warp_sum(acc[r]);
      if (lane == 0) C[r * N + n] = from_f<T>(s + b);
    }
  }
}

/**
 * SIMT tile GEMM, fp32 FMA: block tile 64 × 64, k-step 16, 256 threads of 4 × 4 outputs (rows and
 * columns strided by 16 so that shared-memory reads are conflict-free). TA may differ from TB/TC
 * (fp32 chunk means times bf16 weights in chunk_encode). Grid: x = M tiles, y = N tiles.
 */
template <typename TA, typename TB>
__global__ void __launch_bounds__(256) gemm_simt_kernel(const TA* __restrict__ A, const TB* __restrict__ B,
                                                        const TB* __restrict__ bias, TB* __restrict__ C, int64_t M,
                                                        int64_t N, int64_t K) {
  __shared__ float As[16][64 + 4];  // (k, m)
  __shared__ float Bs[16][64 + 4];  // (k, n)
  const int tid = threadIdx.x, ty = tid / 16, tx = tid % 16;
  const int64_t m0 = (int64_t)blockIdx.x * 64, n0 = (int64_t)blockIdx.y * 64;
  float acc[4][4];
#pragma unroll
  for (int i = 0; i < 4; i++)
#pragma unroll
    for (int j = 0; j < 4; j++) acc[i][j] = 0.f;
  for (int64_t k0 = 0; k0 < K; k0 += 16) {
    for (int l = tid; l < 64 * 16; l += 256) {
      const int r = l / 16, kk = l % 16;
      const int64_t k = k0 + kk, m = m0 + r, n = n0 + r;
      As[kk][r] = (m < M && k < K) ? to_f(A[m * K + k]) : 0.f;
      Bs[kk][r] = (n < N && k < K) ? to_f(B[n * K + k]) : 0.f;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < 16; kk++) {
      float a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; i++) a[i] = As[kk][ty + 16 * i], b[i] = Bs[kk][tx + 16 * i];
#pragma unroll
      for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; i++) {
    const int64_t m = m0 + ty + 16 * i;
    if (m >= M) continue;
#pragma unroll
    for (int j = 0; j < 4; j++) {
      const int64_t n = n0 + tx + 16 * j;
      if (n < N) C[m * N + n] = from_f<TB>(acc[i][j] + (bias ? to_f(bias[n]) : 0.f));
    }
  }
}

/**
 * bf16 tensor-core GEMM through wmma (16×16×16, fp32 accumulators): block tile 64 × 64, k-step 32,
 * 4 warps of 32 × 32. Tiles are staged in shared memory with zero fill at the edges, so any M, N, K
 * work; VEC loads 16-byte vectors when K % 8 == 0. Grid: x = M tiles, y = N tiles.
 */
template <bool VEC>
__global__ void __launch_bounds__(128) gemm_wmma_kernel(const bf16* __restrict__ A, const bf16* __restrict__ B,
                                                        const bf16* __restrict__ bias, bf16* __restrict__ C,
                                                        int64_t M, int64_t N, int64_t K) {
  using namespace nvcuda;
  constexpr int BM = 64, BN = 64, BK = 32, LD = BK + 8, LDC = BN + 4;
  constexpr int kTileBytes = 2 * BM * LD * 2, kOutBytes = BM * LDC * 4;
  __shared__ __align__(128) unsigned char smem[kTileBytes > kOutBytes ? kTileBytes : kOutBytes];
  bf16* As = reinterpret_cast<bf16*>(smem);  // (m, k), row stride LD
  bf16* Bs = As + BM * LD;                   // (n, k), row stride LD
  float* Cs = reinterpret_cast<float*>(smem);  // (m, n), row stride LDC, after the main loop
  const int tid = threadIdx.x, warp = tid / 32, wm = warp / 2, wn = warp % 2;
  const int64_t m0 = (int64_t)blockIdx.x * BM, n0 = (int64_t)blockIdx.y * BN;
  const bf16 zero = __float2bfloat16(0.f);

  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];
#pragma unroll
  for (int i = 0; i < 2; i++)
#pragma unroll
    for (int j = 0; j < 2; j++) wmma::fill_fragment(acc[i][j], 0.f);

  for (int64_t k0 = 0; k0 < K; k0 += BK) {
    if (VEC) {
      // 64 rows × 4 vectors of 8 per operand; K % 8 == 0, so a vector is either whole or past K.
      for (int v = tid; v < BM * 4; v += 128) {
        const int r = v / 4, kc = (v % 4) * 8;
        const int64_t k = k0 + kc, m = m0 + r, n = n0 + r;
        uint4 a = make_uint4(0, 0, 0, 0), b = make_uint4(0, 0, 0, 0);
        if (m < M && k < K) a = *reinterpret_cast<const uint4*>(A + m * K + k);
        if (n < N && k < K) b = *reinterpret_cast<const uint4*>(B + n * K + k);
        *reinterpret_cast<uint4*>(As + r * LD + kc) = a;
        *reinterpret_cast<uint4*>(Bs + r * LD + kc) = b;
      }
    } else {
      for (int e = tid; e < BM * BK; e += 128) {
        const int r = e / BK, kk = e % BK;
        const int64_t k = k0 + kk, m = m0 + r, n = n0 + r;
        As[r * LD + kk] = (m < M && k < K) ? A[m * K + k] : zero;
        Bs[r * LD + kk] = (n < N && k < K) ? B[n * K + k] : zero;
      }
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < BK; kk += 16) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, bf16, wmma::row_major> a[2];
      wmma::fragment<wmma::matrix_b, 16, 16, 16, bf16, wmma::col_major> b[2];
#pragma unroll
      for (int i = 0; i < 2; i++) wmma::load_matrix_sync(a[i], As + (wm * 32 + i * 16) * LD + kk, LD);
#pragma unroll
      for (int j = 0; j < 2; j++) wmma::load_matrix_sync(b[j], Bs + (wn * 32 + j * 16) * LD + kk, LD);
#pragma unroll
      for (int i = 0; i < 2; i++)
#pragma unroll
        for (int j = 0; j < 2; j++) wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }
  // Epilogue through shared memory: bounds, bias, one rounding to bf16.
#pragma unroll
  for (int i = 0; i < 2; i++)
#pragma unroll
    for (int j = 0; j < 2; j++)
      wmma::store_matrix_sync(Cs + (wm * 32 + i * 16) * LDC + wn * 32 + j * 16, acc[i][j], LDC, wmma::mem_row_major);
  __syncthreads();
  for (int e = tid; e < BM * BN; e += 128) {
    const int r = e / BN, cc = e % BN;
    const int64_t m = m0 + r, n = n0 + cc;
    if (m < M && n < N) C[m * N + n] = __float2bfloat16(Cs[r * LDC + cc] + (bias ? __bfloat162float(bias[n]) : 0.f));
  }
}

/** out[m, n] = bias[n]: the C operand of a beta = 1 cuBLAS call. */
template <typename T>
__global__ void fill_bias_kernel(const T* __restrict__ bias, T* __restrict__ out, int64_t M, int64_t N) {
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < M * N; i += (int64_t)gridDim.x * blockDim.x)
    out[i] = bias[i % N];
}

bool aligned16(const void* p) { return ((uintptr_t)p & 15u) == 0; }

// ---- cuBLAS through dlopen (prototypes written out: no cuBLAS headers at build time) ------------------

typedef int (*CublasCreate)(void**);
typedef int (*CublasDestroy)(void*);
typedef int (*CublasSetStream)(void*, cudaStream_t);
typedef int (*CublasGetVersion)(void*, int*);
typedef int (*CublasGemmEx)(void*, int, int, int, int, int, const void*, const void*, int, int, const void*, int,
                            int, const void*, void*, int, int, int, int);
constexpr int kOpN = 0, kOpT = 1, kCompute32F = 68 /* CUBLAS_COMPUTE_32F */, kGemmDefault = -1;

struct Cublas {
  bool tried = false;
  void* lib = nullptr;
  CublasCreate create = nullptr;
  CublasDestroy destroy = nullptr;
  CublasSetStream set_stream = nullptr;
  CublasGetVersion get_version = nullptr;
  CublasGemmEx gemm_ex = nullptr;
  int version = 0;
  char name[64] = "";
};
Cublas g_cublas;

void cublas_load() {
  if (g_cublas.tried) return;
  g_cublas.tried = true;
  const char* names[] = {"libcublas.so.13", "libcublas.so.12", "libcublas.so",
                         "/usr/local/cuda/lib64/libcublas.so.13", "/usr/local/cuda/lib64/libcublas.so.12",
                         "/usr/local/cuda/lib64/libcublas.so"};
  for (const char* n : names) {
    g_cublas.lib = dlopen(n, RTLD_NOW | RTLD_LOCAL);
    if (g_cublas.lib) break;
  }
  if (!g_cublas.lib) return;
  g_cublas.create = (CublasCreate)dlsym(g_cublas.lib, "cublasCreate_v2");
  g_cublas.destroy = (CublasDestroy)dlsym(g_cublas.lib, "cublasDestroy_v2");
  g_cublas.set_stream = (CublasSetStream)dlsym(g_cublas.lib, "cublasSetStream_v2");
  g_cublas.get_version = (CublasGetVersion)dlsym(g_cublas.lib, "cublasGetVersion_v2");
  g_cublas.gemm_ex = (CublasGemmEx)dlsym(g_cublas.lib, "cublasGemmEx");
  if (!g_cublas.create || !g_cublas.destroy || !g_cublas.set_stream || !g_cublas.gemm_ex) {
    dlclose(g_cublas.lib);
    g_cublas.lib = nullptr;
  }
}

int run_cublas(rc::Ctx* c, int64_t dtype, const void* a, const void* w, const void* bias, void* out, int64_t M,
               int64_t K, int64_t N, const char* op) {
  if (M > INT32_MAX || N > INT32_MAX || K > INT32_MAX) {
    return rc::fail(RC_ERR_UNSUPPORTED, "%s: dimensions beyond 2^31 for cuBLAS", op);
  }
  const int type = dtype == RC_BF16 ? CUDA_R_16BF : CUDA_R_32F;
  const float one = 1.f, zero = 0.f;
  if (bias) {
    if (dtype == RC_BF16)
      fill_bias_kernel<bf16><<<rc::grid_for(c, M * N, 256), 256, 0, c->stream>>>((const bf16*)bias, (bf16*)out, M, N);
    else
      fill_bias_kernel<float><<<rc::grid_for(c, M * N, 256), 256, 0, c->stream>>>((const float*)bias, (float*)out, M,
                                                                                   N);
    int st = rc::after_launch(op);
    if (st != RC_OK) return st;
  }
  // Row-major out (M, N) is column-major outᵀ (N, M) = w (as N × K, transposed from K × N storage) · xᵀ.
  int s = g_cublas.set_stream(c->cublas, c->stream);
  if (s == 0) {
    s = g_cublas.gemm_ex(c->cublas, kOpT, kOpN, (int)N, (int)M, (int)K, &one, w, type, (int)K, a, type, (int)K,
                         bias ? &one : &zero, out, type, (int)N, kCompute32F, kGemmDefault);
  }
  if (s != 0) return rc::fail(RC_ERR_CUDA, "%s: cuBLAS GEMM failed with status %d", op, s);
  return rc::after_launch(op);
}

}  // namespace

namespace rc {

void cublas_attach(Ctx* c) {
  cublas_load();
  if (!g_cublas.lib) return;
  void* h = nullptr;
  if (g_cublas.create(&h) != 0) return;
  c->cublas = h;
  if (g_cublas.get_version && g_cublas.version == 0) {
    g_cublas.get_version(h, &g_cublas.version);
    snprintf(g_cublas.name, sizeof g_cublas.name, "cuBLAS %d", g_cublas.version);
  }
}

void cublas_detach(Ctx* c) {
  if (c->cublas && g_cublas.destroy) g_cublas.destroy(c->cublas);
  c->cublas = nullptr;
}

bool cublas_active(const Ctx* c) { return c->cublas != nullptr && c->gemm_mode != RC_GEMM_OWN; }

const char* gemm_engine(const Ctx* c) {
  return cublas_active(c) ? (g_cublas.name[0] ? g_cublas.name : "cuBLAS") : "own kernels";
}

int gemm(Ctx* c, int64_t dtype, const void* a, const void* w, const void* bias, void* out, int64_t M, int64_t K,
         int64_t N, const char* op) {
  if (M == 0 || N == 0) return RC_OK;
  if (K == 0) {  // an empty sum: the output is the bias (or zero)
    if (!bias) {
      cudaError_t e = cudaMemsetAsync(out, 0, (size_t)(M * N) * (dtype == RC_BF16 ? 2 : 4), c->stream);
      return e == cudaSuccess ? RC_OK : cuda_fail(e, op);
    }
  } else if (cublas_active(c)) {
    return run_cublas(c, dtype, a, w, bias, out, M, K, N, op);
  }
  const dim3 tiles((unsigned)((M + 63) / 64), (unsigned)((N + 63) / 64));
  if (tiles.y > 65535) return fail(RC_ERR_UNSUPPORTED, "%s: out = %lld is too wide (at most 4194240)", op, (long long)N);
  RC_DISPATCH(dtype, op, T, {
    const T* A = (const T*)a;
    const T* B = (const T*)w;
    const T* bb = (const T*)bias;
    T* O = (T*)out;
    if (M <= kGemvMaxRows) {
      const bool vec = K % Vec<T>::N == 0 && aligned16(A) && aligned16(B);
      const unsigned blocks = (unsigned)((N + 7) / 8);
      if (vec) gemv_kernel<T, true><<<blocks, 256, 0, c->stream>>>(A, B, bb, O, (int)M, N, K);
      else gemv_kernel<T, false><<<blocks, 256, 0, c->stream>>>(A, B, bb, O, (int)M, N, K);
    } else if (sizeof(T) == 2) {
      const bool vec = K % 8 == 0 && aligned16(A) && aligned16(B);
      const bf16* A2 = (const bf16*)a;
      const bf16* B2 = (const bf16*)w;
      if (vec) gemm_wmma_kernel<true><<<tiles, 128, 0, c->stream>>>(A2, B2, (const bf16*)bias, (bf16*)out, M, N, K);
      else gemm_wmma_kernel<false><<<tiles, 128, 0, c->stream>>>(A2, B2, (const bf16*)bias, (bf16*)out, M, N, K);
    } else {
      gemm_simt_kernel<T, T><<<tiles, 256, 0, c->stream>>>(A, B, bb, O, M, N, K);
    }
  });
  return after_launch(op);
}

int gemm_f32a(Ctx* c, int64_t dtype, const float* a, const void* w, void* out, int64_t M, int64_t K, int64_t N,
              const char* op) {
  if (M == 0 || N == 0) return RC_OK;
  const dim3 tiles((unsigned)((M + 63) / 64), (unsigned)((N + 63) / 64));
  if (tiles.y > 65535) return fail(RC_ERR_UNSUPPORTED, "%s: out = %lld is too wide (at most 4194240)", op, (long long)N);
  RC_DISPATCH(dtype, op, T, gemm_simt_kernel<float, T><<<tiles, 256, 0, c->stream>>>(a, (const T*)w, (const T*)nullptr,
                                                                                    (T*)out, M, N, K));
  return after_launch(op);
}

}  // namespace rc

extern "C" int rc_linear(RcCtx ctx, const RcLinearParams* p) {
  RC_ENTER("linear");
  RC_REQUIRE(p->rows >= 0 && p->in_dim >= 0 && p->out_dim >= 0, "linear", "negative size");
  RC_REQUIRE(p->rows * p->out_dim == 0 || (p->out && ((p->x && p->w) || p->in_dim == 0)), "linear", "null tensor");
  return rc::gemm(C, p->dtype, p->x, p->w, p->bias, p->out, p->rows, p->in_dim, p->out_dim, "linear");
}
