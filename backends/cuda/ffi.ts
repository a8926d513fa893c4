/**
 * The whole native boundary of the CUDA backend: the symbol table of build/libramba_cuda.so passed to
 * Deno.dlopen, the layout of every op's params struct (checked against the library at load time), the
 * status and dtype codes, and the one loader. Mirrors backends/cuda/csrc/ramba_cuda.h.
 *
 * @module
 */
import type { DType, OpName } from "../backend.ts";

/** ABI version this file speaks (RC_ABI_VERSION in ramba_cuda.h). */
export const ABI_VERSION = 2;

/** Status codes returned by every symbol. */
export const Status = {
  OK: 0,
  INVALID: 1,
  OOM: 2,
  CUDA: 3,
  NO_DEVICE: 4,
  NO_DRIVER: 5,
  UNSUPPORTED: 6,
} as const;

/** Element-type codes of the library (F64 only as a host-side type). */
export const Dt = { F32: 0, BF16: 1, I32: 2, F64: 3 } as const;

/** Bytes per element of a device tensor. */
export function deviceBytes(dtype: DType): number {
  return dtype === "bf16" ? 2 : 4;
}

/** rc_init flags and rc_set_gemm modes. */
export const INIT_LOAD_CUBLAS = 1;
/** GEMM engines: auto = cuBLAS where loaded. */
export const GEMM_MODES = { auto: 0, own: 1, cublas: 2 } as const;

/** Device pointers and handles travel as 64-bit integers. */
const H = "u64" as const;

/** Every symbol of the library. */
export const SYMBOLS = {
  rc_abi_version: { parameters: [], result: "i32" },
  rc_probe: { parameters: ["buffer", "i64"], result: "i32" },
  rc_init: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  rc_shutdown: { parameters: [H], result: "i32" },
  rc_device_name: { parameters: [H, "buffer", "i64"], result: "i32" },
  rc_last_error: { parameters: ["buffer", "i64"], result: "i64" },
  rc_params_layout: { parameters: ["buffer", "buffer", "i64"], result: "i64" },
  rc_alloc: { parameters: [H, "i64", "buffer"], result: "i32" },
  rc_free: { parameters: [H, H], result: "i32" },
  rc_memset_zero: { parameters: [H, H, "i64"], result: "i32" },
  rc_upload: { parameters: [H, H, "buffer", "i64", "i32", "i32"], result: "i32" },
  rc_download: { parameters: [H, H, "buffer", "i64", "i32"], result: "i32" },
  rc_synchronize: { parameters: [H], result: "i32" },
  rc_memory_info: { parameters: [H, "buffer"], result: "i32" },
  rc_reset_peak: { parameters: [H], result: "i32" },
  rc_set_gemm: { parameters: [H, "i32"], result: "i32" },
  rc_event_create: { parameters: [H, "buffer"], result: "i32" },
  rc_event_record: { parameters: [H, H], result: "i32" },
  rc_event_elapsed: { parameters: [H, H, H, "buffer"], result: "i32" },
  rc_event_destroy: { parameters: [H, H], result: "i32" },
  rc_embedding: { parameters: [H, "buffer"], result: "i32" },
  rc_rms_norm: { parameters: [H, "buffer"], result: "i32" },
  rc_gated_rms_norm: { parameters: [H, "buffer"], result: "i32" },
  rc_linear: { parameters: [H, "buffer"], result: "i32" },
  rc_add: { parameters: [H, "buffer"], result: "i32" },
  rc_mul: { parameters: [H, "buffer"], result: "i32" },
  rc_silu: { parameters: [H, "buffer"], result: "i32" },
  rc_slice_cols: { parameters: [H, "buffer"], result: "i32" },
  rc_copy_rows: { parameters: [H, "buffer"], result: "i32" },
  rc_causal_conv1d: { parameters: [H, "buffer"], result: "i32" },
  rc_ssd_scan: { parameters: [H, "buffer"], result: "i32" },
  rc_ssm_step: { parameters: [H, "buffer"], result: "i32" },
  rc_rope: { parameters: [H, "buffer"], result: "i32" },
  rc_attention: { parameters: [H, "buffer"], result: "i32" },
  rc_cache_write: { parameters: [H, "buffer"], result: "i32" },
  rc_chunk_encode: { parameters: [H, "buffer"], result: "i32" },
  rc_hsa_select: { parameters: [H, "buffer"], result: "i32" },
  rc_chunk_weights: { parameters: [H, "buffer"], result: "i32" },
  rc_hsa_attention: { parameters: [H, "buffer"], result: "i32" },
  rc_target_log_probs: { parameters: [H, "buffer"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The opened library. */
export type CudaLib = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** The op symbol of each op. */
export const OP_SYMBOLS = {
  embedding: "rc_embedding",
  rmsNorm: "rc_rms_norm",
  gatedRmsNorm: "rc_gated_rms_norm",
  linear: "rc_linear",
  add: "rc_add",
  mul: "rc_mul",
  silu: "rc_silu",
  sliceCols: "rc_slice_cols",
  copyRows: "rc_copy_rows",
  causalConv1d: "rc_causal_conv1d",
  ssdScan: "rc_ssd_scan",
  ssmStep: "rc_ssm_step",
  rope: "rc_rope",
  attention: "rc_attention",
  cacheWrite: "rc_cache_write",
  chunkEncode: "rc_chunk_encode",
  hsaSelect: "rc_hsa_select",
  chunkWeights: "rc_chunk_weights",
  hsaAttention: "rc_hsa_attention",
  targetLogProbs: "rc_target_log_probs",
} as const satisfies Record<OpName, keyof typeof SYMBOLS>;

/**
 * Fields of each op's params struct, in order, as `name:kind` (p = device pointer, i = int64, f = double;
 * 8 bytes each). Must equal what rc_params_layout reports; {@link openLibrary} checks it.
 */
export const PARAMS: Record<OpName, readonly string[]> = {
  embedding: ["table:p", "ids:p", "out:p", "rows:i", "dim:i", "vocab:i", "dtype:i"],
  rmsNorm: ["x:p", "w:p", "out:p", "rows:i", "cols:i", "group:i", "eps:f", "dtype:i"],
  gatedRmsNorm: ["x:p", "z:p", "w:p", "out:p", "rows:i", "cols:i", "eps:f", "dtype:i"],
  linear: ["x:p", "w:p", "bias:p", "out:p", "rows:i", "in_dim:i", "out_dim:i", "dtype:i"],
  add: ["a:p", "b:p", "out:p", "n:i", "dtype:i"],
  mul: ["a:p", "b:p", "out:p", "n:i", "dtype:i"],
  silu: ["x:p", "out:p", "n:i", "dtype:i"],
  sliceCols: ["x:p", "out:p", "rows:i", "cols:i", "start:i", "width:i", "dtype:i"],
  copyRows: ["dst:p", "src:p", "dst_row:i", "src_row:i", "n:i", "row_bytes:i"],
  causalConv1d: ["x:p", "w:p", "bias:p", "state:p", "out:p", "rows:i", "channels:i", "kernel:i", "dtype:i"],
  ssdScan: ssmFields(),
  ssmStep: ssmFields(),
  rope: ["x:p", "out:p", "rows:i", "heads:i", "head_dim:i", "start_pos:i", "theta:f", "dtype:i"],
  attention: [
    "q:p",
    "k:p",
    "v:p",
    "cache_k:p",
    "cache_v:p",
    "out:p",
    "rows:i",
    "heads:i",
    "kv_heads:i",
    "head_dim:i",
    "past_len:i",
    "cap:i",
    "window:i",
    "dtype:i",
  ],
  cacheWrite: ["cache:p", "src:p", "rows:i", "cols:i", "cap:i", "past_len:i", "dtype:i"],
  chunkEncode: [
    "e:p",
    "wk:p",
    "wv:p",
    "wlmk:p",
    "keys:p",
    "values:p",
    "landmarks:p",
    "rows:i",
    "dim:i",
    "kv_dim:i",
    "lmk_dim:i",
    "chunk_size:i",
    "dtype:i",
  ],
  hsaSelect: [
    "qr:p",
    "landmarks:p",
    "indices:p",
    "scores:p",
    "rows:i",
    "dim:i",
    "kv_heads:i",
    "num_chunks:i",
    "start_pos:i",
    "chunk_size:i",
    "top_k:i",
    "window:i",
    "dtype:i",
  ],
  chunkWeights: ["scores:p", "out:p", "rows:i", "cols:i", "top_k:i", "mode:i", "dtype:i"],
  hsaAttention: [
    "q:p",
    "mem_k:p",
    "mem_v:p",
    "indices:p",
    "weights:p",
    "out:p",
    "rows:i",
    "heads:i",
    "kv_heads:i",
    "head_dim:i",
    "chunk_size:i",
    "top_k:i",
    "mem_rows:i",
    "off_by_one:i",
    "dtype:i",
  ],
  targetLogProbs: ["logits:p", "targets:p", "out:p", "rows:i", "vocab:i", "dtype:i"],
};

function ssmFields(): string[] {
  return [
    "x:p",
    "dt_raw:p",
    "a_log:p",
    "b:p",
    "c:p",
    "d:p",
    "dt_bias:p",
    "state:p",
    "out:p",
    "rows:i",
    "heads:i",
    "head_dim:i",
    "groups:i",
    "state_size:i",
    "chunk:i",
    "dt_min:f",
    "dt_max:f",
    "dtype:i",
  ];
}

/** A value for one params field: a device pointer (bigint, 0n = null), an integer or a double. */
export type ParamValue = bigint | number;

/**
 * Packs `values` into the op's params struct. Every field must be given (a pointer as bigint, an int
 * as an integer number, a double as a number); a missing or ill-typed field is a programming error.
 */
export function packParams(op: OpName, values: Record<string, ParamValue>): Uint8Array<ArrayBuffer> {
  const fields = PARAMS[op];
  const buf = new Uint8Array(8 * fields.length);
  const v = new DataView(buf.buffer);
  fields.forEach((f, i) => {
    const [name, kind] = f.split(":");
    const x = values[name];
    if (x === undefined) throw new Error(`cuda ${op}: params field ${name} is missing`);
    if (kind === "p") v.setBigUint64(8 * i, BigInt(x), true);
    else if (kind === "i") {
      if (typeof x === "number" && !Number.isSafeInteger(x)) {
        throw new Error(`cuda ${op}: ${name} = ${x} is not an integer`);
      }
      v.setBigInt64(8 * i, BigInt(x), true);
    } else v.setFloat64(8 * i, Number(x), true);
  });
  return buf;
}

/** A NUL-terminated C string. */
export function cString(s: string): Uint8Array<ArrayBuffer> {
  const b = new TextEncoder().encode(s);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

/** Text of a NUL-terminated buffer. */
export function readCString(buf: Uint8Array): string {
  const end = buf.indexOf(0);
  return new TextDecoder().decode(end < 0 ? buf : buf.subarray(0, end));
}

/** Where `deno task build:cuda` writes the library. */
export const DEFAULT_LIBRARY_PATH = new URL("../../build/libramba_cuda.so", import.meta.url).pathname;

/** An opened library, or why it could not be opened (one line, with what to do). */
export type OpenResult = { ok: true; lib: CudaLib } | { ok: false; reason: string };

const opened = new Map<string, OpenResult>();

/**
 * Opens the library at `path` once per process (later calls return the same result) and checks its ABI
 * version and every params layout against this file. Never throws; asks for no permission (missing
 * --allow-ffi or --allow-read is a reason, not a prompt).
 */
export function openLibrary(path: string = DEFAULT_LIBRARY_PATH): OpenResult {
  const hit = opened.get(path);
  if (hit) return hit;
  const result = openUncached(path);
  // A missing file may appear later (a build in between); everything else is final for the process.
  if (result.ok || !result.reason.includes("is not built")) opened.set(path, result);
  return result;
}

function openUncached(path: string): OpenResult {
  const rel = path.replace(/^.*\/(build\/[^/]+)$/, "$1");
  try {
    if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
      return { ok: false, reason: "needs --allow-ffi to load the CUDA library (run with -A)" };
    }
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") {
      return { ok: false, reason: `needs --allow-read for ${path}` };
    }
  } catch (e) {
    return { ok: false, reason: `cannot query permissions: ${(e as Error).message}` };
  }
  try {
    Deno.statSync(path);
  } catch {
    return { ok: false, reason: `${rel} is not built (run deno task build:cuda, which needs nvcc)` };
  }
  let lib: CudaLib;
  try {
    lib = Deno.dlopen(path, SYMBOLS).symbols;
  } catch (e) {
    return {
      ok: false,
      reason: `cannot load ${rel}: ${(e as Error).message} (rebuild with deno task build:cuda)`,
    };
  }
  const abi = lib.rc_abi_version();
  if (abi !== ABI_VERSION) {
    return {
      ok: false,
      reason: `${rel} has ABI ${abi}, this checkout expects ${ABI_VERSION}: run deno task build:cuda`,
    };
  }
  const out = new Uint8Array(4096);
  for (const [op, fields] of Object.entries(PARAMS)) {
    const size = Number(lib.rc_params_layout(cString(op), out, BigInt(out.length)));
    const layout = readCString(out).replace(/,$/, "");
    if (layout !== fields.join(",") || size !== 8 * fields.length) {
      return {
        ok: false,
        reason:
          `${rel} disagrees with ffi.ts on the params of ${op} ("${layout}" vs "${fields.join(",")}"): ` +
          "rebuild with deno task build:cuda",
      };
    }
  }
  return { ok: true, lib };
}
