/**
 * RMSNorm, plain (per row or per group of columns, e.g. per head) and gated (Mamba2's
 * gate-before-norm, spec §3.1 and §3.2 step 5). Sums of squares accumulate in f64.
 * @module
 */
import type { Tensor } from "../backend.ts";
import { gatedRmsNormArgs, rmsNormArgs } from "../op_args.ts";
import { floatData } from "./check.ts";
import { type Allocator, type FloatArray, type RefTensor, scratch } from "./tensor.ts";

/**
 * `x·rsqrt(mean(x²) + eps)·w` per group of G columns: x `[T, C]`, w `[G]`, G dividing C → `[T, C]`.
 * G = C normalises whole rows; G = head dim normalises each head on its own (q/k norm).
 *
 * 1. Per row and group: r = 1 / sqrt(Σ_c x² / G + eps) over the group's G columns.
 * 2. y[c] = x[c]·r·w[c mod G].
 */
export function rmsNorm(mem: Allocator, x: Tensor, w: Tensor, eps: number): RefTensor {
  const { rows, cols, group: G } = rmsNormArgs(x, w);
  const xd = floatData("rmsNorm", "x", x), wd = floatData("rmsNorm", "w", w);
  const y = mem.alloc([rows, cols]);
  const yd = y.data as FloatArray;
  for (let o = 0; o < rows * cols; o += G) {
    let ss = 0;
    for (let c = 0; c < G; c++) ss += xd[o + c] * xd[o + c];
    const r = 1 / Math.sqrt(ss / G + eps);
    for (let c = 0; c < G; c++) yd[o + c] = xd[o + c] * r * wd[c];
  }
  return y;
}

/**
 * Gate then normalise: x, z `[T, C]`, w `[C]` → `[T, C]`.
 *
 * 1. Per row: v[c] = x[c]·silu(z[c]) (kept in an f64 row buffer).
 * 2. r = 1 / sqrt(Σ_c v² / C + eps).
 * 3. y[c] = v[c]·r·w[c].
 */
export function gatedRmsNorm(mem: Allocator, x: Tensor, z: Tensor, w: Tensor, eps: number): RefTensor {
  const { rows, cols } = gatedRmsNormArgs(x, z, w);
  const xd = floatData("gatedRmsNorm", "x", x), zd = floatData("gatedRmsNorm", "z", z);
  const wd = floatData("gatedRmsNorm", "w", w);
  const y = mem.alloc([rows, cols]);
  const yd = y.data as FloatArray;
  const v = scratch(cols, "gatedRmsNorm row");
  for (let t = 0; t < rows; t++) {
    const o = t * cols;
    let ss = 0;
    for (let c = 0; c < cols; c++) {
      const g = zd[o + c];
      v[c] = xd[o + c] * (g / (1 + Math.exp(-g)));
      ss += v[c] * v[c];
    }
    const r = 1 / Math.sqrt(ss / cols + eps);
    for (let c = 0; c < cols; c++) yd[o + c] = v[c] * r * wd[c];
  }
  return y;
}
