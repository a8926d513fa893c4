/*
 * ramba_cuda.h: the whole C ABI of libramba_cuda.so, the CUDA backend of the harness.
 *
 * Conventions (mirroring backends/backend.ts):
 * - Every function returns an RC status; on failure the message is available from rc_last_error().
 * - A context (RcCtx, passed as an opaque handle) owns one CUDA stream, its allocations and their
 *   accounting. Every op enqueues on its context's stream and returns at once.
 * - Tensors are row-major device buffers; float tensors of one op share one storage dtype (RC_F32 or
 *   RC_BF16), index tensors are int32. Arithmetic is fp32 in both cases.
 * - Every op takes one flat params struct. Each struct is declared through a field list (kind, name)
 *   so that the library can report its exact layout (rc_params_layout) and the TypeScript side
 *   (backends/cuda/ffi.ts) can check it at load time. Kinds: p = device pointer (8 bytes),
 *   i = int64, f = double. Every field is 8 bytes, so a struct is 8 × fields bytes with no padding.
 */
#ifndef RAMBA_CUDA_H
#define RAMBA_CUDA_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exported symbols (the library is built with -fvisibility=hidden). */
#if defined(__GNUC__)
#define RC_API __attribute__((visibility("default")))
#else
#define RC_API
#endif

/** Bumped whenever a signature or a params struct changes. */
#define RC_ABI_VERSION 2

/* Status codes. */
#define RC_OK 0
#define RC_ERR_INVALID 1         /* bad argument (shape, size, option, null pointer) */
#define RC_ERR_OOM 2             /* device allocation failed (cudaErrorMemoryAllocation) */
#define RC_ERR_CUDA 3            /* any other CUDA error (launch failure, illegal address, ...) */
#define RC_ERR_NO_DEVICE 4       /* the driver is there but reports no CUDA device */
#define RC_ERR_NO_DRIVER 5       /* libcuda.so.1 missing or too old for this runtime */
#define RC_ERR_UNSUPPORTED 6     /* device or option this build does not support */

/* Element types. RC_F64 is a host-side source/destination type only. */
#define RC_F32 0
#define RC_BF16 1
#define RC_I32 2
#define RC_F64 3

/* rc_init flags. */
#define RC_INIT_LOAD_CUBLAS 1    /* dlopen libcublas at init and use it for linear where present */

/* GEMM engines for rc_set_gemm. */
#define RC_GEMM_AUTO 0           /* cuBLAS where loaded, else our kernels */
#define RC_GEMM_OWN 1            /* always our kernels */
#define RC_GEMM_CUBLAS 2         /* cuBLAS; RC_ERR_UNSUPPORTED if it was not loaded */

/* An opaque context handle (a pointer value); 0 is never a valid context. */
typedef uint64_t RcCtx;

/* ---- params structs --------------------------------------------------------------------------- */

#define RC_FIELD_p(name) void* name;
#define RC_FIELD_i(name) int64_t name;
#define RC_FIELD_f(name) double name;
#define RC_FIELD(kind, name) RC_FIELD_##kind(name)
#define RC_STRUCT(Name, FIELDS) typedef struct Name { FIELDS(RC_FIELD) } Name;

/* embedding: out[t, :] = table[ids[t], :]. table (V, dim), ids int32 (rows), out (rows, dim). */
#define RC_EMBEDDING_FIELDS(X) X(p, table) X(p, ids) X(p, out) X(i, rows) X(i, dim) X(i, vocab) X(i, dtype)
RC_STRUCT(RcEmbeddingParams, RC_EMBEDDING_FIELDS)

/* rms_norm: per group of `group` columns. x, out (rows, cols); w (group); group divides cols. */
#define RC_RMS_NORM_FIELDS(X) \
  X(p, x) X(p, w) X(p, out) X(i, rows) X(i, cols) X(i, group) X(f, eps) X(i, dtype)
RC_STRUCT(RcRmsNormParams, RC_RMS_NORM_FIELDS)

/* gated_rms_norm: v = x*silu(z), out = v*rsqrt(mean(v^2)+eps)*w per row. x, z, out (rows, cols); w (cols). */
#define RC_GATED_RMS_NORM_FIELDS(X) \
  X(p, x) X(p, z) X(p, w) X(p, out) X(i, rows) X(i, cols) X(f, eps) X(i, dtype)
RC_STRUCT(RcGatedRmsNormParams, RC_GATED_RMS_NORM_FIELDS)

/* linear: out = x·wᵀ (+ bias). x (rows, in_dim), w (out_dim, in_dim), bias (out_dim) or null. */
#define RC_LINEAR_FIELDS(X) \
  X(p, x) X(p, w) X(p, bias) X(p, out) X(i, rows) X(i, in_dim) X(i, out_dim) X(i, dtype)
RC_STRUCT(RcLinearParams, RC_LINEAR_FIELDS)

/* add, mul: out = a ∘ b over n elements. */
#define RC_BINARY_FIELDS(X) X(p, a) X(p, b) X(p, out) X(i, n) X(i, dtype)
RC_STRUCT(RcBinaryParams, RC_BINARY_FIELDS)

/* silu: out = x·sigmoid(x) over n elements. */
#define RC_UNARY_FIELDS(X) X(p, x) X(p, out) X(i, n) X(i, dtype)
RC_STRUCT(RcUnaryParams, RC_UNARY_FIELDS)

/* slice_cols: out (rows, width) = x (rows, cols)[:, start : start+width]. */
#define RC_SLICE_COLS_FIELDS(X) \
  X(p, x) X(p, out) X(i, rows) X(i, cols) X(i, start) X(i, width) X(i, dtype)
RC_STRUCT(RcSliceColsParams, RC_SLICE_COLS_FIELDS)

/* copy_rows: dst rows [dst_row, dst_row+n) = src rows [src_row, src_row+n), rows of row_bytes bytes.
 * Overlapping ranges of one buffer behave as if copied through a temporary. */
#define RC_COPY_ROWS_FIELDS(X) \
  X(p, dst) X(p, src) X(i, dst_row) X(i, src_row) X(i, n) X(i, row_bytes)
RC_STRUCT(RcCopyRowsParams, RC_COPY_ROWS_FIELDS)

/* causal_conv1d: x, out (rows, channels); w (channels, kernel); bias (channels);
 * state (kernel-1, channels), the previous raw inputs oldest first, updated in place. */
#define RC_CAUSAL_CONV1D_FIELDS(X) \
  X(p, x) X(p, w) X(p, bias) X(p, state) X(p, out) X(i, rows) X(i, channels) X(i, kernel) X(i, dtype)
RC_STRUCT(RcCausalConv1dParams, RC_CAUSAL_CONV1D_FIELDS)

/* ssd_scan and ssm_step (Mamba2): x (rows, heads*head_dim), dt_raw (rows, heads), a_log (heads),
 * b, c (rows, groups*state_size), d (heads), dt_bias (heads), state (heads, head_dim*state_size)
 * updated in place, out (rows, heads*head_dim). chunk is a hint: it changes rounding only. */
#define RC_SSM_FIELDS(X) \
  X(p, x) X(p, dt_raw) X(p, a_log) X(p, b) X(p, c) X(p, d) X(p, dt_bias) X(p, state) X(p, out) \
  X(i, rows) X(i, heads) X(i, head_dim) X(i, groups) X(i, state_size) X(i, chunk) \
  X(f, dt_min) X(f, dt_max) X(i, dtype)
RC_STRUCT(RcSsmParams, RC_SSM_FIELDS)

/* rope: rotate-half RoPE of x (rows, heads*head_dim) at positions start_pos + row. */
#define RC_ROPE_FIELDS(X) \
  X(p, x) X(p, out) X(i, rows) X(i, heads) X(i, head_dim) X(i, start_pos) X(f, theta) X(i, dtype)
RC_STRUCT(RcRopeParams, RC_ROPE_FIELDS)

/* attention: q (rows, heads*head_dim); k, v (rows, kv_heads*head_dim) at positions past_len + row;
 * cache_k, cache_v (cap, kv_heads*head_dim), position p < past_len at row p % cap;
 * window 0 = full causal, else keys t-window .. t. out (rows, heads*head_dim). */
#define RC_ATTENTION_FIELDS(X) \
  X(p, q) X(p, k) X(p, v) X(p, cache_k) X(p, cache_v) X(p, out) \
  X(i, rows) X(i, heads) X(i, kv_heads) X(i, head_dim) X(i, past_len) X(i, cap) X(i, window) X(i, dtype)
RC_STRUCT(RcAttentionParams, RC_ATTENTION_FIELDS)

/* cache_write: cache row (past_len + i) % cap = src row i, for src (rows, cols), cache (cap, cols). */
#define RC_CACHE_WRITE_FIELDS(X) \
  X(p, cache) X(p, src) X(i, rows) X(i, cols) X(i, cap) X(i, past_len) X(i, dtype)
RC_STRUCT(RcCacheWriteParams, RC_CACHE_WRITE_FIELDS)

/* chunk_encode: e (rows = n*chunk_size, dim); wk, wv (kv_dim, dim); wlmk (lmk_dim, dim) →
 * keys, values (rows, kv_dim), landmarks (n, lmk_dim) = mean over each chunk of e · wlmkᵀ. */
#define RC_CHUNK_ENCODE_FIELDS(X) \
  X(p, e) X(p, wk) X(p, wv) X(p, wlmk) X(p, keys) X(p, values) X(p, landmarks) \
  X(i, rows) X(i, dim) X(i, kv_dim) X(i, lmk_dim) X(i, chunk_size) X(i, dtype)
RC_STRUCT(RcChunkEncodeParams, RC_CHUNK_ENCODE_FIELDS)

/* hsa_select: qr (rows, dim = kv_heads*dr), landmarks (≥ num_chunks, dim) → indices int32 and
 * scores (rows, kv_heads*top_k): per (row, kv head) the top_k visible chunks by score, newest first,
 * padded with (-1, -inf). Visible: (c+1)*chunk_size <= t, and with window > 0 also c*chunk_size <= t-window. */
#define RC_HSA_SELECT_FIELDS(X) \
  X(p, qr) X(p, landmarks) X(p, indices) X(p, scores) X(i, rows) X(i, dim) X(i, kv_heads) \
  X(i, num_chunks) X(i, start_pos) X(i, chunk_size) X(i, top_k) X(i, window) X(i, dtype)
RC_STRUCT(RcHsaSelectParams, RC_HSA_SELECT_FIELDS)

/* chunk_weights: scores, out (rows, cols), groups of top_k slots; mode 0 = stick-breaking, 1 = softmax. */
#define RC_CHUNK_WEIGHTS_FIELDS(X) X(p, scores) X(p, out) X(i, rows) X(i, cols) X(i, top_k) X(i, mode) X(i, dtype)
RC_STRUCT(RcChunkWeightsParams, RC_CHUNK_WEIGHTS_FIELDS)

/* hsa_attention: q (rows, heads*head_dim); mem_k, mem_v (mem_rows, kv_heads*head_dim); indices int32
 * and weights (rows, kv_heads*top_k) → out (rows, heads*head_dim). Slots with index -1 or weight 0
 * are skipped; an index outside [0, mem_rows/chunk_size) is skipped and reported at the next sync. */
#define RC_HSA_ATTENTION_FIELDS(X) \
  X(p, q) X(p, mem_k) X(p, mem_v) X(p, indices) X(p, weights) X(p, out) X(i, rows) X(i, heads) \
  X(i, kv_heads) X(i, head_dim) X(i, chunk_size) X(i, top_k) X(i, mem_rows) X(i, off_by_one) X(i, dtype)
RC_STRUCT(RcHsaAttentionParams, RC_HSA_ATTENTION_FIELDS)

/* target_log_probs: out[t] = log softmax(logits[t, :])[targets[t]]. logits (rows, vocab), targets int32
 * (rows), out (rows). A target outside [0, vocab) gives NaN in its row (host ids are checked before). */
#define RC_TARGET_LOG_PROBS_FIELDS(X) X(p, logits) X(p, targets) X(p, out) X(i, rows) X(i, vocab) X(i, dtype)
RC_STRUCT(RcTargetLogProbsParams, RC_TARGET_LOG_PROBS_FIELDS)

/* ---- lifecycle -------------------------------------------------------------------------------- */

/** RC_ABI_VERSION of the built library. */
RC_API int rc_abi_version(void);
/** Checks for a driver and a usable device without creating a context; writes one line to out. */
RC_API int rc_probe(char* out, int64_t out_len);
/** Creates a context on `device` (flags: RC_INIT_*); *out receives the handle. */
RC_API int rc_init(int32_t device, int32_t flags, RcCtx* out);
/** Waits for the context's work, frees every allocation it still holds and destroys it. */
RC_API int rc_shutdown(RcCtx ctx);
/** One line about the context's device: name, sm, SMs, memory, driver, GEMM engine. */
RC_API int rc_device_name(RcCtx ctx, char* out, int64_t out_len);
/** Copies the last error message (NUL-terminated, truncated to out_len); returns its full length. */
RC_API int64_t rc_last_error(char* out, int64_t out_len);
/** The layout of an op's params struct ("name:kind,..."), or "" for an unknown op; returns its size in bytes. */
RC_API int64_t rc_params_layout(const char* op, char* out, int64_t out_len);

/** Allocates `bytes` (accounted to ctx) on the context's stream; *out receives the device address. */
RC_API int rc_alloc(RcCtx ctx, int64_t bytes, uint64_t* out);
/** Frees an allocation of this context (stream-ordered). */
RC_API int rc_free(RcCtx ctx, uint64_t ptr);
/** Zero-fills `bytes` at ptr (stream-ordered). */
RC_API int rc_memset_zero(RcCtx ctx, uint64_t ptr, int64_t bytes);
/** Copies n host values of src_type (RC_F64, RC_F32, RC_I32) to dst as dst_type (RC_F32, RC_BF16,
 * RC_I32), rounding to nearest even once. Returns when `host` may be reused. */
RC_API int rc_upload(RcCtx ctx, uint64_t dst, const void* host, int64_t n, int32_t src_type, int32_t dst_type);
/** Waits for the stream, then copies n values of src_type (RC_F32, RC_BF16 → f64; RC_I32 → i32) to host. */
RC_API int rc_download(RcCtx ctx, uint64_t src, void* host, int64_t n, int32_t src_type);
/** Waits for all work of the context; reports asynchronous errors. */
RC_API int rc_synchronize(RcCtx ctx);
/** out[0..5] = own current bytes, own peak bytes, device used (total - free), device total,
 * memory-pool reserved bytes, memory-pool reserved high-water mark. */
RC_API int rc_memory_info(RcCtx ctx, int64_t* out);
/** Restarts the context's peak at its current bytes. */
RC_API int rc_reset_peak(RcCtx ctx);
/** Selects the GEMM engine (RC_GEMM_*). */
RC_API int rc_set_gemm(RcCtx ctx, int32_t mode);

/* CUDA events on the context's stream, for timing. */
RC_API int rc_event_create(RcCtx ctx, uint64_t* out);
RC_API int rc_event_record(RcCtx ctx, uint64_t event);
/** Waits for `end` and writes the milliseconds between the two recorded events. */
RC_API int rc_event_elapsed(RcCtx ctx, uint64_t start, uint64_t end, double* out_ms);
RC_API int rc_event_destroy(RcCtx ctx, uint64_t event);

/* ---- ops (one symbol per op of backends/backend.ts; the file csrc/<op>.cu defines it) ----------- */

RC_API int rc_embedding(RcCtx ctx, const RcEmbeddingParams* p);
RC_API int rc_rms_norm(RcCtx ctx, const RcRmsNormParams* p);
RC_API int rc_gated_rms_norm(RcCtx ctx, const RcGatedRmsNormParams* p);
RC_API int rc_linear(RcCtx ctx, const RcLinearParams* p);
RC_API int rc_add(RcCtx ctx, const RcBinaryParams* p);
RC_API int rc_mul(RcCtx ctx, const RcBinaryParams* p);
RC_API int rc_silu(RcCtx ctx, const RcUnaryParams* p);
RC_API int rc_slice_cols(RcCtx ctx, const RcSliceColsParams* p);
RC_API int rc_copy_rows(RcCtx ctx, const RcCopyRowsParams* p);
RC_API int rc_causal_conv1d(RcCtx ctx, const RcCausalConv1dParams* p);
RC_API int rc_ssd_scan(RcCtx ctx, const RcSsmParams* p);
RC_API int rc_ssm_step(RcCtx ctx, const RcSsmParams* p);
RC_API int rc_rope(RcCtx ctx, const RcRopeParams* p);
RC_API int rc_attention(RcCtx ctx, const RcAttentionParams* p);
RC_API int rc_cache_write(RcCtx ctx, const RcCacheWriteParams* p);
RC_API int rc_chunk_encode(RcCtx ctx, const RcChunkEncodeParams* p);
RC_API int rc_hsa_select(RcCtx ctx, const RcHsaSelectParams* p);
RC_API int rc_chunk_weights(RcCtx ctx, const RcChunkWeightsParams* p);
RC_API int rc_hsa_attention(RcCtx ctx, const RcHsaAttentionParams* p);
RC_API int rc_target_log_probs(RcCtx ctx, const RcTargetLogProbsParams* p);

#ifdef __cplusplus
}
#endif

#endif /* RAMBA_CUDA_H */
