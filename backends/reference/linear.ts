/**
 * linear: `y = x·wᵀ (+ bias)`, the hot path of every model. Each output is a dot product of two
 * contiguous rows (x row · w row) accumulated in f64.
 * @module
 */
import type { Tensor } from "../backend.ts";
import { linearArgs } from "../op_args.ts";
import { floatData } from "./check.ts";
import type { Allocator, FloatArray, RefTensor } from "./tensor.ts";

/** Elements of x per token tile (≈128 KiB in f64): the tile stays in L2 while all of w streams past. */
const TILE_ELEMENTS = 16384;

/**
 * `out[t, o] = Σ_k x[t, k]·w[o, k] + bias[o]` on raw row-major arrays.
 * x `[rows, inDim]`, w `[outDim, inDim]`, bias `[outDim]` or null, out `[rows, outDim]` (overwritten).
 *
 * 1. Cut the tokens into tiles of about TILE_ELEMENTS values of x (a multiple of 3 rows).
 * 2. Per tile, walk w four rows at a time; the 4 rows (4·inDim values) stay in L1.
 * 3. Micro-kernel: 3 tokens × 4 outputs = 12 f64 accumulators, so every x and w load is used
 *    4 or 3 times (≈2× the speed of one dot product at a time in V8).
 * 4. Leftover tokens (tile % 3) take a 1 × 4 kernel; leftover outputs (outDim % 4) a plain dot.
 */
export function linearInto(
  x: FloatArray,
  rows: number,
  inDim: number,
  w: FloatArray,
  outDim: number,
  bias: FloatArray | null,
  out: FloatArray,
): void {
  const n = inDim;
  const tile = Math.max(3, Math.floor(TILE_ELEMENTS / Math.max(1, n) / 3) * 3);
  const o4 = outDim - (outDim % 4);
  for (let t0 = 0; t0 < rows; t0 += tile) {
    const t1 = Math.min(rows, t0 + tile);
    for (let o = 0; o < o4; o += 4) {
      const w0 = o * n, w1 = w0 + n, w2 = w1 + n, w3 = w2 + n;
      const c0 = bias ? bias[o] : 0, c1 = bias ? bias[o + 1] : 0;
      const c2 = bias ? bias[o + 2] : 0, c3 = bias ? bias[o + 3] : 0;
      let t = t0;
      for (; t + 3 <= t1; t += 3) {
        const xa = t * n, xb = xa + n, xc = xb + n;
        let a0 = c0, a1 = c1, a2 = c2, a3 = c3;
        let b0 = c0, b1 = c1, b2 = c2, b3 = c3;
        let d0 = c0, d1 = c1, d2 = c2, d3 = c3;
        for (let k = 0; k < n; k++) {
          const u = x[xa + k], v = x[xb + k], z = x[xc + k];
          const p0 = w[w0 + k], p1 = w[w1 + k], p2 = w[w2 + k], p3 = w[w3 + k];
          a0 += u * p0, a1 += u * p1, a2 += u * p2, a3 += u * p3;
          b0 += v * p0, b1 += v * p1, b2 += v * p2, b3 += v * p3;
          d0 += z * p0, d1 += z * p1, d2 += z * p2, d3 += z * p3;
        }
        let r = t * outDim + o;
        out[r] = a0, out[r + 1] = a1, out[r + 2] = a2, out[r + 3] = a3;
        r += outDim;
        out[r] = b0, out[r + 1] = b1, out[r + 2] = b2, out[r + 3] = b3;
        r += outDim;
        out[r] = d0, out[r + 1] = d1, out[r + 2] = d2, out[r + 3] = d3;
      }
      for (; t < t1; t++) {
        const xa = t * n;
        let a0 = c0, a1 = c1, a2 = c2, a3 = c3;
        for (let k = 0; k < n; k++) {
          const u = x[xa + k];
          a0 += u * w[w0 + k], a1 += u * w[w1 + k], a2 += u * w[w2 + k], a3 += u * w[w3 + k];
        }
        const r = t * outDim + o;
        out[r] = a0, out[r + 1] = a1, out[r + 2] = a2, out[r + 3] = a3;
      }
    }
    for (let o = o4; o < outDim; o++) {
      const w0 = o * n;
      for (let t = t0; t < t1; t++) {
        const xa = t * n;
        let s = bias ? bias[o] : 0;
        for (let k = 0; k < n; k++) s += x[xa + k] * w[w0 + k];
        out[t * outDim + o] = s;
      }
    }
  }
}

/** `x·wᵀ (+ bias)`: x `[T, in]`, w `[out, in]`, bias `[out]` → `[T, out]`. */
export function linear(mem: Allocator, x: Tensor, w: Tensor, bias?: Tensor): RefTensor {
  const { rows, inDim, outDim } = linearArgs(x, w, bias);
  const xd = floatData("linear", "x", x), wd = floatData("linear", "w", w);
  const bd = bias === undefined ? null : floatData("linear", "bias", bias);
  const y = mem.alloc([rows, outDim]);
  linearInto(xd, rows, inDim, wd, outDim, bd, y.data as FloatArray);
  return y;
}
