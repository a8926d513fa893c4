/**
 * HSA retrieval (spec §5.1–5.3): score each query against the landmarks of its visible chunks and
 * keep the top K in a small insertion buffer; no score row or matrix is ever materialised.
 * @module
 */
import type { HsaSelectOptions, Tensor } from "../backend.ts";
import { hsaSelectArgs } from "../op_args.ts";
import { floatData } from "./check.ts";
import { allocArray, type Allocator, type FloatArray, type RefTensor, scratch } from "./tensor.ts";

/**
 * Chunks visible to the query at absolute position t: c = 0 .. count-1 where
 * (c+1)·S <= t (complete before t), c < numChunks, and with window W > 0 also c·S <= t − W.
 */
export function visibleChunks(t: number, numChunks: number, chunkSize: number, window: number): number {
  let count = Math.min(numChunks, Math.floor(t / chunkSize));
  if (window > 0) count = Math.min(count, t < window ? 0 : Math.floor((t - window) / chunkSize) + 1);
  return count;
}

/**
 * qr `[T, Hkv*dr]`, landmarks `[capC, Hkv*dr]` (first numChunks rows valid) →
 * indices i32 `[T, Hkv*K]`, scores `[T, Hkv*K]`; per (t, h) the K slots are ordered newest chunk
 * first, and slots without a visible chunk hold index -1 and score -Infinity.
 *
 * For query row i (t = startPos + i) and kv head h:
 * 1. count = number of visible chunks (see visibleChunks).
 * 2. For c = 0 .. count-1: s = qr_t[h]·lmk_c[h] / sqrt(dr); insert (s, c) into the buffer of the
 *    K best, kept sorted by score (descending). Equal scores rank the newer chunk higher, so a tie
 *    at the K-th place keeps the newer chunk.
 * 3. Re-sort the kept entries by chunk index, descending (insertion sort, K is small).
 * 4. Write them; pad with (-1, -Infinity).
 */
export function hsaSelect(
  mem: Allocator,
  qr: Tensor,
  landmarks: Tensor,
  opts: HsaSelectOptions,
): { indices: RefTensor; scores: RefTensor } {
  const { T, dim, dr, Hkv, K, S, start, W, numChunks } = hsaSelectArgs(qr, landmarks, opts);
  const qd = floatData("hsaSelect", "qr", qr), ld = floatData("hsaSelect", "landmarks", landmarks);
  const scale = 1 / Math.sqrt(dr);
  const indices = mem.alloc([T, Hkv * K], "i32");
  const scores = mem.alloc([T, Hkv * K]);
  const id = indices.data as Int32Array;
  const sd = scores.data as FloatArray;
  const bestIdx = allocArray("i32", [K], "hsaSelect top-k buffer") as Int32Array;
  const bestScore = scratch(K, "hsaSelect top-k buffer");

  for (let i = 0; i < T; i++) {
    // 1. Visible chunks of this query.
    const count = visibleChunks(start + i, numChunks, S, W);
    for (let h = 0; h < Hkv; h++) {
      const qo = i * dim + h * dr;
      // 2. Score and keep the K best.
      let kept = 0;
      for (let c = 0; c < count; c++) {
        const lo = c * dim + h * dr;
        let s = 0;
        for (let e = 0; e < dr; e++) s += qd[qo + e] * ld[lo + e];
        s *= scale;
        if (kept === K && !(s >= bestScore[K - 1])) continue;
        let pos = kept < K ? kept++ : K - 1;
        for (; pos > 0 && bestScore[pos - 1] <= s; pos--) {
          bestScore[pos] = bestScore[pos - 1];
          bestIdx[pos] = bestIdx[pos - 1];
        }
        bestScore[pos] = s;
        bestIdx[pos] = c;
      }
      // 3. Newest chunk first.
      for (let a = 1; a < kept; a++) {
        const c = bestIdx[a], s = bestScore[a];
        let pos = a;
        for (; pos > 0 && bestIdx[pos - 1] < c; pos--) {
          bestIdx[pos] = bestIdx[pos - 1];
          bestScore[pos] = bestScore[pos - 1];
        }
        bestIdx[pos] = c;
        bestScore[pos] = s;
      }
      // 4. Write, padding empty slots.
      const o = i * Hkv * K + h * K;
      for (let j = 0; j < K; j++) {
        id[o + j] = j < kept ? bestIdx[j] : -1;
        sd[o + j] = j < kept ? bestScore[j] : -Infinity;
      }
    }
  }
  return { indices, scores };
}
