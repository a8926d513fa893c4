import assert from "node:assert/strict";
import type { HsaAttentionOptions } from "../backend.ts";
import { assertClose, f64, randomArray } from "./test_helpers.ts";

/** Independent per-chunk softmax attention mixed with the chunk weights. */
function naive(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  idx: Int32Array,
  w: Float64Array,
  T: number,
  o: HsaAttentionOptions,
) {
  const { heads: Hq, kvHeads: Hkv, headDim: D, chunkSize: S, topK: K } = o;
  const y = new Float64Array(T * Hq * D);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < Hq; i++) {
      const h = Math.floor(i / (Hq / Hkv));
      for (let j = 0; j < K; j++) {
        const c = idx[(t * Hkv + h) * K + j], wt = w[(t * Hkv + h) * K + j];
        if (c < 0) continue;
        const ex: number[] = [];
        for (let m = 0; m < S; m++) {
          let s = 0;
          for (let e = 0; e < D; e++) s += q[(t * Hq + i) * D + e] * k[((c * S + m) * Hkv + h) * D + e];
          ex.push(Math.exp(s / Math.sqrt(D)));
        }
        const z = ex.reduce((a, b) => a + b, 0) + (o.softmaxOffByOne ? 1 : 0);
        for (let e = 0; e < D; e++) {
          let acc = 0;
          for (let m = 0; m < S; m++) acc += ex[m] * v[((c * S + m) * Hkv + h) * D + e];
          y[(t * Hq + i) * D + e] += wt * acc / z;
        }
      }
    }
  }
  return y;
}

Deno.test("hsaAttention: hand case; index -1 and weight 0 are skipped; softmax off by one", async () => {
  const be = f64();
  const q = be.upload(new Float64Array([1]), [1, 1]);
  const memK = be.upload(new Float64Array([0, Math.log(2), 5, 5]), [4, 1]); // chunks 0, 1 of S = 2
  const memV = be.upload(new Float64Array([1, 3, 100, 100]), [4, 1]);
  const opts = { heads: 1, kvHeads: 1, headDim: 1, chunkSize: 2, topK: 2, softmaxOffByOne: false };
  const run = async (idx: number[], w: number[], off = false) =>
    (await be.download(be.ops.hsaAttention(
      q,
      memK,
      memV,
      be.upload(new Int32Array(idx), [1, 2], "i32"),
      be.upload(new Float64Array(w), [1, 2]),
      { ...opts, softmaxOffByOne: off },
    )))[0];
  // Chunk 0: logits [0, ln 2] → (1·1 + 2·3)/(1 + 2) = 7/3, times weight 0.5. The -1 slot's 0.9 is ignored.
  assertClose([await run([0, -1], [0.5, 0.9])], [7 / 6], 1e-15);
  assertClose([await run([1, 0], [0, 0.5])], [7 / 6], 1e-15);
  assertClose([await run([0, -1], [0.5, 0.9], true)], [0.5 * 7 / 4], 1e-15); // extra logit 0 in the denominator
  assertClose([await run([1, 0], [0.25, 0.5])], [0.25 * 100 + 7 / 6], 1e-13);
});

Deno.test("hsaAttention equals an independent loop on random data (GQA, empty and zero slots)", async () => {
  const be = f64();
  const T = 5, capT = 24;
  for (const off of [false, true]) {
    const o = { heads: 4, kvHeads: 2, headDim: 3, chunkSize: 4, topK: 3, softmaxOffByOne: off };
    const q = randomArray(T * 12, 71, -2, 2),
      k = randomArray(capT * 6, 72, -2, 2),
      v = randomArray(capT * 6, 73);
    const idx = Int32Array.from(randomArray(T * 6, 74), (r) => Math.floor((r + 1) * 3.5) - 1); // -1 .. 5
    const w = randomArray(T * 6, 75, 0, 1).map((x, n) => n % 5 === 0 ? 0 : x);
    const y = be.ops.hsaAttention(
      be.upload(q, [T, 12]),
      be.upload(k, [capT, 6]),
      be.upload(v, [capT, 6]),
      be.upload(idx, [T, 6], "i32"),
      be.upload(w, [T, 6]),
      o,
    );
    assert.ok(idx.includes(-1));
    assertClose(await be.download(y), naive(q, k, v, idx, w, T, o), 1e-13, `off by one ${off}`);
  }
});

Deno.test("hsaAttention names bad indices and tensors", () => {
  const be = f64();
  const o = { heads: 2, kvHeads: 1, headDim: 2, chunkSize: 2, topK: 2, softmaxOffByOne: false };
  const q = be.zeros([1, 4]), mem = be.zeros([4, 2]);
  const w = be.zeros([1, 2]);
  assert.throws(
    () => be.ops.hsaAttention(q, mem, mem, be.upload(new Int32Array([2, 0]), [1, 2], "i32"), w, o),
    /hsaAttention: indices\[0, 0\] = 2 is outside \[0, 2\)/,
  );
  assert.throws(
    () => be.ops.hsaAttention(q, mem, mem, w, w, o),
    /hsaAttention: indices has dtype f64, expected i32/,
  );
  assert.throws(
    () => be.ops.hsaAttention(q, mem, be.zeros([4, 3]), be.zeros([1, 2], "i32"), w, o),
    /hsaAttention: memV has shape \[4, 3\], expected \[4, 2\] \(= memK.shape\)/,
  );
});
