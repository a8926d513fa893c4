/**
 * The reference backend rounding to a lower precision at the same points as the fast backends: every
 * tensor a fast backend stores (uploads, op outputs, states updated in place) is rounded to f32 or bf16,
 * while everything inside an op stays f64 — as inside a CUDA kernel, where intermediates stay fp32 and
 * only stores round. Its error against f64 is what the precision itself costs (the `ref` of the parity
 * rule). With "f32" it equals ReferenceBackend("f32"), which also rounds on every store — except ssmStep
 * over several tokens, whose state the reference stores after each token and this (like the CUDA kernel,
 * which keeps it in registers) once per call.
 *
 * @module
 */
import type {
  Backend,
  DType,
  HsaSelectOptions,
  MemoryInfo,
  OpName,
  Ops,
  Precision,
  Tensor,
} from "../../backends/backend.ts";
import { ReferenceBackend } from "../../backends/reference/mod.ts";
import { RefTensor } from "../../backends/reference/tensor.ts";
import { bf16ToF32, f32ToBf16 } from "../../models/dtype.ts";

/** `x` rounded to bfloat16 (nearest, ties to even, once from the f64 value), as a number. */
export function roundBf16(x: number): number {
  return bf16ToF32(f32ToBf16(x));
}

/** The rounding function of a precision (identity for f64). */
export function rounder(p: Precision): (x: number) => number {
  return p === "bf16" ? roundBf16 : p === "f32" ? Math.fround : (x) => x;
}

/** A copy of `a` rounded to `p`. */
export function roundedCopy(a: Float64Array, p: Precision): Float64Array {
  const r = rounder(p);
  return a.map(r);
}

/** What {@link RoundingReference.onSelect} receives: the inputs of one hsaSelect call, copied. */
export interface SelectCall {
  qr: Float64Array;
  landmarks: Float64Array;
  rows: number;
  dim: number;
  opts: HsaSelectOptions;
}

/**
 * A Backend over ReferenceBackend("f64") whose stored values are rounded to `precision`. Tensors are the
 * inner backend's f64 tensors holding rounded values.
 *
 * @example
 * ```ts
 * import { RoundingReference } from "./rounding_reference.ts";
 * const be = new RoundingReference("bf16");
 * const y = be.ops.silu(be.upload(new Float64Array([0.1]), [1, 1]));
 * console.log(await be.download(y)); // silu(bf16(0.1)), rounded to bf16
 * ```
 */
export class RoundingReference implements Backend {
  readonly name = "reference" as const;
  readonly precision: Precision;
  readonly timingMethod = "performance.now (synchronous CPU)";
  readonly ops: Ops;
  /** Called with the inputs of every hsaSelect (for near-tie analysis of whole-model runs). */
  onSelect?: (call: SelectCall) => void;
  #inner = new ReferenceBackend("f64");

  /** See {@link Backend.mark}. */
  mark(): number {
    return this.#inner.mark();
  }

  /** See {@link Backend.releaseSince}. */
  releaseSince(mark: number): number {
    return this.#inner.releaseSince(mark);
  }

  constructor(precision: Precision) {
    this.precision = precision;
    const r = rounder(precision);
    const round = <T extends Tensor>(t: T): T => {
      if (precision !== "f64" && t instanceof RefTensor && t.dtype !== "i32") {
        const d = t.data;
        for (let i = 0; i < d.length; i++) d[i] = r(d[i]);
      }
      return t;
    };
    const o = this.#inner.ops;
    this.ops = {
      embedding: (table, ids) => round(o.embedding(table, ids)),
      rmsNorm: (x, w, eps) => round(o.rmsNorm(x, w, eps)),
      gatedRmsNorm: (x, z, w, eps) => round(o.gatedRmsNorm(x, z, w, eps)),
      linear: (x, w, bias) => round(o.linear(x, w, bias)),
      add: (a, b) => round(o.add(a, b)),
      mul: (a, b) => round(o.mul(a, b)),
      silu: (x) => round(o.silu(x)),
      sliceCols: (x, start, width) => o.sliceCols(x, start, width),
      copyRows: (dst, dstRow, src, srcRow, n) => o.copyRows(dst, dstRow, src, srcRow, n),
      causalConv1d: (x, w, bias, state) => {
        const u = round(o.causalConv1d(x, w, bias, state));
        round(state);
        return u;
      },
      ssdScan: (x, dt, aLog, b, c, d, dtBias, state, opts) => {
        const y = round(o.ssdScan(x, dt, aLog, b, c, d, dtBias, state, opts));
        round(state);
        return y;
      },
      ssmStep: (x, dt, aLog, b, c, d, dtBias, state, opts) => {
        const y = round(o.ssmStep(x, dt, aLog, b, c, d, dtBias, state, opts));
        round(state);
        return y;
      },
      rope: (x, heads, headDim, startPos, theta) => round(o.rope(x, heads, headDim, startPos, theta)),
      attention: (q, k, v, cacheK, cacheV, opts) => round(o.attention(q, k, v, cacheK, cacheV, opts)),
      cacheWrite: (cache, rows, pastLen) => o.cacheWrite(cache, rows, pastLen),
      chunkEncode: (e, wk, wv, wLmk, chunkSize) => {
        const r3 = o.chunkEncode(e, wk, wv, wLmk, chunkSize);
        return { keys: round(r3.keys), values: round(r3.values), landmarks: round(r3.landmarks) };
      },
      hsaSelect: (qr, landmarks, opts) => {
        if (this.onSelect && qr instanceof RefTensor && landmarks instanceof RefTensor) {
          this.onSelect({
            qr: Float64Array.from(qr.data),
            landmarks: Float64Array.from(landmarks.data),
            rows: qr.shape[0],
            dim: qr.shape[1],
            opts: { ...opts },
          });
        }
        const sel = o.hsaSelect(qr, landmarks, opts);
        return { indices: sel.indices, scores: round(sel.scores) };
      },
      chunkWeights: (scores, opts) => round(o.chunkWeights(scores, opts)),
      hsaAttention: (q, memK, memV, indices, weights, opts) =>
        round(o.hsaAttention(q, memK, memV, indices, weights, opts)),
      targetLogProbs: (logits, targets) => round(o.targetLogProbs(logits, targets)),
    };
    this.#round = round;
  }

  #round: <T extends Tensor>(t: T) => T;

  device(): string {
    return `CPU reference rounding every store to ${this.precision}`;
  }

  supports(op: OpName): boolean {
    return this.#inner.supports(op);
  }

  upload(data: Float64Array | Float32Array | Int32Array, shape: readonly number[], dtype?: DType): Tensor {
    if (dtype === "i32") return this.#inner.upload(data, shape, "i32");
    return this.#round(this.#inner.upload(data, shape, "f64"));
  }

  zeros(shape: readonly number[], dtype?: DType): Tensor {
    return this.#inner.zeros(shape, dtype === "i32" ? "i32" : "f64");
  }

  download(t: Tensor): Promise<Float64Array | Int32Array> {
    return this.#inner.download(t);
  }

  dispose(t: Tensor): void {
    this.#inner.dispose(t);
  }

  synchronize(): Promise<void> {
    return this.#inner.synchronize();
  }

  memory(): MemoryInfo {
    return this.#inner.memory();
  }

  resetPeak(): void {
    this.#inner.resetPeak();
  }

  close(): void {
    this.#inner.close();
  }
}
