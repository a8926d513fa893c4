/**
 * The argument rules of the op set (backend.ts), once for every backend: one function per op checks
 * shapes, index dtypes and options, reading nothing but `shape` and `dtype`, and returns the sizes the
 * implementations need. Errors name the op and the argument. What a backend adds is its own: the float
 * dtype it stores, that a tensor is its own and alive, and checks that read values.
 * @module
 */
import type {
  AttentionOptions,
  ChunkWeightOptions,
  HsaAttentionOptions,
  HsaSelectOptions,
  SsmOptions,
  Tensor,
} from "./backend.ts";
import { checkIds, checkIndex, checkInt, checkShape, fail } from "./arg_check.ts";

/** `Ops.embedding`: table `[vocab, dim]`, every id in [0, vocab). */
export function embeddingArgs(table: Tensor, ids: Int32Array): { vocab: number; dim: number } {
  const op = "embedding";
  checkShape(op, "table", table, [null, null]);
  if (!(ids instanceof Int32Array)) fail(op, "ids must be an Int32Array");
  const [vocab, dim] = table.shape;
  checkIds(op, "ids", ids, vocab, "V = table.shape[0]");
  return { vocab, dim };
}

/** `Ops.rmsNorm`: x `[rows, cols]`, w `[group]` with group dividing cols. */
export function rmsNormArgs(x: Tensor, w: Tensor): { rows: number; cols: number; group: number } {
  const op = "rmsNorm";
  checkShape(op, "x", x, [null, null]);
  const [rows, cols] = x.shape;
  checkShape(op, "w", w, [null]);
  const group = w.shape[0];
  if (group === 0 ? cols !== 0 : cols % group !== 0) {
    fail(op, `w has shape [${group}], expected [G] with G dividing C = ${cols} (x.shape[1])`);
  }
  return { rows, cols, group };
}

/** `Ops.gatedRmsNorm`: x, z `[rows, cols]`, w `[cols]`. */
export function gatedRmsNormArgs(x: Tensor, z: Tensor, w: Tensor): { rows: number; cols: number } {
  const op = "gatedRmsNorm";
  checkShape(op, "x", x, [null, null]);
  const [rows, cols] = x.shape;
  checkShape(op, "z", z, [rows, cols], "= x.shape");
  checkShape(op, "w", w, [cols], "C = x.shape[1]");
  return { rows, cols };
}

/** `Ops.linear`: x `[rows, inDim]`, w `[outDim, inDim]`, bias `[outDim]`. */
export function linearArgs(
  x: Tensor,
  w: Tensor,
  bias?: Tensor,
): { rows: number; inDim: number; outDim: number } {
  const op = "linear";
  checkShape(op, "x", x, [null, null]);
  const [rows, inDim] = x.shape;
  checkShape(op, "w", w, [null, inDim], "in = x.shape[1]");
  const outDim = w.shape[0];
  if (bias !== undefined) checkShape(op, "bias", bias, [outDim], "out = w.shape[0]");
  return { rows, inDim, outDim };
}

/** `Ops.add` and `Ops.mul`: b of a's shape (any rank). */
export function binaryArgs(op: "add" | "mul", a: Tensor, b: Tensor): void {
  checkShape(op, "b", b, a.shape, "= a.shape");
}

/** `Ops.sliceCols`: x `[rows, cols]`, columns start .. start+width-1 inside it. */
export function sliceColsArgs(x: Tensor, start: number, width: number): { rows: number; cols: number } {
  const op = "sliceCols";
  checkShape(op, "x", x, [null, null]);
  const [rows, cols] = x.shape;
  checkInt(op, "start", start, 0);
  checkInt(op, "width", width, 0);
  if (start + width > cols) {
    fail(op, `columns ${start} .. ${start + width - 1} exceed x with shape [${rows}, ${cols}]`);
  }
  return { rows, cols };
}

/**
 * `Ops.copyRows`: dst `[*, cols]`, src `[*, cols]`, both row ranges inside their tensors. Whether the
 * dtypes may differ is the backend's rule.
 */
export function copyRowsArgs(dst: Tensor, dstRow: number, src: Tensor, srcRow: number, n: number): number {
  const op = "copyRows";
  checkShape(op, "dst", dst, [null, null]);
  const cols = dst.shape[1];
  checkShape(op, "src", src, [null, cols], "C = dst.shape[1]");
  checkInt(op, "n", n, 0);
  checkInt(op, "dstRow", dstRow, 0);
  checkInt(op, "srcRow", srcRow, 0);
  if (srcRow + n > src.shape[0]) {
    fail(op, `src rows ${srcRow} .. ${srcRow + n - 1} exceed src rows ${src.shape[0]}`);
  }
  if (dstRow + n > dst.shape[0]) {
    fail(op, `dst rows ${dstRow} .. ${dstRow + n - 1} exceed dst rows ${dst.shape[0]}`);
  }
  return cols;
}

/** `Ops.causalConv1d`: x `[T, C]`, w `[C, K]` with K >= 1, bias `[C]`, state `[K-1, C]`. */
export function causalConv1dArgs(
  x: Tensor,
  w: Tensor,
  bias: Tensor,
  state: Tensor,
): { T: number; C: number; K: number } {
  const op = "causalConv1d";
  checkShape(op, "x", x, [null, null]);
  const [T, C] = x.shape;
  checkShape(op, "w", w, [C, null], "C = x.shape[1]");
  const K = checkInt(op, "w.shape[1] (kernel size)", w.shape[1], 1);
  checkShape(op, "bias", bias, [C], "C = x.shape[1]");
  checkShape(op, "state", state, [K - 1, C], "[K-1, C] with K = w.shape[1]");
  return { T, C, K };
}

/** The tensors of an `Ops.ssdScan` or `Ops.ssmStep` call, by their parameter names. */
export interface SsmTensors {
  x: Tensor;
  dtRaw: Tensor;
  aLog: Tensor;
  b: Tensor;
  c: Tensor;
  d: Tensor;
  dtBias: Tensor;
  state: Tensor;
}

/** Sizes of an SSM call: tokens, heads, head dim, groups, state size, heads per group; chunk and dt clamp. */
export interface SsmSizes {
  T: number;
  H: number;
  P: number;
  G: number;
  N: number;
  headsPerGroup: number;
  chunk: number;
  dtMin: number;
  dtMax: number;
}

/**
 * `Ops.ssdScan` and `Ops.ssmStep`: x `[T, H*P]`, dtRaw `[T, H]`, aLog `[H]`, b, c `[T, G*N]`,
 * d `[H]`, dtBias `[H]`, state `[H, P*N]`; G divides H; dtLimit is an interval.
 */
export function ssmArgs(op: "ssdScan" | "ssmStep", t: SsmTensors, opts: SsmOptions): SsmSizes {
  const H = checkInt(op, "opts.heads", opts.heads, 1);
  const P = checkInt(op, "opts.headDim", opts.headDim, 1);
  const G = checkInt(op, "opts.groups", opts.groups, 1);
  const N = checkInt(op, "opts.stateSize", opts.stateSize, 1);
  const chunk = checkInt(op, "opts.chunk", opts.chunk, 1);
  if (H % G !== 0) fail(op, `opts.heads = ${H} is not a multiple of opts.groups = ${G}`);
  const [dtMin, dtMax] = opts.dtLimit;
  if (!(dtMin <= dtMax)) fail(op, `opts.dtLimit = [${dtMin}, ${dtMax}] is not an interval [min, max]`);
  checkShape(op, "x", t.x, [null, H * P], "H*P = opts.heads*opts.headDim");
  const T = t.x.shape[0];
  checkShape(op, "dtRaw", t.dtRaw, [T, H], "[T, heads]");
  checkShape(op, "aLog", t.aLog, [H], "[heads]");
  checkShape(op, "b", t.b, [T, G * N], "[T, groups*stateSize]");
  checkShape(op, "c", t.c, [T, G * N], "[T, groups*stateSize]");
  checkShape(op, "d", t.d, [H], "[heads]");
  checkShape(op, "dtBias", t.dtBias, [H], "[heads]");
  checkShape(op, "state", t.state, [H, P * N], "[heads, headDim*stateSize]");
  return { T, H, P, G, N, headsPerGroup: H / G, chunk, dtMin, dtMax };
}

/** `Ops.rope`: x `[T, heads*headDim]`, headDim even, startPos >= 0, theta > 0; returns T. */
export function ropeArgs(x: Tensor, heads: number, headDim: number, startPos: number, theta: number): number {
  const op = "rope";
  checkInt(op, "heads", heads, 1);
  checkInt(op, "headDim", headDim, 2);
  checkInt(op, "startPos", startPos, 0);
  if (headDim % 2 !== 0) fail(op, `headDim = ${headDim} must be even`);
  if (!(theta > 0)) fail(op, `theta = ${theta} must be positive`);
  checkShape(op, "x", x, [null, heads * headDim], "H*D = heads*headDim");
  return x.shape[0];
}

/** The head layout of attention and hsaAttention: tokens, query heads, kv heads, head dim, Hq/Hkv. */
export interface HeadSizes {
  T: number;
  Hq: number;
  Hkv: number;
  D: number;
  G: number;
}

/** Hq, Hkv, D >= 1 with Hkv dividing Hq (GQA), and q `[T, Hq*D]`. */
function headArgs(
  op: string,
  q: Tensor,
  opts: { heads: number; kvHeads: number; headDim: number },
): HeadSizes {
  const Hq = checkInt(op, "opts.heads", opts.heads, 1);
  const Hkv = checkInt(op, "opts.kvHeads", opts.kvHeads, 1);
  const D = checkInt(op, "opts.headDim", opts.headDim, 1);
  if (Hq % Hkv !== 0) fail(op, `opts.heads = ${Hq} is not a multiple of opts.kvHeads = ${Hkv}`);
  checkShape(op, "q", q, [null, Hq * D], "Hq*D = opts.heads*opts.headDim");
  return { T: q.shape[0], Hq, Hkv, D, G: Hq / Hkv };
}

/** The tensors of an `Ops.attention` call, by their parameter names. */
export interface AttentionTensors {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  cacheK: Tensor;
  cacheV: Tensor;
}

/** Sizes of an attention call: the head layout, pastLen, window and cache rows. */
export interface AttentionSizes extends HeadSizes {
  past: number;
  W: number;
  cap: number;
}

/**
 * `Ops.attention`: q `[T, Hq*D]`, k, v `[T, Hkv*D]`, cacheK, cacheV `[cap, Hkv*D]` with cap rows
 * enough for the visible past (min(pastLen, window), or pastLen without a window).
 */
export function attentionArgs(t: AttentionTensors, opts: AttentionOptions): AttentionSizes {
  const op = "attention";
  const h = headArgs(op, t.q, opts);
  const past = checkInt(op, "opts.pastLen", opts.pastLen, 0);
  const W = checkInt(op, "opts.window", opts.window, 0);
  const kvw = h.Hkv * h.D;
  checkShape(op, "k", t.k, [h.T, kvw], "[T, Hkv*D] with T = q.shape[0]");
  checkShape(op, "v", t.v, [h.T, kvw], "[T, Hkv*D] with T = q.shape[0]");
  checkShape(op, "cacheK", t.cacheK, [null, kvw], "Hkv*D = opts.kvHeads*opts.headDim");
  const cap = t.cacheK.shape[0];
  checkShape(op, "cacheV", t.cacheV, [cap, kvw], "= cacheK.shape");
  const needed = W > 0 ? Math.min(past, W) : past;
  if (cap < needed) {
    fail(op, `cacheK has ${cap} rows, expected at least ${needed} (pastLen = ${past}, window = ${W})`);
  }
  return { ...h, past, W, cap };
}

/** `Ops.cacheWrite`: cache `[cap, C]` (cap >= 1 unless rows is empty), rows `[T, C]`, pastLen >= 0. */
export function cacheWriteArgs(
  cache: Tensor,
  rows: Tensor,
  pastLen: number,
): { cap: number; C: number; T: number } {
  const op = "cacheWrite";
  checkShape(op, "cache", cache, [null, null]);
  const [cap, C] = cache.shape;
  checkShape(op, "rows", rows, [null, C], "C = cache.shape[1]");
  checkInt(op, "pastLen", pastLen, 0);
  const T = rows.shape[0];
  if (T > 0 && cap === 0) fail(op, "cache has 0 rows");
  return { cap, C, T };
}

/** Sizes of a chunkEncode call: rows n*S, model dim d, chunk size S, chunks n, kv width, landmark width. */
export interface ChunkEncodeSizes {
  rows: number;
  d: number;
  S: number;
  n: number;
  kv: number;
  dr: number;
}

/** `Ops.chunkEncode`: e `[n*S, d]`, wk, wv `[kv, d]`, wLmk `[dr, d]`. */
export function chunkEncodeArgs(
  t: { e: Tensor; wk: Tensor; wv: Tensor; wLmk: Tensor },
  chunkSize: number,
): ChunkEncodeSizes {
  const op = "chunkEncode";
  const S = checkInt(op, "chunkSize", chunkSize, 1);
  checkShape(op, "e", t.e, [null, null]);
  const [rows, d] = t.e.shape;
  if (rows % S !== 0) {
    fail(op, `e has shape [${rows}, ${d}], expected [n*${S}, *] (whole chunks of chunkSize = ${S})`);
  }
  checkShape(op, "wk", t.wk, [null, d], "d = e.shape[1]");
  const kv = t.wk.shape[0];
  checkShape(op, "wv", t.wv, [kv, d], "= wk.shape");
  checkShape(op, "wLmk", t.wLmk, [null, d], "d = e.shape[1]");
  return { rows, d, S, n: rows / S, kv, dr: t.wLmk.shape[0] };
}

/** Sizes of an hsaSelect call: tokens, qr width Hkv*dr, dr, and the resolved options. */
export interface HsaSelectSizes {
  T: number;
  dim: number;
  dr: number;
  Hkv: number;
  K: number;
  S: number;
  start: number;
  W: number;
  numChunks: number;
}

/** `Ops.hsaSelect`: qr `[T, Hkv*dr]` with dr >= 1, landmarks `[>= numChunks, Hkv*dr]`. */
export function hsaSelectArgs(qr: Tensor, landmarks: Tensor, opts: HsaSelectOptions): HsaSelectSizes {
  const op = "hsaSelect";
  const Hkv = checkInt(op, "opts.kvHeads", opts.kvHeads, 1);
  const K = checkInt(op, "opts.topK", opts.topK, 1);
  const S = checkInt(op, "opts.chunkSize", opts.chunkSize, 1);
  const start = checkInt(op, "opts.startPos", opts.startPos, 0);
  const W = checkInt(op, "opts.window", opts.window, 0);
  const numChunks = checkInt(op, "opts.numChunks", opts.numChunks, 0);
  checkShape(op, "qr", qr, [null, null]);
  const [T, dim] = qr.shape;
  if (dim % Hkv !== 0) fail(op, `qr has ${dim} columns, not a multiple of opts.kvHeads = ${Hkv}`);
  if (dim === 0) fail(op, `qr has 0 columns, expected kvHeads*dr with dr >= 1`);
  checkShape(op, "landmarks", landmarks, [null, dim], "Hkv*dr = qr.shape[1]");
  if (numChunks > landmarks.shape[0]) {
    fail(op, `opts.numChunks = ${numChunks} exceeds the ${landmarks.shape[0]} rows of landmarks`);
  }
  return { T, dim, dr: dim / Hkv, Hkv, K, S, start, W, numChunks };
}

/** `Ops.chunkWeights`: scores `[T, Hkv*K]`, a known mode. */
export function chunkWeightsArgs(
  scores: Tensor,
  opts: ChunkWeightOptions,
): { T: number; cols: number; K: number } {
  const op = "chunkWeights";
  const K = checkInt(op, "opts.topK", opts.topK, 1);
  if (opts.mode !== "stick_breaking" && opts.mode !== "softmax") {
    fail(op, `opts.mode is "${opts.mode}", expected "stick_breaking" or "softmax"`);
  }
  checkShape(op, "scores", scores, [null, null]);
  const [T, cols] = scores.shape;
  if (cols % K !== 0) fail(op, `scores has shape [${T}, ${cols}], expected [*, Hkv*${K}] (K = opts.topK)`);
  return { T, cols, K };
}

/** The tensors of an `Ops.hsaAttention` call, by their parameter names. */
export interface HsaAttentionTensors {
  q: Tensor;
  memK: Tensor;
  memV: Tensor;
  indices: Tensor;
  weights: Tensor;
}

/** Sizes of an hsaAttention call: the head layout, chunk size, top-k and memory rows. */
export interface HsaAttentionSizes extends HeadSizes {
  S: number;
  K: number;
  capT: number;
}

/**
 * `Ops.hsaAttention`: q `[T, Hq*D]`, memK, memV `[capT, Hkv*D]`, indices i32 and weights
 * `[T, Hkv*K]`. The index values are the backend's to check (they live on its device).
 */
export function hsaAttentionArgs(t: HsaAttentionTensors, opts: HsaAttentionOptions): HsaAttentionSizes {
  const op = "hsaAttention";
  const h = headArgs(op, t.q, opts);
  const S = checkInt(op, "opts.chunkSize", opts.chunkSize, 1);
  const K = checkInt(op, "opts.topK", opts.topK, 1);
  const kvw = h.Hkv * h.D;
  checkShape(op, "memK", t.memK, [null, kvw], "Hkv*D = opts.kvHeads*opts.headDim");
  const capT = t.memK.shape[0];
  checkShape(op, "memV", t.memV, [capT, kvw], "= memK.shape");
  checkIndex(op, "indices", t.indices, [h.T, h.Hkv * K], "[T, kvHeads*topK]");
  checkShape(op, "weights", t.weights, [h.T, h.Hkv * K], "[T, kvHeads*topK]");
  return { ...h, S, K, capT };
}

/**
 * `Ops.targetLogProbs`: logits `[T, V]`; targets host ids of length T, each in [0, V), or an i32
 * tensor `[T]` (whose values the backend checks where it can).
 */
export function targetLogProbsArgs(logits: Tensor, targets: Int32Array | Tensor): { T: number; V: number } {
  const op = "targetLogProbs";
  checkShape(op, "logits", logits, [null, null]);
  const [T, V] = logits.shape;
  if (targets instanceof Int32Array) {
    if (targets.length !== T) {
      fail(op, `targets has ${targets.length} elements, expected ${T} (T = logits.shape[0])`);
    }
    checkIds(op, "targets", targets, V, "V = logits.shape[1]");
  } else checkIndex(op, "targets", targets, [T], "T = logits.shape[0]");
  return { T, V };
}
