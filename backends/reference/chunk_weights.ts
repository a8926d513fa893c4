/**
 * HSA chunk weights from slot scores (spec §5.4): stick-breaking (the code default, newest slot
 * has the first claim) or a softmax over the finite slots. -Infinity slots always weigh 0.
 * @module
 */
import type { ChunkWeightOptions, Tensor } from "../backend.ts";
import { chunkWeightsArgs } from "../op_args.ts";
import { floatData } from "./check.ts";
import type { Allocator, FloatArray, RefTensor } from "./tensor.ts";

/** softplus with the threshold of the stick-breaking code: returns x itself above 15. */
export function softplus15(x: number): number {
  return x > 15 ? x : Math.log1p(Math.exp(x));
}

/**
 * scores `[T, Hkv*K]` → weights `[T, Hkv*K]`, per group of K slots in the order given.
 *
 * Stick-breaking:
 * 1. Running sum L_j = Σ_{i≤j} softplus(s_i) (softplus(-Infinity) = 0, so empty slots change nothing).
 * 2. w_j = exp(s_j − L_j) = σ(s_j)·Π_{i<j}(1 − σ(s_i)); Σ_j w_j ≤ 1, the remainder is dropped.
 * Softmax:
 * 1. m = max of the finite s_j; no finite slot → all weights 0.
 * 2. w_j = exp(s_j − m) / Σ_i exp(s_i − m) over finite slots, 0 for -Infinity.
 */
export function chunkWeights(mem: Allocator, scores: Tensor, opts: ChunkWeightOptions): RefTensor {
  const { T, cols, K } = chunkWeightsArgs(scores, opts);
  const sd = floatData("chunkWeights", "scores", scores);
  const y = mem.alloc([T, cols]);
  const yd = y.data as FloatArray;
  const groups = T * (cols / K);
  for (let g = 0; g < groups; g++) {
    const o = g * K;
    if (opts.mode === "stick_breaking") {
      let cum = 0;
      for (let j = 0; j < K; j++) {
        const s = sd[o + j];
        if (s === -Infinity) continue; // weight stays 0
        cum += softplus15(s);
        yd[o + j] = Math.exp(s - cum);
      }
    } else {
      let m = -Infinity;
      for (let j = 0; j < K; j++) if (sd[o + j] > m) m = sd[o + j];
      if (m === -Infinity) continue; // no finite slot: all 0
      let sum = 0;
      for (let j = 0; j < K; j++) sum += Math.exp(sd[o + j] - m);
      for (let j = 0; j < K; j++) yd[o + j] = Math.exp(sd[o + j] - m) / sum;
    }
  }
  return y;
}
