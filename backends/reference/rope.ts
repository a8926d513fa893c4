/**
 * Rotary position embedding, rotate-half form (as in Llama/HF): within each head the pair
 * (j, j + D/2) rotates by pos·theta^(-2j/D), pos = absolute position of the row.
 * @module
 */
import type { Tensor } from "../backend.ts";
import { ropeArgs } from "../op_args.ts";
import { floatData } from "./check.ts";
import { type Allocator, type FloatArray, type RefTensor, scratch } from "./tensor.ts";

/**
 * x `[T, H*D]` → `[T, H*D]`, row i at position startPos + i.
 *
 * 1. invFreq[j] = theta^(-2j/D) for j < D/2.
 * 2. Per row and pair: angle = pos·invFreq[j];
 *    y[j] = x[j]·cos − x[j+D/2]·sin, y[j+D/2] = x[j+D/2]·cos + x[j]·sin.
 */
export function rope(
  mem: Allocator,
  x: Tensor,
  heads: number,
  headDim: number,
  startPos: number,
  theta: number,
): RefTensor {
  const T = ropeArgs(x, heads, headDim, startPos, theta);
  const xd = floatData("rope", "x", x);
  const D = headDim, half = D / 2, width = heads * D;
  const y = mem.alloc([T, width]);
  const yd = y.data as FloatArray;

  // 1. Inverse frequencies.
  const invFreq = scratch(half, "rope frequencies");
  for (let j = 0; j < half; j++) invFreq[j] = Math.pow(theta, (-2 * j) / D);

  // 2. Rotate each pair.
  for (let i = 0; i < T; i++) {
    const pos = startPos + i;
    for (let j = 0; j < half; j++) {
      const angle = pos * invFreq[j];
      const cos = Math.cos(angle), sin = Math.sin(angle);
      for (let h = 0; h < heads; h++) {
        const o = i * width + h * D + j;
        const x1 = xd[o], x2 = xd[o + half];
        yd[o] = x1 * cos - x2 * sin;
        yd[o + half] = x2 * cos + x1 * sin;
      }
    }
  }
  return y;
}
