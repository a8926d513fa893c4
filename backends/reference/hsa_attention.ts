/**
 * HSA sparse chunk attention (spec §6): each query head attends separately inside each selected
 * chunk of its kv head (a softmax over the chunk's S keys), and the per-chunk outputs are mixed
 * with the chunk weights. There is no joint softmax across chunks.
 * @module
 */
import type { HsaAttentionOptions, Tensor } from "../backend.ts";
import { fail } from "../arg_check.ts";
import { hsaAttentionArgs } from "../op_args.ts";
import { floatData, indexData } from "./check.ts";
import { type Allocator, type FloatArray, type RefTensor, scratch } from "./tensor.ts";

/**
 * q `[T, Hq*D]`; memK, memV `[capT, Hkv*D]` (row = token position); indices i32 and weights
 * `[T, Hkv*K]` → `[T, Hq*D]`.
 *
 * For token t, query head i (kv head h = floor(i / G)) and each slot j with chunk c = indices[t, h, j]
 * and weight w = weights[t, h, j] (skipped if c = -1 or w = 0):
 * 1. ℓ_m = q_t,i·k_{c·S+m, h} / sqrt(D) for m = 0 .. S-1 (no mask: the chunk is in the past).
 * 2. o_j = Σ_m exp(ℓ_m)·v_{c·S+m, h} / (n + Σ_m exp(ℓ_m)), n = 1 with softmaxOffByOne else 0,
 *    evaluated stably with M = max(ℓ) (and M >= 0 when n = 1).
 * 3. y_t,i = Σ_j w·o_j.
 */
export function hsaAttention(
  mem: Allocator,
  q: Tensor,
  memK: Tensor,
  memV: Tensor,
  indices: Tensor,
  weights: Tensor,
  opts: HsaAttentionOptions,
): RefTensor {
  const op = "hsaAttention";
  const { T, Hq, Hkv, D, S, K, capT, G } = hsaAttentionArgs({ q, memK, memV, indices, weights }, opts);
  const qd = floatData(op, "q", q), kd = floatData(op, "memK", memK), vd = floatData(op, "memV", memV);
  const id = indexData(op, "indices", indices), wd = floatData(op, "weights", weights);
  const kvw = Hkv * D;
  const chunksInMemory = Math.floor(capT / S);
  for (let e = 0; e < id.length; e++) {
    if (id[e] !== -1 && (id[e] < 0 || id[e] >= chunksInMemory)) {
      const t = Math.floor(e / (Hkv * K));
      fail(
        op,
        `indices[${t}, ${e % (Hkv * K)}] = ${id[e]} is outside [0, ${chunksInMemory}) (memK rows / S)`,
      );
    }
  }

  const scale = 1 / Math.sqrt(D);
  const offByOne = opts.softmaxOffByOne;
  const y = mem.alloc([T, Hq * D]);
  const yd = y.data as FloatArray;
  const logits = scratch(S, "hsaAttention logits");
  const acc = scratch(D, "hsaAttention output row");

  for (let t = 0; t < T; t++) {
    for (let i = 0; i < Hq; i++) {
      const h = Math.floor(i / G);
      const qo = t * Hq * D + i * D;
      acc.fill(0);
      for (let j = 0; j < K; j++) {
        const c = id[t * Hkv * K + h * K + j];
        const w = wd[t * Hkv * K + h * K + j];
        if (c === -1 || w === 0) continue;
        // 1. Logits over the chunk's S keys.
        let max = offByOne ? 0 : -Infinity;
        for (let m = 0; m < S; m++) {
          const ko = (c * S + m) * kvw + h * D;
          let s = 0;
          for (let e = 0; e < D; e++) s += qd[qo + e] * kd[ko + e];
          logits[m] = s * scale;
          if (logits[m] > max) max = logits[m];
        }
        // 2. Per-chunk softmax (off by one adds exp(0 − max) to the denominator).
        let sum = offByOne ? Math.exp(-max) : 0;
        for (let m = 0; m < S; m++) {
          logits[m] = Math.exp(logits[m] - max);
          sum += logits[m];
        }
        // 3. Mix into the output with the chunk weight.
        const f = w / sum;
        for (let m = 0; m < S; m++) {
          const vo = (c * S + m) * kvw + h * D;
          const p = f * logits[m];
          for (let e = 0; e < D; e++) acc[e] += p * vd[vo + e];
        }
      }
      for (let e = 0; e < D; e++) yd[qo + e] = acc[e];
    }
  }
  return y;
}
