// runtime.cu: the lifecycle half of the C ABI — probe, contexts, the accounted stream-ordered allocator,
// synchronisation, memory figures, events, errors, params layouts (host⇄device copies: transfer.cu).
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unordered_set>

#include "common.cuh"

namespace rc {

static char g_error[4096] = "";
static std::unordered_set<Ctx*> g_ctxs;
static thread_local int t_device = -1;

int fail(int status, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(g_error, sizeof g_error, fmt, ap);
  va_end(ap);
  return status;
}

int cuda_fail(cudaError_t e, const char* what) {
  cudaGetLastError();  // clears the error unless it is sticky (then the context is lost anyway)
  return fail(e == cudaErrorMemoryAllocation ? RC_ERR_OOM : RC_ERR_CUDA, "%s: %s (%s)", what,
              cudaGetErrorString(e), cudaGetErrorName(e));
}

int after_launch(const char* op) {
  cudaError_t e = cudaGetLastError();
  return e == cudaSuccess ? RC_OK : cuda_fail(e, op);
}

int enter(RcCtx handle, const char* op, Ctx** out) {
  Ctx* c = reinterpret_cast<Ctx*>(handle);
  if (c == nullptr || g_ctxs.count(c) == 0) return fail(RC_ERR_INVALID, "%s: invalid or closed context", op);
  if (t_device != c->device) {
    cudaError_t e = cudaSetDevice(c->device);
    if (e != cudaSuccess) return cuda_fail(e, op);
    t_device = c->device;
  }
  *out = c;
  return RC_OK;
}

static int device_alloc(Ctx* c, size_t bytes, void** out, const char* what) {
  *out = nullptr;
  if (bytes == 0) return RC_OK;
  void* p = nullptr;
  cudaError_t e = c->pools ? cudaMallocAsync(&p, bytes, c->stream) : cudaMalloc(&p, bytes);
  if (e == cudaErrorMemoryAllocation) {
    // 1. Freed blocks may still sit in the pool (or wait for their stream): drain and trim, try once more.
    cudaGetLastError();
    cudaDeviceSynchronize();
    if (c->pools) {
      cudaMemPool_t pool;
      if (cudaDeviceGetDefaultMemPool(&pool, c->device) == cudaSuccess) cudaMemPoolTrimTo(pool, 0);
    }
    e = c->pools ? cudaMallocAsync(&p, bytes, c->stream) : cudaMalloc(&p, bytes);
  }
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();
    size_t free_b = 0, total_b = 0;
    cudaMemGetInfo(&free_b, &total_b);
    return fail(RC_ERR_OOM,
                "%s: out of device memory allocating %zu bytes (this context holds %lld bytes; the device "
                "has %zu of %zu bytes free)",
                what, bytes, (long long)c->current, free_b, total_b);
  }
  if (e != cudaSuccess) return cuda_fail(e, what);
  c->sizes[(uint64_t)(uintptr_t)p] = bytes;
  c->current += (int64_t)bytes;
  if (c->current > c->peak) c->peak = c->current;
  *out = p;
  return RC_OK;
}

static int device_free(Ctx* c, uint64_t ptr) {
  if (ptr == 0) return RC_OK;
  auto it = c->sizes.find(ptr);
  if (it == c->sizes.end()) return fail(RC_ERR_INVALID, "free: 0x%llx is not a live allocation of this context",
                                        (unsigned long long)ptr);
  c->current -= (int64_t)it->second;
  c->sizes.erase(it);
  void* p = (void*)(uintptr_t)ptr;
  cudaError_t e = c->pools ? cudaFreeAsync(p, c->stream) : cudaFree(p);
  return e == cudaSuccess ? RC_OK : cuda_fail(e, "free");
}

int scratch_alloc(Ctx* c, size_t bytes, void** out, const char* what) { return device_alloc(c, bytes, out, what); }

void scratch_free(Ctx* c, void* p) { device_free(c, (uint64_t)(uintptr_t)p); }

int allow_smem(Ctx* c, const void* kernel, size_t bytes, const char* op) {
  if (bytes <= 48 * 1024) return RC_OK;
  if (bytes > c->smem_optin) {
    return fail(RC_ERR_UNSUPPORTED, "%s: needs %zu bytes of shared memory per block, the device allows %zu", op,
                bytes, c->smem_optin);
  }
  cudaError_t e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)bytes);
  return e == cudaSuccess ? RC_OK : cuda_fail(e, op);
}

int take_bad_index(Ctx* c) {
  if (c->bad_index == nullptr || *(volatile int*)c->bad_index == 0) return RC_OK;
  int code = *(volatile int*)c->bad_index;
  *(volatile int*)c->bad_index = 0;
  return fail(RC_ERR_INVALID, "hsaAttention: an index was outside [0, memK rows / chunkSize) and -1 (code %d); "
              "those slots were skipped", code);
}

static void write_line(char* out, int64_t len, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
static void write_line(char* out, int64_t len, const char* fmt, ...) {
  if (out == nullptr || len <= 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(out, (size_t)len, fmt, ap);
  va_end(ap);
}

}  // namespace rc

using namespace rc;

// ---- C ABI ------------------------------------------------------------------------------------------

#define RC_LAYOUT_ITEM(kind, name) #name ":" #kind ","
#define RC_COUNT_ITEM(kind, name) +1
#define RC_LAYOUT(op, Struct, FIELDS)                                                          \
  static_assert(sizeof(Struct) == 8 * (0 FIELDS(RC_COUNT_ITEM)), #Struct " has padding"); \
  if (strcmp(name, op) == 0) {                                                                 \
    layout = FIELDS(RC_LAYOUT_ITEM);                                                           \
    size = sizeof(Struct);                                                                     \
  }

extern "C" int rc_abi_version(void) { return RC_ABI_VERSION; }

extern "C" int64_t rc_last_error(char* out, int64_t out_len) {
  write_line(out, out_len, "%s", g_error);
  return (int64_t)strlen(g_error);
}

extern "C" int64_t rc_params_layout(const char* name, char* out, int64_t out_len) {
  const char* layout = "";
  size_t size = 0;
  if (name != nullptr) {
    RC_LAYOUT("embedding", RcEmbeddingParams, RC_EMBEDDING_FIELDS)
    RC_LAYOUT("rmsNorm", RcRmsNormParams, RC_RMS_NORM_FIELDS)
    RC_LAYOUT("gatedRmsNorm", RcGatedRmsNormParams, RC_GATED_RMS_NORM_FIELDS)
    RC_LAYOUT("linear", RcLinearParams, RC_LINEAR_FIELDS)
    RC_LAYOUT("add", RcBinaryParams, RC_BINARY_FIELDS)
    RC_LAYOUT("mul", RcBinaryParams, RC_BINARY_FIELDS)
    RC_LAYOUT("silu", RcUnaryParams, RC_UNARY_FIELDS)
    RC_LAYOUT("sliceCols", RcSliceColsParams, RC_SLICE_COLS_FIELDS)
    RC_LAYOUT("copyRows", RcCopyRowsParams, RC_COPY_ROWS_FIELDS)
    RC_LAYOUT("causalConv1d", RcCausalConv1dParams, RC_CAUSAL_CONV1D_FIELDS)
    RC_LAYOUT("ssdScan", RcSsmParams, RC_SSM_FIELDS)
    RC_LAYOUT("ssmStep", RcSsmParams, RC_SSM_FIELDS)
    RC_LAYOUT("rope", RcRopeParams, RC_ROPE_FIELDS)
    RC_LAYOUT("attention", RcAttentionParams, RC_ATTENTION_FIELDS)
    RC_LAYOUT("cacheWrite", RcCacheWriteParams, RC_CACHE_WRITE_FIELDS)
    RC_LAYOUT("chunkEncode", RcChunkEncodeParams, RC_CHUNK_ENCODE_FIELDS)
    RC_LAYOUT("hsaSelect", RcHsaSelectParams, RC_HSA_SELECT_FIELDS)
    RC_LAYOUT("chunkWeights", RcChunkWeightsParams, RC_CHUNK_WEIGHTS_FIELDS)
    RC_LAYOUT("hsaAttention", RcHsaAttentionParams, RC_HSA_ATTENTION_FIELDS)
    RC_LAYOUT("targetLogProbs", RcTargetLogProbsParams, RC_TARGET_LOG_PROBS_FIELDS)
  }
  write_line(out, out_len, "%s", layout);
  return (int64_t)size;
}

extern "C" int rc_probe(char* out, int64_t out_len) {
  // 1. The driver library, before the runtime tries it (its own error would be less specific).
  void* h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (h == nullptr) {
    const char* why = dlerror();
    write_line(out, out_len, "no NVIDIA driver: libcuda.so.1 cannot be loaded (%s)", why ? why : "not found");
    return fail(RC_ERR_NO_DRIVER, "%s", out ? out : "no NVIDIA driver");
  }
  dlclose(h);
  // 2. Devices, as the runtime sees them.
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  int runtime = 0, driver = 0;
  cudaRuntimeGetVersion(&runtime);
  cudaDriverGetVersion(&driver);
  if (e == cudaErrorNoDevice || (e == cudaSuccess && n == 0)) {
    cudaGetLastError();
    write_line(out, out_len, "no CUDA device: the NVIDIA driver (CUDA %d.%d) reports none", driver / 1000,
               (driver % 1000) / 10);
    return fail(RC_ERR_NO_DEVICE, "%s", out ? out : "no CUDA device");
  }
  if (e == cudaErrorInsufficientDriver || e == cudaErrorStubLibrary || e == cudaErrorCompatNotSupportedOnDevice) {
    cudaGetLastError();
    write_line(out, out_len, "the NVIDIA driver (CUDA %d.%d) cannot run this library's CUDA %d.%d runtime: %s",
               driver / 1000, (driver % 1000) / 10, runtime / 1000, (runtime % 1000) / 10, cudaGetErrorString(e));
    return fail(RC_ERR_NO_DRIVER, "%s", out ? out : "driver too old");
  }
  if (e != cudaSuccess) {
    cudaGetLastError();
    write_line(out, out_len, "CUDA cannot list devices: %s (%s)", cudaGetErrorString(e), cudaGetErrorName(e));
    return fail(RC_ERR_CUDA, "%s", out ? out : "CUDA error");
  }
  // 3. Device 0 must be sm_80 or newer (the build's oldest target).
  cudaDeviceProp prop;
  e = cudaGetDeviceProperties(&prop, 0);
  if (e != cudaSuccess) {
    cudaGetLastError();
    write_line(out, out_len, "CUDA cannot read device 0: %s", cudaGetErrorString(e));
    return fail(RC_ERR_CUDA, "%s", out ? out : "CUDA error");
  }
  if (prop.major < 8) {
    write_line(out, out_len, "device 0 (%s) is sm_%d%d; this library is built for sm_80 and newer", prop.name,
               prop.major, prop.minor);
    return fail(RC_ERR_UNSUPPORTED, "%s", out ? out : "device too old");
  }
  write_line(out, out_len, "%d CUDA device%s; device 0: %s (sm_%d%d, %.1f GiB), driver CUDA %d.%d", n,
             n == 1 ? "" : "s", prop.name, prop.major, prop.minor, (double)prop.totalGlobalMem / 1073741824.0,
             driver / 1000, (driver % 1000) / 10);
  return RC_OK;
}

extern "C" int rc_init(int32_t device, int32_t flags, RcCtx* out) {
  if (out == nullptr) return fail(RC_ERR_INVALID, "init: out is null");
  *out = 0;
  char why[512];
  int st = rc_probe(why, sizeof why);
  if (st != RC_OK) return st;
  int n = 0;
  cudaGetDeviceCount(&n);
  if (device < 0 || device >= n) return fail(RC_ERR_INVALID, "init: device %d does not exist (%d found)", device, n);
  cudaError_t e = cudaSetDevice(device);
  if (e == cudaSuccess) e = cudaFree(0);  // creates the primary context now, so its errors surface here
  if (e != cudaSuccess) return cuda_fail(e, "init");
  t_device = device;
  cudaDeviceProp prop;
  e = cudaGetDeviceProperties(&prop, device);
  if (e != cudaSuccess) return cuda_fail(e, "init");
  if (prop.major < 8) {
    return fail(RC_ERR_UNSUPPORTED, "init: device %d (%s) is sm_%d%d; this library needs sm_80 or newer", device,
                prop.name, prop.major, prop.minor);
  }
  Ctx* c = new Ctx();
  c->device = device;
  c->sms = prop.multiProcessorCount;
  c->smem_optin = prop.sharedMemPerBlockOptin;
  c->cc_major = prop.major;
  c->cc_minor = prop.minor;
  int pools = 0;
  cudaDeviceGetAttribute(&pools, cudaDevAttrMemoryPoolsSupported, device);
  c->pools = pools != 0;
  e = cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking);
  if (e == cudaSuccess && c->pools) {
    // Keep freed memory in the pool (the default releases it at every synchronisation).
    cudaMemPool_t pool;
    e = cudaDeviceGetDefaultMemPool(&pool, device);
    uint64_t keep = UINT64_MAX;
    if (e == cudaSuccess) e = cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep);
  }
  if (e == cudaSuccess) e = cudaHostAlloc((void**)&c->bad_index, sizeof(int), cudaHostAllocMapped);
  if (e == cudaSuccess) {
    *c->bad_index = 0;
    e = cudaHostGetDevicePointer((void**)&c->bad_index_dev, c->bad_index, 0);
  }
  if (e != cudaSuccess) {
    int r = cuda_fail(e, "init");
    if (c->bad_index) cudaFreeHost(c->bad_index);
    if (c->stream) cudaStreamDestroy(c->stream);
    delete c;
    return r;
  }
  if (flags & RC_INIT_LOAD_CUBLAS) cublas_attach(c);
  g_ctxs.insert(c);
  *out = (RcCtx)(uintptr_t)c;
  return RC_OK;
}

extern "C" int rc_shutdown(RcCtx ctx) {
  Ctx* c = nullptr;
  int st = enter(ctx, "shutdown", &c);
  if (st != RC_OK) return st;
  cudaError_t e = cudaStreamSynchronize(c->stream);
  for (auto& kv : c->sizes) {
    void* p = (void*)(uintptr_t)kv.first;
    if (c->pools) cudaFreeAsync(p, c->stream);
    else cudaFree(p);
  }
  c->sizes.clear();
  c->current = 0;
  cudaStreamSynchronize(c->stream);
  cublas_detach(c);
  cudaStreamDestroy(c->stream);
  cudaFreeHost(c->bad_index);
  g_ctxs.erase(c);
  delete c;
  return e == cudaSuccess ? RC_OK : cuda_fail(e, "shutdown");
}

extern "C" int rc_device_name(RcCtx ctx, char* out, int64_t out_len) {
  Ctx* c = nullptr;
  int st = enter(ctx, "device_name", &c);
  if (st != RC_OK) return st;
  cudaDeviceProp prop;
  cudaError_t e = cudaGetDeviceProperties(&prop, c->device);
  if (e != cudaSuccess) return cuda_fail(e, "device_name");
  int driver = 0;
  cudaDriverGetVersion(&driver);
  write_line(out, out_len, "%s (sm_%d%d, %d SMs, %.1f GiB, driver CUDA %d.%d, linear: %s)", prop.name, prop.major,
             prop.minor, prop.multiProcessorCount, (double)prop.totalGlobalMem / 1073741824.0, driver / 1000,
             (driver % 1000) / 10, gemm_engine(c));
  return RC_OK;
}

extern "C" int rc_alloc(RcCtx ctx, int64_t bytes, uint64_t* out) {
  Ctx* c = nullptr;
  int st = enter(ctx, "alloc", &c);
  if (st != RC_OK) return st;
  if (out == nullptr || bytes < 0) return fail(RC_ERR_INVALID, "alloc: bad arguments (%lld bytes)", (long long)bytes);
  void* p = nullptr;
  st = device_alloc(c, (size_t)bytes, &p, "alloc");
  *out = (uint64_t)(uintptr_t)p;
  return st;
}

extern "C" int rc_free(RcCtx ctx, uint64_t ptr) {
  Ctx* c = nullptr;
  int st = enter(ctx, "free", &c);
  return st != RC_OK ? st : device_free(c, ptr);
}

extern "C" int rc_synchronize(RcCtx ctx) {
  Ctx* c = nullptr;
  int st = enter(ctx, "synchronize", &c);
  if (st != RC_OK) return st;
  cudaError_t e = cudaStreamSynchronize(c->stream);
  if (e != cudaSuccess) return cuda_fail(e, "synchronize (an earlier op failed)");
  return take_bad_index(c);
}

extern "C" int rc_memory_info(RcCtx ctx, int64_t* out) {
  Ctx* c = nullptr;
  int st = enter(ctx, "memory_info", &c);
  if (st != RC_OK) return st;
  if (out == nullptr) return fail(RC_ERR_INVALID, "memory_info: out is null");
  size_t free_b = 0, total_b = 0;
  cudaError_t e = cudaMemGetInfo(&free_b, &total_b);
  if (e != cudaSuccess) return cuda_fail(e, "memory_info");
  uint64_t reserved = 0, reserved_high = 0;
  if (c->pools) {
    cudaMemPool_t pool;
    if (cudaDeviceGetDefaultMemPool(&pool, c->device) == cudaSuccess) {
      cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReservedMemCurrent, &reserved);
      cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReservedMemHigh, &reserved_high);
    }
  }
  out[0] = c->current;
  out[1] = c->peak;
  out[2] = (int64_t)(total_b - free_b);
  out[3] = (int64_t)total_b;
  out[4] = (int64_t)reserved;
  out[5] = (int64_t)reserved_high;
  return RC_OK;
}

extern "C" int rc_reset_peak(RcCtx ctx) {
  Ctx* c = nullptr;
  int st = enter(ctx, "reset_peak", &c);
  if (st != RC_OK) return st;
  c->peak = c->current;
  return RC_OK;
}

extern "C" int rc_set_gemm(RcCtx ctx, int32_t mode) {
  Ctx* c = nullptr;
  int st = enter(ctx, "set_gemm", &c);
  if (st != RC_OK) return st;
  if (mode != RC_GEMM_AUTO && mode != RC_GEMM_OWN && mode != RC_GEMM_CUBLAS) {
    return fail(RC_ERR_INVALID, "set_gemm: mode %d is not one of 0 (auto), 1 (own), 2 (cuBLAS)", (int)mode);
  }
  if (mode == RC_GEMM_CUBLAS && c->cublas == nullptr) {
    return fail(RC_ERR_UNSUPPORTED, "set_gemm: cuBLAS was not loaded (libcublas.so not found at init)");
  }
  c->gemm_mode = mode;
  return RC_OK;
}

extern "C" int rc_event_create(RcCtx ctx, uint64_t* out) {
  Ctx* c = nullptr;
  int st = enter(ctx, "event_create", &c);
  if (st != RC_OK) return st;
  cudaEvent_t ev;
  cudaError_t e = cudaEventCreate(&ev);
  if (e != cudaSuccess) return cuda_fail(e, "event_create");
  *out = (uint64_t)(uintptr_t)ev;
  return RC_OK;
}

extern "C" int rc_event_record(RcCtx ctx, uint64_t event) {
  Ctx* c = nullptr;
  int st = enter(ctx, "event_record", &c);
  if (st != RC_OK) return st;
  cudaError_t e = cudaEventRecord((cudaEvent_t)(uintptr_t)event, c->stream);
  return e == cudaSuccess ? RC_OK : cuda_fail(e, "event_record");
}

extern "C" int rc_event_elapsed(RcCtx ctx, uint64_t start, uint64_t end, double* out_ms) {
  Ctx* c = nullptr;
  int st = enter(ctx, "event_elapsed", &c);
  if (st != RC_OK) return st;
  cudaError_t e = cudaEventSynchronize((cudaEvent_t)(uintptr_t)end);
  float ms = 0;
  if (e == cudaSuccess) e = cudaEventElapsedTime(&ms, (cudaEvent_t)(uintptr_t)start, (cudaEvent_t)(uintptr_t)end);
  if (e != cudaSuccess) return cuda_fail(e, "event_elapsed");
  *out_ms = ms;
  return RC_OK;
}

extern "C" int rc_event_destroy(RcCtx ctx, uint64_t event) {
  Ctx* c = nullptr;
  int st = enter(ctx, "event_destroy", &c);
  if (st != RC_OK) return st;
  cudaError_t e = cudaEventDestroy((cudaEvent_t)(uintptr_t)event);
  return e == cudaSuccess ? RC_OK : cuda_fail(e, "event_destroy");
}
