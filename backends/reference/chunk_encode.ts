/**
 * HSA chunk encode without an encoder (spec §4): per-token keys and values of complete chunks and
 * one landmark per chunk from the mean of its (already RMS-normed) rows.
 * @module
 */
import type { Tensor } from "../backend.ts";
import { checkInt, fail, floatArg } from "./check.ts";
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
  const S = checkInt(op, "chunkSize", chunkSize, 1);
  const ed = floatArg(op, "e", e, [null, null]);
  const [rows, d] = e.shape;
  if (rows % S !== 0) {
    fail(op, `e has shape [${rows}, ${d}], expected [n*${S}, *] (whole chunks of chunkSize = ${S})`);
  }
  const n = rows / S;
  const wkd = floatArg(op, "wk", wk, [null, d], "d = e.shape[1]");
  const kv = wk.shape[0];
  const wvd = floatArg(op, "wv", wv, [kv, d], "= wk.shape");
  const wld = floatArg(op, "wLmk", wLmk, [null, d], "d = e.shape[1]");
  const dr = wLmk.shape[0];

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
