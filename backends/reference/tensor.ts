/**
 * Tensors of the reference backend: a shape, a dtype and a typed array on the host, plus the
 * allocator interface every op allocates its outputs through (so memory accounting sees them).
 * @module
 */
import { shapeString } from "../arg_check.ts";
import { type DType, OutOfMemoryError, type Tensor } from "../backend.ts";

/** Storage of float tensors: f64 holds the truth, f32 rounds on every store. */
export type FloatArray = Float64Array | Float32Array;

/** Float precisions the reference backend offers. */
export type RefPrecision = "f64" | "f32";

/** Bytes per element of each dtype the reference backend stores. */
export function bytesPerElement(dtype: DType): number {
  return dtype === "f64" ? 8 : 4;
}

/** Product of the dimensions. */
export function numElements(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** A reference tensor: row-major data in a typed array; `dispose` drops the data. */
export class RefTensor implements Tensor {
  /** Dimensions, outermost first. */
  readonly shape: readonly number[];
  /** Element type (`f64` → Float64Array, `f32` → Float32Array, `i32` → Int32Array). */
  readonly dtype: DType;
  #data: FloatArray | Int32Array | null;

  constructor(shape: readonly number[], dtype: DType, data: FloatArray | Int32Array) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.#data = data;
  }

  /** Whether the tensor still holds its data. */
  get alive(): boolean {
    return this.#data !== null;
  }

  /** The storage; throws once the tensor is disposed. */
  get data(): FloatArray | Int32Array {
    if (this.#data === null) throw new Error(`Tensor used after dispose (shape ${shapeString(this.shape)})`);
    return this.#data;
  }

  /** Bytes of storage (elements × 8 for f64, × 4 for f32 and i32). */
  get bytes(): number {
    return numElements(this.shape) * bytesPerElement(this.dtype);
  }

  /** Drops the storage and returns it; later access throws. Called by the backend's `dispose`. */
  release(): FloatArray | Int32Array {
    const data = this.data; // throws if already released
    this.#data = null;
    return data;
  }
}

/** What ops need from the backend: zero-filled, accounted output tensors. */
export interface Allocator {
  /** Float precision of the backend (dtype of float outputs). */
  readonly precision: RefPrecision;
  /** A zero-filled tensor of `dtype` (default: the backend precision). */
  alloc(shape: readonly number[], dtype?: DType): RefTensor;
}

/**
 * A typed array of `n` elements; a failed allocation (RangeError) becomes an OutOfMemoryError
 * naming `what`, the shape and the bytes.
 */
export function allocArray(
  dtype: DType,
  shape: readonly number[],
  what = "tensor",
): FloatArray | Int32Array {
  const n = numElements(shape);
  try {
    if (dtype === "f64") return new Float64Array(n);
    if (dtype === "f32") return new Float32Array(n);
    if (dtype === "i32") return new Int32Array(n);
  } catch (e) {
    if (e instanceof RangeError) {
      throw new OutOfMemoryError(
        `Reference backend: cannot allocate ${what} of shape ${shapeString(shape)} ${dtype} ` +
          `(${n * bytesPerElement(dtype)} bytes): ${e.message}`,
      );
    }
    throw e;
  }
  throw new Error(`Reference backend: dtype ${dtype} is not supported (f64, f32 and i32 are)`);
}

/** Op-internal f64 scratch of `n` elements (not a tensor, not accounted; OOM still reported). */
export function scratch(n: number, what: string): Float64Array {
  return allocArray("f64", [n], what) as Float64Array;
}
