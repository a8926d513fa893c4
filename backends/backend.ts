/**
 * The backend contract: a backend owns device memory and runs the op set the four architectures are
 * written against. It knows nothing of tasks, sweeps or reports.
 *
 * Layout conventions, shared by every backend:
 * - Tensors are row-major. Activations are 2-D `[T, C]` (T tokens of one sequence, C channels); a
 *   multi-head activation `[T, H*D]` keeps head h in columns `h*D .. h*D+D-1`.
 * - Float tensors hold the backend's precision (`f64`, `f32` or `bf16`); index tensors are `i32`.
 * - Ops are synchronous enqueues that return new tensors, except where a doc says "in place" (state
 *   updates). Reading values back is `download`, which is asynchronous.
 *
 * @module
 */

/** Element type of a tensor. */
export type DType = "f64" | "f32" | "bf16" | "i32";

/** Floating-point precision a backend computes and stores activations in. */
export type Precision = "f64" | "f32" | "bf16";

/** The backends the harness knows, in the order `auto` tries them. */
export const BACKEND_NAMES = ["cuda", "webgpu", "onnx", "reference"] as const;
/** A backend name. */
export type BackendName = typeof BACKEND_NAMES[number];

/** A tensor handle. Backends extend it with their storage; callers only read shape and dtype. */
export interface Tensor {
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Element type. */
  readonly dtype: DType;
}

/** Device memory accounting, in bytes. */
export interface MemoryInfo {
  /** Bytes currently allocated by this backend's own allocator. */
  currentBytes: number;
  /** Highest `currentBytes` since creation or the last `resetPeak`. */
  peakBytes: number;
  /** What the device itself reports as used, where it can tell (CUDA: cudaMemGetInfo); else null. */
  deviceUsedBytes: number | null;
}

/** Options of {@link Ops.ssdScan} and {@link Ops.ssmStep}. */
export interface SsmOptions {
  /** Heads n_h. */
  heads: number;
  /** Head dim P. */
  headDim: number;
  /** B/C groups g (head h uses group floor(h / (heads/groups))). */
  groups: number;
  /** State size N_s. */
  stateSize: number;
  /** SSD chunk length Q (changes rounding and speed, never the result). */
  chunk: number;
  /** Clamp of dt after softplus, `[min, max]`. */
  dtLimit: readonly [number, number];
}

/** Options of {@link Ops.attention}. */
export interface AttentionOptions {
  /** Absolute position of the first query row (tokens already in the cache). */
  pastLen: number;
  /** Query heads. */
  heads: number;
  /** Key/value heads (GQA: query head i uses kv head floor(i / (heads/kvHeads))). */
  kvHeads: number;
  /** Head dim. */
  headDim: number;
  /** Sliding window W: query at t sees keys t-W .. t. 0 = full causal attention. */
  window: number;
}

/** Options of {@link Ops.hsaSelect}. */
export interface HsaSelectOptions {
  /** Chunks in memory (rows of `landmarks` that are valid). */
  numChunks: number;
  /** Absolute position of the first query row. */
  startPos: number;
  /** HSA chunk size S. */
  chunkSize: number;
  /** Top-k K; the output has exactly K slots per (token, kv head). */
  topK: number;
  /** Retrieval (= KV) heads; qr and landmarks hold `kvHeads` slices of `dim / kvHeads`. */
  kvHeads: number;
  /** Sliding-window mask W (spec §5.2): chunk c visible iff c*S <= t - W. 0 = plain causal rule. */
  window: number;
}

/** Options of {@link Ops.chunkWeights}. */
export interface ChunkWeightOptions {
  /** Slots per (token, kv head). */
  topK: number;
  /** Stick-breaking (newest chunk has the first claim) or a softmax over the slots. */
  mode: "stick_breaking" | "softmax";
}

/** Options of {@link Ops.hsaAttention}. */
export interface HsaAttentionOptions {
  /** Query heads H_q. */
  heads: number;
  /** KV heads H_kv. */
  kvHeads: number;
  /** Head dim D_h. */
  headDim: number;
  /** Chunk size S. */
  chunkSize: number;
  /** Slots per (token, kv head). */
  topK: number;
  /** Add 1 to each chunk's softmax denominator ("softmax off by one"). */
  softmaxOffByOne: boolean;
}

/**
 * The op set. Shapes use T = tokens in the segment; every op validates its inputs' shapes and throws
 * an Error naming the tensor and the expected shape (the rules, shared by every backend: op_args.ts).
 */
export interface Ops {
  /** Rows of `table` `[V, d]` for each id → `[T, d]`. Ids outside [0, V) are an error. */
  embedding(table: Tensor, ids: Int32Array): Tensor;
  /**
   * `x·rsqrt(mean(x²)+eps)·w`: x `[T, C]`, w `[G]` with G dividing C → `[T, C]`. Each group of G
   * consecutive columns is normalised on its own (G = C: per row; G = head dim: per head).
   */
  rmsNorm(x: Tensor, w: Tensor, eps: number): Tensor;
  /** Gate then normalise: `v = x⊙silu(z)`, `v·rsqrt(mean(v²)+eps)·w`; x, z `[T, C]`, w `[C]`. */
  gatedRmsNorm(x: Tensor, z: Tensor, w: Tensor, eps: number): Tensor;
  /** `x·wᵀ (+ bias)`: x `[T, in]`, w `[out, in]`, bias `[out]` → `[T, out]`. */
  linear(x: Tensor, w: Tensor, bias?: Tensor): Tensor;
  /** Elementwise a + b (same shape). */
  add(a: Tensor, b: Tensor): Tensor;
  /** Elementwise a ⊙ b (same shape). */
  mul(a: Tensor, b: Tensor): Tensor;
  /** Elementwise x·sigmoid(x). */
  silu(x: Tensor): Tensor;
  /** Columns `start .. start+width-1` of x `[T, C]` → `[T, width]`. */
  sliceCols(x: Tensor, start: number, width: number): Tensor;
  /** Copies `n` rows of `src` from `srcRow` into `dst` at `dstRow` (in place; same column count). */
  copyRows(dst: Tensor, dstRow: number, src: Tensor, srcRow: number, n: number): void;
  /**
   * Causal depthwise conv over time with bias, then SiLU: x `[T, C]`, w `[C, K]` (w[c, K-1] multiplies
   * the current token), bias `[C]`, state `[K-1, C]` = the previous K-1 raw inputs, oldest first, zero
   * at sequence start. Returns `[T, C]`; updates state in place. T = 1 is the decode step.
   */
  causalConv1d(x: Tensor, w: Tensor, bias: Tensor, state: Tensor): Tensor;
  /**
   * Mamba2 SSD over a segment (spec §3.2–3.3), continuing `state` `[H, P*N]` (in place):
   * x `[T, H*P]` post-conv, dtRaw `[T, H]` (softplus(dtRaw + dtBias) inside), aLog `[H]`,
   * b, c `[T, G*N]`, d `[H]`, dtBias `[H]` → y `[T, H*P]` (D skip included, no gate).
   */
  ssdScan(
    x: Tensor,
    dtRaw: Tensor,
    aLog: Tensor,
    b: Tensor,
    c: Tensor,
    d: Tensor,
    dtBias: Tensor,
    state: Tensor,
    opts: SsmOptions,
  ): Tensor;
  /** The recurrent form of {@link ssdScan} for T = 1 (decode). Same arguments and result. */
  ssmStep(
    x: Tensor,
    dtRaw: Tensor,
    aLog: Tensor,
    b: Tensor,
    c: Tensor,
    d: Tensor,
    dtBias: Tensor,
    state: Tensor,
    opts: SsmOptions,
  ): Tensor;
  /**
   * Rotate-half RoPE on x `[T, H*D]` at absolute positions `startPos + i`: within each head, pairs
   * (j, j + D/2) rotate by angle pos·theta^(-2j/D).
   */
  rope(x: Tensor, heads: number, headDim: number, startPos: number, theta: number): Tensor;
  /**
   * Causal softmax attention with scale 1/sqrt(D). q `[T, Hq*D]`; the segment's own keys/values
   * k, v `[T, Hkv*D]`; earlier positions p < pastLen are read from cacheK/cacheV `[cap, Hkv*D]` at row
   * p % cap (the caller keeps every needed position there). Does not write the cache. → `[T, Hq*D]`.
   */
  attention(q: Tensor, k: Tensor, v: Tensor, cacheK: Tensor, cacheV: Tensor, opts: AttentionOptions): Tensor;
  /** Writes row i of `rows` `[T, C]` (position pastLen + i) to `cache` row (pastLen + i) % cap, in place. */
  cacheWrite(cache: Tensor, rows: Tensor, pastLen: number): void;
  /**
   * HSA chunk encode (spec §4, no encoder): e `[n*S, d]` = RMS-normed rows of n complete chunks →
   * keys `e·wkᵀ` `[n*S, kv]`, values `e·wvᵀ` `[n*S, kv]`, landmarks `mean_chunk(e)·wLmkᵀ` `[n, d_r]`.
   */
  chunkEncode(
    e: Tensor,
    wk: Tensor,
    wv: Tensor,
    wLmk: Tensor,
    chunkSize: number,
  ): { keys: Tensor; values: Tensor; landmarks: Tensor };
  /**
   * Landmark scoring and top-k (spec §5.1–5.3) without materialising a score matrix beyond one row:
   * qr `[T, Hkv*dr]`, landmarks `[capC, Hkv*dr]` (first numChunks rows valid). For query t (absolute)
   * and kv head h: scores `qr·lmk/sqrt(dr)` over visible chunks c ((c+1)·S <= t), the K best, ordered by
   * chunk index descending (newest first). Slots without a visible chunk: index -1, score -Infinity.
   * → indices i32 `[T, Hkv*K]`, scores `[T, Hkv*K]`.
   */
  hsaSelect(qr: Tensor, landmarks: Tensor, opts: HsaSelectOptions): { indices: Tensor; scores: Tensor };
  /**
   * Chunk weights from slot scores `[T, Hkv*K]` (spec §5.4), in the slot order given. Stick-breaking:
   * w_j = σ(s_j)·Π_{i<j}(1-σ(s_i)); softmax: softmax over finite slots. -Infinity slots weigh 0.
   */
  chunkWeights(scores: Tensor, opts: ChunkWeightOptions): Tensor;
  /**
   * Sparse chunk attention (spec §6): q `[T, Hq*D]`; memK, memV `[capT, Hkv*D]` (rows = token
   * positions); indices, weights `[T, Hkv*K]`. Per slot a softmax over the S keys of the chunk,
   * combined with the slot weights; slots with index -1 or weight 0 are skipped. → `[T, Hq*D]`.
   */
  hsaAttention(
    q: Tensor,
    memK: Tensor,
    memV: Tensor,
    indices: Tensor,
    weights: Tensor,
    opts: HsaAttentionOptions,
  ): Tensor;
  /**
   * Log-likelihood of given targets, so that scoring never moves `[T, V]` logits off the device: row t
   * gives `log softmax(logits[t])[targets[t]]` = `logits[t, targets[t]] − logsumexp(logits[t])`, with the
   * max subtracted before exponentiating and at least fp32 accumulation. logits `[T, V]`; targets `[T]`,
   * host ids or an i32 tensor → `[T]`. Host targets outside [0, V) are an error; a device tensor's are
   * checked where the backend can (reference), else give NaN in their row (CUDA).
   */
  targetLogProbs(logits: Tensor, targets: Int32Array | Tensor): Tensor;
}

/** Every op name, for support tables. */
export const OP_NAMES = [
  "embedding",
  "rmsNorm",
  "gatedRmsNorm",
  "linear",
  "add",
  "mul",
  "silu",
  "sliceCols",
  "copyRows",
  "causalConv1d",
  "ssdScan",
  "ssmStep",
  "rope",
  "attention",
  "cacheWrite",
  "chunkEncode",
  "hsaSelect",
  "chunkWeights",
  "hsaAttention",
  "targetLogProbs",
] as const satisfies readonly (keyof Ops)[];
/** An op name. */
export type OpName = typeof OP_NAMES[number];

/** A live backend instance at one precision. */
export interface Backend {
  /** Registry name. */
  readonly name: BackendName;
  /** Precision of float tensors. */
  readonly precision: Precision;
  /** Human-readable device, for rows and the report (e.g. "CPU: AMD EPYC 7B13 (TypeScript, f64)"). */
  device(): string;
  /** Whether the op runs on this backend; a model needing an unsupported op records `unsupported`. */
  supports(op: OpName): boolean;
  /** A new tensor holding `data` (converted to `dtype`, default: the backend's float precision). */
  upload(data: Float64Array | Float32Array | Int32Array, shape: readonly number[], dtype?: DType): Tensor;
  /** A zero-filled tensor. */
  zeros(shape: readonly number[], dtype?: DType): Tensor;
  /** The tensor's values on the host (f64 for float tensors, i32 for index tensors). */
  download(t: Tensor): Promise<Float64Array | Int32Array>;
  /** Releases a tensor; using it afterwards is an error. */
  dispose(t: Tensor): void;
  /** Waits until all enqueued work is done (before any clock is read). */
  synchronize(): Promise<void>;
  /** Memory accounting. */
  memory(): MemoryInfo;
  /** Restarts peak tracking at the current allocation. */
  resetPeak(): void;
  /** How this backend times work, for the `timing_method` field. */
  readonly timingMethod: string;
  /**
   * A stopwatch on the device's own clock (CUDA events), where the backend has one; callers time with the
   * host clock after `synchronize()` otherwise.
   */
  createTimer?(): DeviceTimer;
  /**
   * A mark of the allocations so far: {@link Backend.releaseSince} frees every tensor allocated after it
   * that is still alive. The runner uses the pair to reclaim what a failed forward (out of memory, timeout)
   * left behind, so the next cell starts from the same memory.
   */
  mark(): number;
  /** Frees every live tensor allocated after `mark`; returns how many it freed. */
  releaseSince(mark: number): number;
  /** The ops. */
  readonly ops: Ops;
  /** Frees everything. */
  close(): void;
}

/** A device-side stopwatch; `start` and `stop` are enqueued like ops. */
export interface DeviceTimer {
  /** Records the start point on the device's queue. */
  start(): void;
  /** Records the stop point on the device's queue. */
  stop(): void;
  /** Milliseconds from the last start to the last stop; waits until the stop point is reached. */
  elapsedMs(): number;
  /** Releases the timer's device resources. */
  dispose(): void;
}

/** Whether a backend can run here, and why not. */
export interface Availability {
  available: boolean;
  /** Why it is (or is not) available, one line. */
  reason: string;
}

/** A registry entry: probes availability and creates instances. */
export interface BackendFactory {
  readonly name: BackendName;
  /** Precisions this backend offers; the first is its default. */
  readonly precisions: readonly Precision[];
  /**
   * Prefill segment length (tokens) used when the run does not set one: long enough that per-segment
   * overheads (kernel launches, host calls) do not dominate, short enough for the backend's memory.
   */
  readonly preferredSegment: number;
  /** Checks, without side effects, whether this backend can run here. */
  probe(): Promise<Availability>;
  /** Creates an instance; throws with a clear message if unavailable or the precision is not offered. */
  create(precision: Precision): Promise<Backend>;
  /** Which ops the backend implements (for the op-support table; no instance needed). */
  opSupport(): Record<OpName, boolean>;
}

/** Thrown when a backend cannot allocate: the runner turns it into an `oom` row. */
export class OutOfMemoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutOfMemoryError";
  }
}
