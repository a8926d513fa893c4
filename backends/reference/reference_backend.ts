/**
 * The reference backend: every op as plain loops over typed arrays on the CPU, in f64 (the truth
 * other backends are measured against) or f32 (computed in doubles, rounded on every store).
 * @module
 */
import {
  type Backend,
  type BackendFactory,
  type DType,
  type MemoryInfo,
  OP_NAMES,
  type OpName,
  type Ops,
  OutOfMemoryError,
  type Precision,
  type Tensor,
} from "../backend.ts";
import { shapeString } from "../arg_check.ts";
import { attention, cacheWrite } from "./attention.ts";
import { BufferPool } from "./buffer_pool.ts";
import { causalConv1d } from "./causal_conv1d.ts";
import { chunkEncode } from "./chunk_encode.ts";
import { chunkWeights } from "./chunk_weights.ts";
import { add, copyRows, mul, silu, sliceCols } from "./elementwise.ts";
import { embedding } from "./embedding.ts";
import { hsaAttention } from "./hsa_attention.ts";
import { hsaSelect } from "./hsa_select.ts";
import { linear } from "./linear.ts";
import { gatedRmsNorm, rmsNorm } from "./rms_norm.ts";
import { rope } from "./rope.ts";
import { ssdScan } from "./ssd_scan.ts";
import { ssmStep } from "./ssm_step.ts";
import { targetLogProbs } from "./target_log_probs.ts";
import { allocArray, type Allocator, numElements, type RefPrecision, RefTensor } from "./tensor.ts";
import { LiveTensors } from "../live_tensors.ts";

/** Most bytes of disposed tensors' storage kept for reuse (see BufferPool). */
const POOL_LIMIT_BYTES = 256 * 2 ** 20;

/** Precisions the reference backend offers; the first is its default. */
export const REFERENCE_PRECISIONS: readonly RefPrecision[] = ["f64", "f32"];

let cpuModelCache: string | undefined;

/**
 * The CPU model from /proc/cpuinfo where readable without a prompt (Deno needs --allow-all for
 * /proc), else the OS release and architecture, else the build target. Cached; never throws.
 */
function cpuModel(): string {
  if (cpuModelCache !== undefined) return cpuModelCache;
  let model = "";
  try {
    if (Deno.permissions.querySync({ name: "read", path: "/proc/cpuinfo" }).state === "granted") {
      const m = Deno.readTextFileSync("/proc/cpuinfo").match(/^model name\s*:\s*(.+)$/m);
      if (m) model = m[1].trim();
    }
  } catch {
    // Not Linux, or /proc not allowed.
  }
  try {
    if (!model && Deno.permissions.querySync({ name: "sys", kind: "osRelease" }).state === "granted") {
      model = `${Deno.build.os} ${Deno.osRelease()} ${Deno.build.arch}`;
    }
  } catch {
    // Fall through to the build target, which needs no permission.
  }
  cpuModelCache = model || `${Deno.build.os} ${Deno.build.arch}`;
  return cpuModelCache;
}

/**
 * A reference backend instance at one precision. Float tensors are Float64Array (f64) or
 * Float32Array (f32), index tensors Int32Array. Memory accounting counts live tensors; the storage
 * of disposed ones is recycled for later tensors of the same size (up to 256 MiB, not counted).
 *
 * @example
 * ```ts
 * const be = new ReferenceBackend("f64");
 * const x = be.upload(new Float64Array([1, 2, 3, 4]), [2, 2]);
 * const y = be.ops.silu(x);
 * console.log(await be.download(y));
 * be.close();
 * ```
 */
export class ReferenceBackend implements Backend, Allocator {
  /** Registry name. */
  readonly name = "reference" as const;
  /** Float precision (dtype of every float output). */
  readonly precision: RefPrecision;
  /** How work is timed: ops run synchronously, so the CPU clock is exact. */
  readonly timingMethod = "performance.now (synchronous CPU)";
  /** The op set, bound to this instance's allocator. */
  readonly ops: Ops;
  /** Live tensors in allocation order (see mark/releaseSince). */
  #live = new LiveTensors<RefTensor>();
  #currentBytes = 0;
  #peakBytes = 0;
  #closed = false;
  #pool = new BufferPool(POOL_LIMIT_BYTES);
  #limitBytes: number;

  /**
   * Creates a backend computing at `precision` (`f64` or `f32`). `memoryLimitBytes` caps what live
   * tensors may hold (default: none, the host's memory); past it allocations throw OutOfMemoryError,
   * as a device would.
   */
  constructor(precision: Precision = "f64", opts: { memoryLimitBytes?: number } = {}) {
    if (precision !== "f64" && precision !== "f32") {
      throw new Error(`Reference backend: precision ${precision} is not offered (f64, f32)`);
    }
    this.precision = precision;
    this.#limitBytes = opts.memoryLimitBytes ?? Infinity;
    this.ops = {
      embedding: (table, ids) => embedding(this, table, ids),
      rmsNorm: (x, w, eps) => rmsNorm(this, x, w, eps),
      gatedRmsNorm: (x, z, w, eps) => gatedRmsNorm(this, x, z, w, eps),
      linear: (x, w, bias) => linear(this, x, w, bias),
      add: (a, b) => add(this, a, b),
      mul: (a, b) => mul(this, a, b),
      silu: (x) => silu(this, x),
      sliceCols: (x, start, width) => sliceCols(this, x, start, width),
      copyRows: (dst, dstRow, src, srcRow, n) => copyRows(dst, dstRow, src, srcRow, n),
      causalConv1d: (x, w, bias, state) => causalConv1d(this, x, w, bias, state),
      ssdScan: (x, dt, aLog, b, c, d, dtBias, state, opts) =>
        ssdScan(this, x, dt, aLog, b, c, d, dtBias, state, opts),
      ssmStep: (x, dt, aLog, b, c, d, dtBias, state, opts) =>
        ssmStep(this, x, dt, aLog, b, c, d, dtBias, state, opts),
      rope: (x, heads, headDim, startPos, theta) => rope(this, x, heads, headDim, startPos, theta),
      attention: (q, k, v, cacheK, cacheV, opts) => attention(this, q, k, v, cacheK, cacheV, opts),
      cacheWrite: (cache, rows, pastLen) => cacheWrite(cache, rows, pastLen),
      chunkEncode: (e, wk, wv, wLmk, chunkSize) => chunkEncode(this, e, wk, wv, wLmk, chunkSize),
      hsaSelect: (qr, landmarks, opts) => hsaSelect(this, qr, landmarks, opts),
      chunkWeights: (scores, opts) => chunkWeights(this, scores, opts),
      hsaAttention: (q, memK, memV, indices, weights, opts) =>
        hsaAttention(this, q, memK, memV, indices, weights, opts),
      targetLogProbs: (logits, targets) => targetLogProbs(this, logits, targets),
    };
  }

  /** E.g. "CPU: AMD EPYC 7B13 (TypeScript reference, f64)". Cheap after the first call; never throws. */
  device(): string {
    return `CPU: ${cpuModel()} (TypeScript reference, ${this.precision})`;
  }

  /** Every op is implemented. */
  supports(op: OpName): boolean {
    return (OP_NAMES as readonly string[]).includes(op);
  }

  /**
   * A zero-filled, accounted tensor (what ops allocate their outputs with). Allocation failures
   * become OutOfMemoryError naming the shape and bytes.
   */
  alloc(shape: readonly number[], dtype: DType = this.precision): RefTensor {
    if (this.#closed) throw new Error("Reference backend: used after close()");
    if (!Array.isArray(shape) || shape.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new Error(`Reference backend: shape ${shapeString(shape)} must be non-negative integers`);
    }
    if (dtype === "bf16") throw new Error("Reference backend: dtype bf16 is not offered (f64, f32, i32)");
    const need = numElements(shape) * (dtype === "f64" ? 8 : 4);
    if (this.#currentBytes + need > this.#limitBytes) {
      throw new OutOfMemoryError(
        `Reference backend: ${need} bytes for shape ${shapeString(shape)} would exceed the limit of ` +
          `${this.#limitBytes} bytes (${this.#currentBytes} in use)`,
      );
    }
    let data = this.#pool.take(dtype, numElements(shape));
    if (data === undefined) {
      try {
        data = allocArray(dtype, shape);
      } catch (e) {
        if (this.#pool.bytes === 0) throw e;
        this.#pool.clear(); // give the cached storage back to the GC and try once more
        data = allocArray(dtype, shape);
      }
    }
    const t = new RefTensor(shape, dtype, data);
    this.#live.add(t);
    this.#currentBytes += t.bytes;
    if (this.#currentBytes > this.#peakBytes) this.#peakBytes = this.#currentBytes;
    return t;
  }

  /** A new tensor holding `data` converted to `dtype` (default: the backend precision). */
  upload(data: Float64Array | Float32Array | Int32Array, shape: readonly number[], dtype?: DType): RefTensor {
    const n = numElements(shape);
    if (!(data instanceof Float64Array || data instanceof Float32Array || data instanceof Int32Array)) {
      throw new Error("upload: data must be a Float64Array, Float32Array or Int32Array");
    }
    if (data.length !== n) {
      throw new Error(`upload: data has ${data.length} elements, shape ${shapeString(shape)} needs ${n}`);
    }
    const target = dtype ?? this.precision;
    if (target === "i32" && !(data instanceof Int32Array)) {
      for (let i = 0; i < n; i++) {
        if (!Number.isInteger(data[i]) || data[i] < -2147483648 || data[i] > 2147483647) {
          throw new Error(`upload: data[${i}] = ${data[i]} is not an i32 value`);
        }
      }
    }
    const t = this.alloc(shape, target);
    t.data.set(data);
    return t;
  }

  /** A zero-filled tensor. */
  zeros(shape: readonly number[], dtype?: DType): RefTensor {
    return this.alloc(shape, dtype);
  }

  /** A copy of the values: Float64Array for float tensors, Int32Array for index tensors. */
  download(t: Tensor): Promise<Float64Array | Int32Array> {
    try {
      const r = this.#own("download", t);
      return Promise.resolve(r.dtype === "i32" ? (r.data as Int32Array).slice() : Float64Array.from(r.data));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Releases a tensor; any later use (including a second dispose) throws "Tensor used after dispose". */
  dispose(t: Tensor): void {
    const r = this.#own("dispose", t);
    this.#pool.give(r.dtype, r.release());
    this.#live.delete(r);
    this.#currentBytes -= r.bytes;
  }

  /** Ops run synchronously: nothing to wait for. */
  synchronize(): Promise<void> {
    return Promise.resolve();
  }

  /** Bytes of live tensors; the device itself reports nothing (deviceUsedBytes null). */
  memory(): MemoryInfo {
    return { currentBytes: this.#currentBytes, peakBytes: this.#peakBytes, deviceUsedBytes: null };
  }

  /** Restarts peak tracking at the current allocation. */
  resetPeak(): void {
    this.#peakBytes = this.#currentBytes;
  }

  /** The allocation serial so far (see {@link Backend.mark}). */
  mark(): number {
    return this.#live.mark();
  }

  /** Disposes every live tensor allocated after `mark`; returns how many. */
  releaseSince(mark: number): number {
    const late = this.#live.since(mark);
    for (const t of late) this.dispose(t);
    return late.length;
  }

  /** Frees every live tensor; the backend cannot allocate afterwards. */
  close(): void {
    for (const t of this.#live.all()) t.release();
    this.#live.clear();
    this.#pool.clear();
    this.#currentBytes = 0;
    this.#closed = true;
  }

  /** The tensor as a live RefTensor of this backend. */
  #own(op: string, t: Tensor): RefTensor {
    if (!(t instanceof RefTensor)) throw new Error(`${op}: not a tensor of the reference backend`);
    t.data; // throws "Tensor used after dispose"
    if (!this.#live.has(t)) {
      throw new Error(`${op}: the tensor belongs to another reference backend instance`);
    }
    return t;
  }
}

/** Registry entry of the reference backend: always available, every op supported. */
export const referenceFactory: BackendFactory = {
  name: "reference",
  precisions: REFERENCE_PRECISIONS,
  preferredSegment: 1024,
  probe() {
    return Promise.resolve({ available: true, reason: "plain TypeScript, always available" });
  },
  create(precision: Precision) {
    try {
      return Promise.resolve(new ReferenceBackend(precision));
    } catch (e) {
      return Promise.reject(e);
    }
  },
  opSupport() {
    return Object.fromEntries(OP_NAMES.map((op) => [op, true])) as Record<OpName, boolean>;
  },
};
