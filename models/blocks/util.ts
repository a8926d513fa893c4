/**
 * Small helpers the forward code shares: disposing intermediates, growing append-only device buffers,
 * copying rows.
 *
 * @module
 */
import type { Backend, Tensor } from "../../backends/backend.ts";
import type { Dims, ModelConfig } from "../schema.ts";
import type { DeviceWeights } from "../weights.ts";

/** What every block needs: the backend, the model's weights, config and derived sizes. */
export interface ModelCtx {
  b: Backend;
  w: DeviceWeights;
  c: ModelConfig;
  k: Dims;
}

/** Disposes every given tensor (intermediates of a forward pass). */
export function free(b: Backend, ...ts: (Tensor | undefined)[]): void {
  for (const t of ts) if (t) b.dispose(t);
}

/** Element count of a shape. */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** Bytes a tensor occupies at the given float precision (i32 = 4). */
export function tensorBytes(t: Tensor): number {
  const size = t.dtype === "f64" ? 8 : t.dtype === "bf16" ? 2 : 4;
  return numel(t.shape) * size;
}

/** A copy of rows `start .. start+n-1` of `t` as a new `[n, C]` tensor. */
export function takeRows(b: Backend, t: Tensor, start: number, n: number): Tensor {
  const out = b.zeros([n, t.shape[1]], t.dtype);
  b.ops.copyRows(out, 0, t, start, n);
  return out;
}

/**
 * An append-only row buffer on the device (KV cache, chunk memory) that grows geometrically, so a
 * sequence of T appends copies O(T) rows in total.
 */
export class RowBuffer {
  #b: Backend;
  /** The storage `[capacity, cols]`; rows at and past `length` are garbage. */
  data: Tensor;
  /** Valid rows. */
  length = 0;

  constructor(b: Backend, cols: number, initialRows = 64) {
    this.#b = b;
    this.data = b.zeros([Math.max(1, initialRows), cols]);
  }

  /** Rows the storage can hold without growing. */
  get capacity(): number {
    return this.data.shape[0];
  }

  /** Makes room for `rows` valid rows, keeping the first `length`. */
  reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const next = this.#b.zeros([Math.max(rows, 2 * this.capacity), this.data.shape[1]], this.data.dtype);
    if (this.length > 0) this.#b.ops.copyRows(next, 0, this.data, 0, this.length);
    this.#b.dispose(this.data);
    this.data = next;
  }

  /** Appends rows `start .. start+n-1` of `src`. */
  append(src: Tensor, start = 0, n = src.shape[0] - start): void {
    this.reserve(this.length + n);
    this.#b.ops.copyRows(this.data, this.length, src, start, n);
    this.length += n;
  }

  dispose(): void {
    this.#b.dispose(this.data);
  }
}
