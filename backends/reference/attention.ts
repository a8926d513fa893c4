/**
 * Causal softmax attention (optionally sliding-window, GQA) over a segment plus a KV cache, and
 * the cache write. Past positions p < pastLen are read from cache row p % cap, so a ring buffer of
 * W rows is enough for window W.
 * @module
 */
import type { AttentionOptions, Tensor } from "../backend.ts";
import { checkInt, fail, floatArg } from "./check.ts";
import { type Allocator, type FloatArray, type RefTensor, scratch } from "./tensor.ts";

/**
 * q `[T, Hq*D]`; k, v `[T, Hkv*D]` (the segment's own keys/values, positions pastLen + i);
 * cacheK, cacheV `[cap, Hkv*D]` (position p < pastLen at row p % cap) → `[T, Hq*D]`.
 *
 * For query row i at position t = pastLen + i and query head hq (kv head hk = floor(hq / G)):
 * 1. Keys p = lo .. t with lo = max(0, t − W) (W = window) or 0 when window = 0.
 * 2. s_p = q·k_p / sqrt(D).
 * 3. e_p = exp(s_p − max s), y = Σ_p e_p·v_p / Σ_p e_p.
 */
export function attention(
  mem: Allocator,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  cacheK: Tensor,
  cacheV: Tensor,
  opts: AttentionOptions,
): RefTensor {
  const op = "attention";
  const Hq = checkInt(op, "opts.heads", opts.heads, 1);
  const Hkv = checkInt(op, "opts.kvHeads", opts.kvHeads, 1);
  const D = checkInt(op, "opts.headDim", opts.headDim, 1);
  const past = checkInt(op, "opts.pastLen", opts.pastLen, 0);
  const W = checkInt(op, "opts.window", opts.window, 0);
  if (Hq % Hkv !== 0) fail(op, `opts.heads = ${Hq} is not a multiple of opts.kvHeads = ${Hkv}`);
  const qd = floatArg(op, "q", q, [null, Hq * D], "Hq*D = opts.heads*opts.headDim");
  const T = q.shape[0];
  const kvw = Hkv * D;
  const kd = floatArg(op, "k", k, [T, kvw], "[T, Hkv*D] with T = q.shape[0]");
  const vd = floatArg(op, "v", v, [T, kvw], "[T, Hkv*D] with T = q.shape[0]");
  const ckd = floatArg(op, "cacheK", cacheK, [null, kvw], "Hkv*D = opts.kvHeads*opts.headDim");
  const cap = cacheK.shape[0];
  const cvd = floatArg(op, "cacheV", cacheV, [cap, kvw], "= cacheK.shape");
  const needed = W > 0 ? Math.min(past, W) : past;
  if (cap < needed) {
    fail(op, `cacheK has ${cap} rows, expected at least ${needed} (pastLen = ${past}, window = ${W})`);
  }

  const G = Hq / Hkv;
  const scale = 1 / Math.sqrt(D);
  const y = mem.alloc([T, Hq * D]);
  const yd = y.data as FloatArray;
  const scores = scratch(W > 0 ? Math.min(W + 1, past + T) : past + T, "attention scores");
  const acc = scratch(D, "attention output row");

  // Where each visible position's row starts (cache ring or segment), computed once: no modulo or
  // branch on the position inside the loops over keys.
  const rowOf = new Int32Array(past + T);
  const inCache = new Uint8Array(past + T);
  for (let p = 0; p < past + T; p++) {
    inCache[p] = p < past ? 1 : 0;
    rowOf[p] = (p < past ? p % cap : p - past) * kvw;
  }

  for (let i = 0; i < T; i++) {
    const t = past + i;
    // 1. The visible key range.
    const lo = W > 0 ? Math.max(0, t - W) : 0;
    for (let hq = 0; hq < Hq; hq++) {
      const qo = i * Hq * D + hq * D;
      const ho = Math.floor(hq / G) * D;
      // 2. Scores; four partial sums (a fixed order, so results stay deterministic).
      let max = -Infinity;
      for (let p = lo; p <= t; p++) {
        const keys = inCache[p] ? ckd : kd;
        const ko = rowOf[p] + ho;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0, e = 0;
        for (; e + 3 < D; e += 4) {
          s0 += qd[qo + e] * keys[ko + e];
          s1 += qd[qo + e + 1] * keys[ko + e + 1];
          s2 += qd[qo + e + 2] * keys[ko + e + 2];
          s3 += qd[qo + e + 3] * keys[ko + e + 3];
        }
        for (; e < D; e++) s0 += qd[qo + e] * keys[ko + e];
        const s = ((s0 + s1) + (s2 + s3)) * scale;
        scores[p - lo] = s;
        if (s > max) max = s;
      }
      // 3. Softmax-weighted sum of values.
      acc.fill(0);
      let sum = 0;
      for (let p = lo; p <= t; p++) {
        const wgt = Math.exp(scores[p - lo] - max);
        sum += wgt;
        const vals = inCache[p] ? cvd : vd;
        const vo = rowOf[p] + ho;
        for (let e = 0; e < D; e++) acc[e] += wgt * vals[vo + e];
      }
      for (let e = 0; e < D; e++) yd[qo + e] = acc[e] / sum;
    }
  }
  return y;
}

/**
 * Writes row i of rows `[T, C]` (position pastLen + i) to cache `[cap, C]` row (pastLen + i) % cap,
 * in place. With T > cap only the last cap rows survive, as in any ring buffer.
 */
export function cacheWrite(cache: Tensor, rows: Tensor, pastLen: number): void {
  const op = "cacheWrite";
  const cd = floatArg(op, "cache", cache, [null, null]);
  const [cap, C] = cache.shape;
  const rd = floatArg(op, "rows", rows, [null, C], "C = cache.shape[1]");
  checkInt(op, "pastLen", pastLen, 0);
  const T = rows.shape[0];
  if (T > 0 && cap === 0) fail(op, "cache has 0 rows");
  for (let i = 0; i < T; i++) cd.set(rd.subarray(i * C, i * C + C), ((pastLen + i) % cap) * C);
}
