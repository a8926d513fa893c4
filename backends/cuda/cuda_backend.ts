/**
 * The CUDA backend: tensors are device buffers of build/libramba_cuda.so (one context = one stream and
 * its accounted allocations), ops enqueue kernels through the FFI symbol table of ffi.ts, shapes and
 * dtypes are checked in TypeScript (cuda_ops.ts, with the contract's op_args.ts) before anything reaches
 * the library.
 *
 * @module
 */
import {
  type Backend,
  type DeviceTimer,
  type DType,
  type MemoryInfo,
  OP_NAMES,
  type OpName,
  type Ops,
  OutOfMemoryError,
  type Tensor,
} from "../backend.ts";
import { shapeString } from "../arg_check.ts";
import {
  type CudaLib,
  deviceBytes,
  Dt,
  GEMM_MODES,
  INIT_LOAD_CUBLAS,
  OP_SYMBOLS,
  openLibrary,
  packParams,
  type ParamValue,
  readCString,
  Status,
} from "./ffi.ts";
import { cudaOps } from "./cuda_ops.ts";
import { LiveTensors } from "../live_tensors.ts";

/** Float precisions the CUDA backend offers; the first is its default. */
export const CUDA_PRECISIONS = ["bf16", "f32"] as const;
/** A CUDA float precision. */
export type CudaPrecision = typeof CUDA_PRECISIONS[number];

/** Options of {@link CudaBackend.create}. */
export interface CudaOptions {
  /** CUDA device ordinal (default 0). */
  device?: number;
  /** Library path (default: build/libramba_cuda.so of this checkout). */
  libraryPath?: string;
  /** Load cuBLAS at start and use it for linear where found (default true). */
  cublas?: boolean;
}

/** A device tensor of one CudaBackend: shape, dtype and the device address of its buffer. */
export class CudaTensor implements Tensor {
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Element type (`f32`, `bf16` or `i32`). */
  readonly dtype: DType;
  /** Bytes of device storage. */
  readonly bytes: number;
  /** The backend that owns the buffer. */
  readonly owner: CudaBackend;
  #ptr: bigint | null;

  constructor(owner: CudaBackend, shape: readonly number[], dtype: DType, ptr: bigint, bytes: number) {
    this.owner = owner;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.#ptr = ptr;
    this.bytes = bytes;
  }

  /** The device address; throws once disposed. */
  get ptr(): bigint {
    if (this.#ptr === null) throw new Error(`Tensor used after dispose (shape ${shapeString(this.shape)})`);
    return this.#ptr;
  }

  /** Drops the address and returns it (the backend frees it). */
  release(): bigint {
    const p = this.ptr;
    this.#ptr = null;
    return p;
  }
}

/**
 * A CUDA backend instance at one precision (`bf16`: bf16 storage, fp32 arithmetic; `f32`: fp32
 * throughout). Index tensors are i32. Memory figures come from the library: its own allocator's bytes
 * (every tensor and op scratch) and what the driver reports as used.
 *
 * @example
 * ```ts
 * import { CudaBackend } from "./cuda_backend.ts";
 * const be = CudaBackend.create("bf16");
 * const x = be.upload(new Float64Array([1, -1]), [1, 2]);
 * console.log(await be.download(be.ops.silu(x)));
 * be.close();
 * ```
 */
export class CudaBackend implements Backend {
  /** Registry name. */
  readonly name = "cuda" as const;
  /** Float precision (storage dtype of every float tensor). */
  readonly precision: CudaPrecision;
  /** How the runner times this backend: CUDA events through {@link CudaBackend.createTimer}. */
  readonly timingMethod =
    "CUDA events (cudaEventElapsedTime) around each prefill segment's forward and each decode step's kernels";
  /** The ops. */
  readonly ops: Ops;
  /** The library's symbols (for cuda_ops.ts). */
  readonly lib: CudaLib;
  /** The library context handle. */
  readonly ctx: bigint;
  /** Library dtype code of float tensors. */
  readonly floatCode: number;
  /** Live tensors in allocation order (see mark/releaseSince). */
  #live = new LiveTensors<CudaTensor>();
  #closed = false;
  #err = new Uint8Array(4096);

  private constructor(precision: CudaPrecision, lib: CudaLib, ctx: bigint) {
    this.precision = precision;
    this.lib = lib;
    this.ctx = ctx;
    this.floatCode = precision === "bf16" ? Dt.BF16 : Dt.F32;
    this.ops = cudaOps(this);
  }

  /**
   * A backend on `opts.device` (default 0). Throws with the library's reason when the library is not
   * built, there is no driver or device, or the precision is not offered.
   */
  static create(precision: string, opts: CudaOptions = {}): CudaBackend {
    if (!(CUDA_PRECISIONS as readonly string[]).includes(precision)) {
      throw new Error(`CUDA backend: precision ${precision} is not offered (${CUDA_PRECISIONS.join(", ")})`);
    }
    const opened = openLibrary(opts.libraryPath);
    if (!opened.ok) throw new Error(`CUDA backend is not available: ${opened.reason}`);
    const lib = opened.lib;
    const out = new BigUint64Array(1);
    const st = lib.rc_init(opts.device ?? 0, opts.cublas === false ? 0 : INIT_LOAD_CUBLAS, out);
    if (st !== Status.OK) throw new Error(`CUDA backend is not available: ${lastError(lib)}`);
    return new CudaBackend(precision as CudaPrecision, lib, out[0]);
  }

  /** E.g. "GPU: NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 79.1 GiB, driver CUDA 13.0, linear: cuBLAS 130000), bf16". */
  device(): string {
    return `GPU: ${this.#deviceLine()}, ${this.precision}`;
  }

  /** Every op is implemented. */
  supports(op: OpName): boolean {
    return (OP_NAMES as readonly string[]).includes(op);
  }

  /**
   * An uninitialised, accounted tensor (what ops allocate their outputs with). Float tensors must be of
   * the backend precision; a failed allocation throws OutOfMemoryError naming the shape and bytes.
   */
  alloc(shape: readonly number[], dtype: DType = this.precision): CudaTensor {
    if (this.#closed) throw new Error("CUDA backend: used after close()");
    if (!Array.isArray(shape) || shape.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new Error(`CUDA backend: shape ${shapeString(shape)} must be non-negative integers`);
    }
    if (dtype !== this.precision && dtype !== "i32") {
      throw new Error(
        `CUDA backend: dtype ${dtype} is not offered at precision ${this.precision} (${this.precision}, i32)`,
      );
    }
    let n = 1;
    for (const s of shape) n *= s;
    const bytes = n * deviceBytes(dtype);
    const out = new BigUint64Array(1);
    const st = this.lib.rc_alloc(this.ctx, BigInt(bytes), out);
    if (st !== Status.OK) {
      const msg = `CUDA backend: cannot allocate a tensor of shape ${
        shapeString(shape)
      } ${dtype}: ${this.lastError()}`;
      throw st === Status.OOM ? new OutOfMemoryError(msg) : new Error(msg);
    }
    const t = new CudaTensor(this, shape, dtype, out[0], bytes);
    this.#live.add(t);
    return t;
  }

  /** Tensors of the given shapes; if one allocation fails, the earlier ones are released before it throws. */
  allocAll(shapes: readonly (readonly number[])[], dtypes: readonly DType[] = []): CudaTensor[] {
    const got: CudaTensor[] = [];
    try {
      shapes.forEach((s, i) => got.push(this.alloc(s, dtypes[i] ?? this.precision)));
    } catch (e) {
      for (const t of got) this.dispose(t);
      throw e;
    }
    return got;
  }

  /** A new tensor holding `data` converted to `dtype` (default: the backend precision), rounded once. */
  upload(
    data: Float64Array | Float32Array | Int32Array,
    shape: readonly number[],
    dtype?: DType,
  ): CudaTensor {
    if (!(data instanceof Float64Array || data instanceof Float32Array || data instanceof Int32Array)) {
      throw new Error("upload: data must be a Float64Array, Float32Array or Int32Array");
    }
    let n = 1;
    for (const s of shape) n *= s;
    if (data.length !== n) {
      throw new Error(`upload: data has ${data.length} elements, shape ${shapeString(shape)} needs ${n}`);
    }
    const target = dtype ?? this.precision;
    let src: Float64Array | Float32Array | Int32Array = data;
    if (target === "i32" && !(data instanceof Int32Array)) {
      for (let i = 0; i < n; i++) {
        if (!Number.isInteger(data[i]) || data[i] < -2147483648 || data[i] > 2147483647) {
          throw new Error(`upload: data[${i}] = ${data[i]} is not an i32 value`);
        }
      }
      src = Int32Array.from(data);
    } else if (target !== "i32" && data instanceof Int32Array) {
      src = Float64Array.from(data);
    }
    const t = this.alloc(shape, target);
    const srcType = src instanceof Float64Array ? Dt.F64 : src instanceof Float32Array ? Dt.F32 : Dt.I32;
    const dstType = target === "i32" ? Dt.I32 : this.floatCode;
    const st = this.lib.rc_upload(this.ctx, t.ptr, src, BigInt(n), srcType, dstType);
    if (st !== Status.OK) {
      this.dispose(t);
      throw new Error(`upload: ${this.lastError()}`);
    }
    return t;
  }

  /** A zero-filled tensor. */
  zeros(shape: readonly number[], dtype?: DType): CudaTensor {
    const t = this.alloc(shape, dtype);
    this.check(this.lib.rc_memset_zero(this.ctx, t.ptr, BigInt(t.bytes)), "zeros", [t]);
    return t;
  }

  /**
   * The tensor's values (Float64Array for float tensors, Int32Array for i32), after all enqueued work.
   * The copy completes before this returns, so the tensor may be disposed right away.
   */
  download(t: Tensor): Promise<Float64Array | Int32Array> {
    try {
      const c = this.own("download", "tensor", t);
      let n = 1;
      for (const s of c.shape) n *= s;
      const out = c.dtype === "i32" ? new Int32Array(n) : new Float64Array(n);
      const code = c.dtype === "i32" ? Dt.I32 : this.floatCode;
      this.check(this.lib.rc_download(this.ctx, c.ptr, out, BigInt(n), code), "download");
      return Promise.resolve(out);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Releases a tensor; any later use (including a second dispose) throws "Tensor used after dispose". */
  dispose(t: Tensor): void {
    const c = this.own("dispose", "tensor", t);
    this.#live.delete(c);
    this.check(this.lib.rc_free(this.ctx, c.release()), "dispose");
  }

  /** Waits for all enqueued work; asynchronous kernel errors surface here. */
  synchronize(): Promise<void> {
    try {
      this.check(this.lib.rc_synchronize(this.ctx), "synchronize");
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Own allocator's current and peak bytes; the device's used bytes (cudaMemGetInfo). */
  memory(): MemoryInfo {
    const m = this.memoryDetail();
    return { currentBytes: m.currentBytes, peakBytes: m.peakBytes, deviceUsedBytes: m.deviceUsedBytes };
  }

  /** {@link memory} plus the device total and the stream-ordered pool's reserved bytes (current, peak). */
  memoryDetail(): MemoryInfo & {
    deviceUsedBytes: number;
    deviceTotalBytes: number;
    poolBytes: number;
    poolPeakBytes: number;
  } {
    const out = new BigInt64Array(6);
    this.check(this.lib.rc_memory_info(this.ctx, out), "memory");
    const [cur, peak, used, total, pool, poolPeak] = [...out].map(Number);
    return {
      currentBytes: cur,
      peakBytes: peak,
      deviceUsedBytes: used,
      deviceTotalBytes: total,
      poolBytes: pool,
      poolPeakBytes: poolPeak,
    };
  }

  /** Restarts peak tracking at the current allocation. */
  resetPeak(): void {
    this.check(this.lib.rc_reset_peak(this.ctx), "resetPeak");
  }

  /** Chooses how linear runs: cuBLAS where loaded (`auto`), always our kernels, or cuBLAS (else throws). */
  setGemm(mode: keyof typeof GEMM_MODES): void {
    this.check(this.lib.rc_set_gemm(this.ctx, GEMM_MODES[mode]), "setGemm");
  }

  /** What linear currently runs on: "own kernels" or "cuBLAS <version>". */
  get gemmEngine(): string {
    return this.#deviceLine().match(/linear: ([^)]*)\)$/)?.[1] ?? "unknown";
  }

  /** The library's line about the device (name, sm, SMs, memory, driver, GEMM engine). */
  #deviceLine(): string {
    if (this.#closed) return "closed CUDA backend";
    const buf = new Uint8Array(512);
    return this.lib.rc_device_name(this.ctx, buf, BigInt(buf.length)) === Status.OK
      ? readCString(buf)
      : "unknown CUDA device";
  }

  /**
   * A pair of CUDA events on this backend's stream: `start()` and `stop()` record them, `elapsedMs()`
   * waits for the second and returns the milliseconds between them.
   */
  createTimer(): DeviceTimer {
    const buf = new BigUint64Array(1);
    this.check(this.lib.rc_event_create(this.ctx, buf), "createTimer");
    const a = buf[0];
    this.check(this.lib.rc_event_create(this.ctx, buf), "createTimer");
    const b = buf[0];
    const ms = new Float64Array(1);
    return {
      start: () => this.check(this.lib.rc_event_record(this.ctx, a), "createTimer"),
      stop: () => this.check(this.lib.rc_event_record(this.ctx, b), "createTimer"),
      elapsedMs: () => {
        this.check(this.lib.rc_event_elapsed(this.ctx, a, b, ms), "createTimer");
        return ms[0];
      },
      dispose: () => {
        this.lib.rc_event_destroy(this.ctx, a);
        this.lib.rc_event_destroy(this.ctx, b);
      },
    };
  }

  /** The allocation serial so far (see {@link Backend.mark}). */
  mark(): number {
    return this.#live.mark();
  }

  /** Frees every live tensor allocated after `mark`; returns how many. */
  releaseSince(mark: number): number {
    const late = this.#live.since(mark);
    for (const t of late) this.dispose(t);
    return late.length;
  }

  /** Frees every live tensor and the context; the backend cannot be used afterwards. */
  close(): void {
    if (this.#closed) return;
    for (const t of this.#live.all()) t.release();
    this.#live.clear();
    this.#closed = true;
    this.check(this.lib.rc_shutdown(this.ctx), "close");
  }

  /** The tensor as a live CudaTensor of this backend, or an error naming `op` and `name`. */
  own(op: string, name: string, t: Tensor): CudaTensor {
    if (!(t instanceof CudaTensor)) throw new Error(`${op}: ${name} is not a tensor of the CUDA backend`);
    t.ptr; // throws "Tensor used after dispose"
    if (t.owner !== this || !this.#live.has(t)) {
      throw new Error(`${op}: ${name} belongs to another CUDA backend instance`);
    }
    return t;
  }

  /** Runs an op symbol with its packed params; on failure disposes `outputs` and throws. */
  run(op: OpName, values: Record<string, ParamValue>, outputs: CudaTensor[] = []): void {
    const st = this.lib[OP_SYMBOLS[op]](this.ctx, packParams(op, values));
    this.check(st, op, outputs);
  }

  /** Throws for a non-OK status: OutOfMemoryError for OOM, else Error with the library's message. */
  check(status: number, what: string, outputs: CudaTensor[] = []): void {
    if (status === Status.OK) return;
    const msg = this.lastError();
    for (const t of outputs) if (this.#live.has(t)) this.dispose(t);
    if (status === Status.OOM) throw new OutOfMemoryError(`CUDA backend, ${what}: ${msg}`);
    throw new Error(msg.startsWith(`${what}:`) ? msg : `${what}: ${msg}`);
  }

  /** The library's last error message. */
  lastError(): string {
    this.lib.rc_last_error(this.#err, BigInt(this.#err.length));
    return readCString(this.#err);
  }
}

/** The library's last error message (before a context exists). */
export function lastError(lib: CudaLib): string {
  const buf = new Uint8Array(4096);
  lib.rc_last_error(buf, BigInt(buf.length));
  return readCString(buf);
}
