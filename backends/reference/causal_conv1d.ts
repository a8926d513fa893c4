/**
 * Causal depthwise conv1d over time with bias, then SiLU (spec §3.2 step 1, §3.4). The state holds
 * the previous K-1 raw inputs, so a segment continues exactly where the last one stopped.
 * @module
 */
import type { Tensor } from "../backend.ts";
import { causalConv1dArgs } from "../op_args.ts";
import { floatData } from "./check.ts";
import type { Allocator, FloatArray, RefTensor } from "./tensor.ts";

/**
 * x `[T, C]`, w `[C, K]` (w[c, K-1] multiplies the current token), bias `[C]`,
 * state `[K-1, C]` = raw inputs at positions -K+1 .. -1 relative to the segment, oldest first.
 * Returns u `[T, C]`; rewrites state in place to the last K-1 raw inputs.
 *
 * 1. Let in(p) = x[p] for p >= 0 and state[K-1+p] for -K+1 <= p < 0.
 * 2. u[t, c] = silu(bias[c] + Σ_{i=0..K-1} w[c, i]·in(t-K+1+i)[c]).
 * 3. New state row r = in(T-K+1+r) (rows are read ahead of where they are written, so in place is safe).
 */
export function causalConv1d(mem: Allocator, x: Tensor, w: Tensor, bias: Tensor, state: Tensor): RefTensor {
  const op = "causalConv1d";
  const { T, C, K } = causalConv1dArgs(x, w, bias, state);
  const xd = floatData(op, "x", x), wd = floatData(op, "w", w);
  const bd = floatData(op, "bias", bias), sd = floatData(op, "state", state);
  const u = mem.alloc([T, C]);
  const ud = u.data as FloatArray;

  // 1–2. The conv, one output row at a time.
  for (let t = 0; t < T; t++) {
    for (let c = 0; c < C; c++) {
      let acc = bd[c];
      for (let i = 0; i < K; i++) {
        const p = t - K + 1 + i;
        acc += wd[c * K + i] * (p >= 0 ? xd[p * C + c] : sd[(K - 1 + p) * C + c]);
      }
      ud[t * C + c] = acc / (1 + Math.exp(-acc));
    }
  }

  // 3. Shift the last K-1 raw inputs into the state.
  for (let r = 0; r < K - 1; r++) {
    const p = T - K + 1 + r;
    if (p >= 0) sd.set(xd.subarray(p * C, p * C + C), r * C);
    else sd.copyWithin(r * C, (K - 1 + p) * C, (K + p) * C);
  }
  return u;
}
