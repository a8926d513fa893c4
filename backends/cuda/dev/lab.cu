// lab.cu: the kernel lab (llm.c's dev/cuda habit). Versions of one kernel side by side, each checked
// against a CPU f64 reference on sampled outputs, then timed with CUDA events (median of repeats, after a
// warm-up). The library's own kernels are compiled in from csrc/ (one translation unit), so "library"
// below is exactly what ships.
//
//   linear    v1 naive (a thread per output)   v2 library (GEMV / wmma tiles)   v3 cuBLAS (where it loads)
//   peaks     D2D copy GB/s, fp32 FMA TFLOP/s, cuBLAS bf16 GEMM TFLOP/s (what "% of peak" refers to)
//   hsaSelect v1 scores materialised in device memory, then a top-k pass   v2 library (fused, never written)
//
// Build: backends/cuda/build.sh --lab   Run: build/cuda_lab [repeats] [peaks]
#include "../csrc/runtime.cu"
#include "../csrc/transfer.cu"
#include "../csrc/linear.cu"
#include "../csrc/hsa_select.cu"

#include <algorithm>
#include <cstring>
#include <vector>

namespace lab {

#define CK(x)                                                                                     \
  do {                                                                                            \
    int st_ = (x);                                                                                \
    if (st_ != RC_OK) {                                                                           \
      char m_[1024];                                                                              \
      rc_last_error(m_, sizeof m_);                                                               \
      fprintf(stderr, "%s:%d: %s -> %d: %s\n", __FILE__, __LINE__, #x, st_, m_);                  \
      exit(1);                                                                                    \
    }                                                                                             \
  } while (0)

/** Deterministic uniform values in [-1, 1). */
static std::vector<double> randoms(size_t n, uint64_t seed) {
  std::vector<double> v(n);
  uint64_t s = seed * 6364136223846793005ull + 1442695040888963407ull;
  for (auto& x : v) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    x = (double)(s >> 11) / 9007199254740992.0 * 2.0 - 1.0;
  }
  return v;
}

static double bf16_round(double x) {
  uint16_t b = rc::f64_to_bf16_bits(x);
  return rc::bf16_bits_to_f64(b);
}

struct Dev {
  RcCtx ctx;
  uint64_t alloc(size_t bytes) {
    uint64_t p = 0;
    CK(rc_alloc(ctx, (int64_t)bytes, &p));
    return p;
  }
  uint64_t upload_bf16(const std::vector<double>& v) {
    uint64_t p = alloc(v.size() * 2);
    CK(rc_upload(ctx, p, v.data(), (int64_t)v.size(), RC_F64, RC_BF16));
    return p;
  }
};

/** Median milliseconds of `reps` runs of f, after 3 warm-up runs. */
template <typename F>
static double time_ms(rc::Ctx* c, int reps, F f) {
  for (int i = 0; i < 3; i++) f();
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  std::vector<float> ms;
  for (int i = 0; i < reps; i++) {
    cudaEventRecord(a, c->stream);
    f();
    cudaEventRecord(b, c->stream);
    cudaEventSynchronize(b);
    float t = 0;
    cudaEventElapsedTime(&t, a, b);
    ms.push_back(t);
  }
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// ---- linear -----------------------------------------------------------------------------------------

/** v1: one thread per output, fp32 accumulation. */
__global__ void linear_naive(const bf16* x, const bf16* w, bf16* y, int64_t M, int64_t N, int64_t K) {
  const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= M * N) return;
  const int64_t m = i / N, n = i % N;
  float acc = 0.f;
  for (int64_t k = 0; k < K; k++) acc = fmaf(__bfloat162float(x[m * K + k]), __bfloat162float(w[n * K + k]), acc);
  y[i] = __float2bfloat16(acc);
}

static void bench_linear(Dev& d, rc::Ctx* c, int reps) {
  printf("\nlinear, bf16 storage, fp32 accumulation: y (M, N) = x (M, K) · w (N, K)ᵀ\n");
  printf("%-24s %-10s %10s %10s %12s\n", "shape M×K×N", "version", "max err", "ms", "TFLOP/s");
  const int64_t shapes[][3] = {{1, 1024, 4384}, {8, 1024, 4384}, {1024, 1024, 4384}, {4096, 2048, 1024}};
  for (auto& s : shapes) {
    const int64_t M = s[0], K = s[1], N = s[2];
    std::vector<double> x = randoms(M * K, 1), w = randoms(N * K, 2);
    for (auto& v : x) v = bf16_round(v);
    for (auto& v : w) v = bf16_round(v);
    uint64_t dx = d.upload_bf16(x), dw = d.upload_bf16(w), dy = d.alloc(M * N * 2);
    std::vector<double> y(M * N);
    // Sampled outputs against f64 (the inputs are already bf16 values).
    auto check = [&]() {
      CK(rc_download(d.ctx, dy, y.data(), M * N, RC_BF16));
      double worst = 0, top = 0;
      for (int t = 0; t < 256; t++) {
        const int64_t m = (t * 7919) % M, n = (t * 104729) % N;
        double ref = 0;
        for (int64_t k = 0; k < K; k++) ref += x[m * K + k] * w[n * K + k];
        worst = std::max(worst, fabs(y[m * N + n] - ref));
        top = std::max(top, fabs(ref));
      }
      return worst / top;
    };
    const double flops = 2.0 * M * N * K;
    char shape[64];
    snprintf(shape, sizeof shape, "%lld×%lld×%lld", (long long)M, (long long)K, (long long)N);
    auto row = [&](const char* v, double ms) {
      printf("%-24s %-10s %10.2e %10.4f %12.2f\n", shape, v, check(), ms, flops / ms / 1e9);
    };
    row("v1 naive", time_ms(c, reps, [&] {
          linear_naive<<<(unsigned)((M * N + 255) / 256), 256, 0, c->stream>>>((const bf16*)dx, (const bf16*)dw,
                                                                              (bf16*)dy, M, N, K);
        }));
    c->gemm_mode = RC_GEMM_OWN;
    row("v2 library", time_ms(c, reps, [&] {
          rc::gemm(c, RC_BF16, (void*)dx, (void*)dw, nullptr, (void*)dy, M, K, N, "lab");
        }));
    if (c->cublas) {
      c->gemm_mode = RC_GEMM_CUBLAS;
      row("v3 cuBLAS", time_ms(c, reps, [&] {
            rc::gemm(c, RC_BF16, (void*)dx, (void*)dw, nullptr, (void*)dy, M, K, N, "lab");
          }));
    }
    c->gemm_mode = RC_GEMM_AUTO;
    CK(rc_free(d.ctx, dx));
    CK(rc_free(d.ctx, dw));
    CK(rc_free(d.ctx, dy));
  }
}

// ---- hsaSelect --------------------------------------------------------------------------------------

/** v1 step 1: the whole score matrix S (T, C) in device memory (what the official code does). */
__global__ void scores_naive(const bf16* qr, const bf16* lm, float* S, int64_t T, int64_t C, int dr, float scale) {
  const int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= T * C) return;
  const int64_t t = i / C, c = i % C;
  float acc = 0.f;
  for (int e = 0; e < dr; e++) acc = fmaf(__bfloat162float(qr[t * dr + e]), __bfloat162float(lm[c * dr + e]), acc);
  S[i] = acc * scale;
}

/** v1 step 2: a thread per row keeps the top K of its visible prefix, then orders it newest first. */
__global__ void topk_naive(const float* S, int* idx, int64_t T, int64_t C, int64_t start, int64_t chunk, int K) {
  const int64_t t = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= T) return;
  float bs[64];
  int bc[64];
  int kept = 0;
  const int64_t count = visible(start + t, C, chunk, 0);
  for (int64_t c = 0; c < count; c++) {
    const float s = S[t * C + c];
    if (kept == K && !better(s, (int)c, bs[K - 1], bc[K - 1])) continue;
    int pos = kept < K ? kept++ : K - 1;
    for (; pos > 0 && better(s, (int)c, bs[pos - 1], bc[pos - 1]); pos--) bs[pos] = bs[pos - 1], bc[pos] = bc[pos - 1];
    bs[pos] = s, bc[pos] = (int)c;
  }
  for (int a = 1; a < kept; a++)
    for (int p = a; p > 0 && bc[p - 1] < bc[p]; p--) {
      const int ci = bc[p];
      bc[p] = bc[p - 1], bc[p - 1] = ci;
    }
  for (int j = 0; j < K; j++) idx[t * K + j] = j < kept ? bc[j] : -1;
}

static void bench_hsa_select(Dev& d, rc::Ctx* c, int reps) {
  printf("\nhsaSelect, bf16, dr = 64, one kv head, S = 64, K = 8 (scoring FLOPs 2·T·C·dr)\n");
  printf("%-28s %-12s %10s %10s %12s\n", "queries T × chunks C", "version", "agree", "ms", "GFLOP/s");
  const int64_t shapes[][2] = {{1, 16384}, {8, 16384}, {1024, 1024}, {1024, 16384}};
  const int dr = 64, K = 8;
  const int64_t S = 64;
  for (auto& s : shapes) {
    const int64_t T = s[0], C = s[1], start = C * S;  // every chunk visible to every query
    std::vector<double> q = randoms(T * dr, 3), l = randoms(C * dr, 4);
    uint64_t dq = d.upload_bf16(q), dl = d.upload_bf16(l);
    uint64_t i1 = d.alloc(T * K * 4), i2 = d.alloc(T * K * 4), sc = d.alloc(T * K * 2), mat = d.alloc(T * C * 4);
    RcHsaSelectParams p = {};
    p.qr = (void*)dq, p.landmarks = (void*)dl, p.indices = (void*)i2, p.scores = (void*)sc;
    p.rows = T, p.dim = dr, p.kv_heads = 1, p.num_chunks = C, p.start_pos = start, p.chunk_size = S;
    p.top_k = K, p.window = 0, p.dtype = RC_BF16;
    const float scale = 1.f / sqrtf((float)dr);
    const double ms1 = time_ms(c, reps, [&] {
      scores_naive<<<(unsigned)((T * C + 255) / 256), 256, 0, c->stream>>>((const bf16*)dq, (const bf16*)dl,
                                                                          (float*)mat, T, C, dr, scale);
      topk_naive<<<(unsigned)((T + 127) / 128), 128, 0, c->stream>>>((const float*)mat, (int*)i1, T, C, start, S, K);
    });
    const double ms2 = time_ms(c, reps, [&] { CK(rc_hsa_select(d.ctx, &p)); });
    std::vector<int> a(T * K), b(T * K);
    CK(rc_download(d.ctx, i1, a.data(), T * K, RC_I32));
    CK(rc_download(d.ctx, i2, b.data(), T * K, RC_I32));
    int64_t same = 0;
    for (int64_t i = 0; i < T * K; i++) same += a[i] == b[i];
    char shape[64];
    snprintf(shape, sizeof shape, "%lld × %lld", (long long)T, (long long)C);
    const double gf = 2.0 * T * C * dr / 1e6;
    printf("%-28s %-12s %10s %10.4f %12.1f\n", shape, "v1 naive", "-", ms1, gf / ms1);
    printf("%-28s %-12s %9.2f%% %10.4f %12.1f\n", shape, "v2 library", 100.0 * same / (T * K), ms2, gf / ms2);
    for (uint64_t x : {dq, dl, i1, i2, sc, mat}) CK(rc_free(d.ctx, x));
  }
}

// ---- peaks ------------------------------------------------------------------------------------------
// What the card really delivers, measured in the same process as everything else, so the profile's
// percentages are of a measured peak rather than a datasheet figure.

/** fp32 FMA throughput: 8 independent chains per thread keep the FMA pipes full. */
__global__ void fma_peak(float* out, int iters, float a, float b) {
  float r[8];
  for (int j = 0; j < 8; j++) r[j] = threadIdx.x * 1e-3f + j;
  for (int i = 0; i < iters; i++) {
#pragma unroll
    for (int j = 0; j < 8; j++) r[j] = fmaf(r[j], a, b);
  }
  float s = 0;
  for (int j = 0; j < 8; j++) s += r[j];
  if (s == 12345.f) out[threadIdx.x] = s;  // never true; keeps the loop alive
}

static void bench_peaks(Dev& d, rc::Ctx* c, int reps) {
  printf("\npeaks (measured here)\n");
  // 1. Device-to-device copy of 2 GiB: read + write bytes per second.
  const size_t bytes = (size_t)2 << 30;
  uint64_t src = d.alloc(bytes), dst = d.alloc(bytes);
  const double copy_ms = time_ms(c, reps, [&] {
    cudaMemcpyAsync((void*)dst, (const void*)src, bytes, cudaMemcpyDeviceToDevice, c->stream);
  });
  printf("peak copy          %10.1f GB/s (cudaMemcpy D2D, 2 GiB, read+write)\n", 2.0 * bytes / copy_ms / 1e6);
  CK(rc_free(d.ctx, src));
  CK(rc_free(d.ctx, dst));
  // 2. fp32 FMA.
  int sms = 0;
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
  const int iters = 4096, blocks = sms * 8, threads = 256;
  uint64_t out = d.alloc(threads * 4);
  const double fma_ms = time_ms(c, reps, [&] {
    fma_peak<<<blocks, threads, 0, c->stream>>>((float*)out, iters, 0.999f, 1e-3f);
  });
  printf("peak fp32 FMA      %10.1f TFLOP/s (%d SMs)\n", 2.0 * 8 * iters * blocks * threads / fma_ms / 1e9, sms);
  CK(rc_free(d.ctx, out));
  // 3. bf16 tensor cores through cuBLAS, 8192³.
  if (c->cublas) {
    const int64_t n = 8192;
    uint64_t x = d.alloc(n * n * 2), w = d.alloc(n * n * 2), y = d.alloc(n * n * 2);
    cudaMemsetAsync((void*)x, 0, n * n * 2, c->stream);
    cudaMemsetAsync((void*)w, 0, n * n * 2, c->stream);
    c->gemm_mode = RC_GEMM_CUBLAS;
    const double mm_ms = time_ms(c, reps, [&] {
      rc::gemm(c, RC_BF16, (void*)x, (void*)w, nullptr, (void*)y, n, n, n, "lab");
    });
    c->gemm_mode = RC_GEMM_AUTO;
    printf("peak bf16 GEMM     %10.1f TFLOP/s (cuBLAS, 8192³, zero inputs)\n", 2.0 * n * n * n / mm_ms / 1e9);
    CK(rc_free(d.ctx, x));
    CK(rc_free(d.ctx, w));
    CK(rc_free(d.ctx, y));
  } else {
    printf("peak bf16 GEMM     (cuBLAS not found)\n");
  }
}

}  // namespace lab

int main(int argc, char** argv) {
  const int reps = argc > 1 ? atoi(argv[1]) : 20;
  char line[512];
  if (rc_probe(line, sizeof line) != RC_OK) {
    fprintf(stderr, "cuda_lab: %s\n", line);
    return 1;
  }
  lab::Dev d;
  CK(rc_init(0, RC_INIT_LOAD_CUBLAS, &d.ctx));
  CK(rc_device_name(d.ctx, line, sizeof line));
  printf("cuda_lab on %s, median of %d runs\n", line, reps);
  rc::Ctx* c = reinterpret_cast<rc::Ctx*>(d.ctx);
  if (argc > 2 && strcmp(argv[2], "peaks") == 0) {
    lab::bench_peaks(d, c, reps);
    CK(rc_shutdown(d.ctx));
    return 0;
  }
  lab::bench_peaks(d, c, reps);
  lab::bench_linear(d, c, reps);
  lab::bench_hsa_select(d, c, reps);
  CK(rc_shutdown(d.ctx));
  return 0;
}
