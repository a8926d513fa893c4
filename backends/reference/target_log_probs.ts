/**
 * targetLogProbs: the log-probability the logits give each row's target, so that likelihood scoring (bits
 * per byte) reads back T numbers instead of T×V logits. A max-subtracted logsumexp, in f64.
 * @module
 */
import type { Tensor } from "../backend.ts";
import { checkIds } from "../arg_check.ts";
import { targetLogProbsArgs } from "../op_args.ts";
import { floatData, indexData } from "./check.ts";
import type { Allocator, FloatArray, RefTensor } from "./tensor.ts";

/**
 * `log softmax(logits[t])[targets[t]]`: logits `[T, V]`, targets `[T]` (host ids or an i32 tensor) →
 * `[T]`. Targets outside [0, V) are an error. A row of only -Infinity gives NaN (no distribution).
 *
 * 1. m = max_v logits[t, v], at the first index a where it occurs (so no exp overflows, whatever the scale).
 * 2. s = Σ_{v ≠ a} exp(logits[t, v] − m): the mass besides the max's own exp(0) = 1, in [0, V − 1].
 * 3. y[t] = (logits[t, targets[t]] − m) − log1p(s). (log1p keeps the tiny log-probabilities of
 *    near-certain targets, which log(1 + s) would round to 0.)
 */
export function targetLogProbs(mem: Allocator, logits: Tensor, targets: Int32Array | Tensor): RefTensor {
  const op = "targetLogProbs";
  const { T: rows, V: vocab } = targetLogProbsArgs(logits, targets);
  const ld = floatData(op, "logits", logits);
  let td: Int32Array;
  if (targets instanceof Int32Array) td = targets; // range-checked with the arguments
  else {
    td = indexData(op, "targets", targets);
    checkIds(op, "targets", td, vocab, "V = logits.shape[1]"); // a tensor's values: on the host here
  }
  const y = mem.alloc([rows]);
  const yd = y.data as FloatArray;
  for (let t = 0; t < rows; t++) {
    const o = t * vocab;
    let m = -Infinity, a = -1;
    for (let v = 0; v < vocab; v++) if (ld[o + v] > m) [m, a] = [ld[o + v], v];
    let s = 0;
    for (let v = 0; v < vocab; v++) if (v !== a) s += Math.exp(ld[o + v] - m);
    yd[t] = (ld[o + td[t]] - m) - Math.log1p(s);
  }
  return y;
}
