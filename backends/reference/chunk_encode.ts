/**
 * HSA chunk encode without an encoder (spec §4): per-token keys and values of complete chunks and
 * one landmark per chunk from the mean of its (already RMS-normed) rows.
 * @module
 */
import type { Tensor } from "../backend.ts";
import { chunkEncodeArgs } from "../op_args.ts";
import { floatData } from "./check.ts";
import { linearInto } from "./linear.ts";
import { type Allocator, type FloatArray, type RefTensor, scratch } from "./tensor.ts";

/**
 * e `[n*S, d]` = normed rows of n complete chunks; wk, wv `[kv, d]`; wLmk `[d_r, d]` →
 * keys `[n*S, kv]`, values `[n*S, kv]`, landmarks `[n, d_r]`.
 *
 * 1. keys = e·wkᵀ, values = e·wvᵀ.
 * 2. mean_c = (1/S)·Σ_{m<S} e[c·S + m] for each chunk c.
 * 3. landmarks = mean·wLmkᵀ.
 */
export function chunkEncode(
  mem: Allocator,
  e: Tensor,
  wk: Tensor,
  wv: Tensor,
  wLmk: Tensor,
  chunkSize: number,
): { keys: RefTensor; values: RefTensor; landmarks: RefTensor } {
  const op = "chunkEncode";
  const { rows, d, S, n, kv, dr } = chunkEncodeArgs({ e, wk, wv, wLmk }, chunkSize);
  const ed = floatData(op, "e", e), wkd = floatData(op, "wk", wk), wvd = floatData(op, "wv", wv);
  const wld = floatData(op, "wLmk", wLmk);

  // 1. Per-token keys and values.
  const keys = mem.alloc([rows, kv]);
  linearInto(ed, rows, d, wkd, kv, null, keys.data as FloatArray);
  const values = mem.alloc([rows, kv]);
  linearInto(ed, rows, d, wvd, kv, null, values.data as FloatArray);

  // 2. Chunk means (f64).
  const mean = scratch(n * d, "chunkEncode chunk means");
  for (let c = 0; c < n; c++) {
    for (let m = 0; m < S; m++) {
      const o = (c * S + m) * d;
      for (let k = 0; k < d; k++) mean[c * d + k] += ed[o + k];
    }
    for (let k = 0; k < d; k++) mean[c * d + k] /= S;
  }

  // 3. Landmarks.
  const landmarks = mem.alloc([n, dr]);
  linearInto(mean, n, d, wld, dr, null, landmarks.data as FloatArray);
  return { keys, values, landmarks };
}
