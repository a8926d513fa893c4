/**
 * Causal softmax attention (optionally sliding-window, GQA) over a segment plus a KV cache, and
 * the cache write. Past positions p < pastLen are read from cache row p % cap, so a ring buffer of
 * W rows is enough for window W.
 * @module
 */
import type { AttentionOptions, Tensor } from "../backend.ts";
import { attentionArgs, cacheWriteArgs } from "../op_args.ts";
import { floatData } from "./check.ts";
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
  const { T, Hq, Hkv, D, past, W, cap, G } = attentionArgs({ q, k, v, cacheK, cacheV }, opts);
  const qd = floatData(op, "q", q), kd = floatData(op, "k", k), vd = floatData(op, "v", v);
  const ckd = floatData(op, "cacheK", cacheK), cvd = floatData(op, "cacheV", cacheV);
  const kvw = Hkv * D;
  const scale = 1 / Math.sqrt(D);
  const y = mem.alloc([T, Hq * D]);
  const yd = y.data as FloatArray;
  // Where each position's row starts (cache ring or segment), computed once: no modulo or branch on the
  // position inside the loops over keys.
  const rowOf = new Int32Array(past + T);
  const inCache = new Uint8Array(past + T);
  for (let p = 0; p < past + T; p++) {
    inCache[p] = p < past ? 1 : 0;
    rowOf[p] = (p < past ? p % cap : p - past) * kvw;
  }
  // R query rows at a time share every key and value row they read; each row's sums run in the same
  // order as one row alone would (keys ascending, dims ascending), so blocking changes no result.
  const R = 4;
  const span = (W > 0 ? Math.min(W, past + T) : past + T) + R;
  const scores = Array.from({ length: R }, (_, j) => scratch(span, `attention scores ${j}`));
  const acc = scratch(R * D, "attention output rows");
  const max = new Float64Array(R), sum = new Float64Array(R), lo = new Int32Array(R);
  const qs = Hq * D;

  for (let hq = 0; hq < Hq; hq++) {
    const ho = Math.floor(hq / G) * D;
    for (let i0 = 0; i0 < T; i0 += R) {
      const r = Math.min(R, T - i0);
      const t0 = past + i0, tEnd = t0 + r - 1;
      // 1. The visible key range of each row j: lo[j] .. t0 + j.
      for (let j = 0; j < r; j++) lo[j] = W > 0 ? Math.max(0, t0 + j - W) : 0;
      const pLo = lo[0];
      const q0 = i0 * qs + hq * D;
      // 2. Scores s_p = q·k_p / sqrt(D) of every row for p in pLo..tEnd (−Infinity where not visible).
      max.fill(-Infinity);
      for (let p = pLo; p <= tEnd; p++) {
        const keys = inCache[p] ? ckd : kd;
        const ko = rowOf[p] + ho;
        for (let j = 0; j < r; j++) {
          if (p < lo[j] || p > t0 + j) {
            scores[j][p - pLo] = -Infinity;
            continue;
          }
          const qo = q0 + j * qs;
          let s = 0;
          for (let e = 0; e < D; e++) s += qd[qo + e] * keys[ko + e];
          s *= scale;
          scores[j][p - pLo] = s;
          if (s > max[j]) max[j] = s;
        }
      }
      // 3. e_p = exp(s_p − max s); y = Σ_p e_p·v_p / Σ_p e_p.
      acc.fill(0);
      sum.fill(0);
      for (let p = pLo; p <= tEnd; p++) {
        const vals = inCache[p] ? cvd : vd;
        const vo = rowOf[p] + ho;
        for (let j = 0; j < r; j++) {
          const s = scores[j][p - pLo];
          if (s === -Infinity) continue;
          const wgt = Math.exp(s - max[j]);
          sum[j] += wgt;
          const ao = j * D;
          for (let e = 0; e < D; e++) acc[ao + e] += wgt * vals[vo + e];
        }
      }
      for (let j = 0; j < r; j++) {
        const yo = q0 + j * qs;
        for (let e = 0; e < D; e++) yd[yo + e] = acc[j * D + e] / sum[j];
      }
    }
  }
  return y;
}

/**
 * Writes row i of rows `[T, C]` (position pastLen + i) to cache `[cap, C]` row (pastLen + i) % cap,
 * in place. With T > cap only the last cap rows survive, as in any ring buffer.
 */
export function cacheWrite(cache: Tensor, rows: Tensor, pastLen: number): void {
  const { cap, C, T } = cacheWriteArgs(cache, rows, pastLen);
  const cd = floatData("cacheWrite", "cache", cache), rd = floatData("cacheWrite", "rows", rows);
  for (let i = 0; i < T; i++) cd.set(rd.subarray(i * C, i * C + C), ((pastLen + i) % cap) * C);
}
