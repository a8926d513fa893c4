import assert from "node:assert/strict";
import type { HsaSelectOptions } from "../backend.ts";
import { assertClose, f64, randomArray } from "./test_helpers.ts";

/** Brute force: score every visible chunk, full sort by score, keep K, order by chunk descending. */
function bruteForce(qr: Float64Array, lmk: Float64Array, T: number, dim: number, o: HsaSelectOptions) {
  const dr = dim / o.kvHeads, K = o.topK;
  const indices = new Int32Array(T * o.kvHeads * K).fill(-1);
  const scores = new Float64Array(T * o.kvHeads * K).fill(-Infinity);
  for (let i = 0; i < T; i++) {
    const t = o.startPos + i;
    for (let h = 0; h < o.kvHeads; h++) {
      const all: { c: number; s: number }[] = [];
      for (let c = 0; c < o.numChunks; c++) {
        const visible = (c + 1) * o.chunkSize <= t && (o.window === 0 || c * o.chunkSize <= t - o.window);
        if (!visible) continue;
        let s = 0;
        for (let e = 0; e < dr; e++) s += qr[i * dim + h * dr + e] * lmk[c * dim + h * dr + e];
        all.push({ c, s: s / Math.sqrt(dr) });
      }
      const top = all.sort((a, b) => b.s - a.s).slice(0, K).sort((a, b) => b.c - a.c);
      top.forEach(({ c, s }, j) => {
        indices[(i * o.kvHeads + h) * K + j] = c;
        scores[(i * o.kvHeads + h) * K + j] = s;
      });
    }
  }
  return { indices, scores };
}

Deno.test("hsaSelect: hand case with the causal rule, the window rule and empty slots", async () => {
  const be = f64();
  const lmk = be.upload(new Float64Array([3, -1, 2, 5]), [4, 1]); // chunks 0..3, dr = 1
  const qr = be.upload(new Float64Array([1, 1, 1, 1]), [4, 1]); // rows at t = 1, 3, 7, 9 via startPos
  const opts = { numChunks: 4, startPos: 0, chunkSize: 2, topK: 2, kvHeads: 1, window: 0 };
  const run = async (t: number, window = 0) => {
    const r = be.ops.hsaSelect(be.ops.sliceCols(qr, 0, 1), lmk, { ...opts, startPos: t, window });
    return [...await be.download(r.indices)].slice(0, 2).concat([...await be.download(r.scores)].slice(0, 2));
  };
  assert.deepEqual(await run(1), [-1, -1, -Infinity, -Infinity]); // no complete chunk
  assert.deepEqual(await run(3), [0, -1, 3, -Infinity]); // chunk 0 only
  assert.deepEqual(await run(7), [2, 0, 2, 3]); // chunks 0..2 visible; best 3 (c0) and 2 (c2), newest first
  assert.deepEqual(await run(9), [3, 0, 5, 3]); // chunk 3 complete at t = 8
  assert.deepEqual(await run(9, 4), [2, 0, 2, 3]); // window 4: c·2 <= 5 → c <= 2
});

Deno.test("hsaSelect equals a brute-force full sort on random data", async () => {
  const be = f64();
  const cases: HsaSelectOptions[] = [
    { numChunks: 8, startPos: 5, chunkSize: 4, topK: 3, kvHeads: 2, window: 0 },
    { numChunks: 8, startPos: 5, chunkSize: 4, topK: 3, kvHeads: 2, window: 6 },
    { numChunks: 10, startPos: 0, chunkSize: 4, topK: 3, kvHeads: 2, window: 9 },
    { numChunks: 10, startPos: 20, chunkSize: 4, topK: 12, kvHeads: 1, window: 0 },
    { numChunks: 3, startPos: 30, chunkSize: 2, topK: 1, kvHeads: 4, window: 0 },
  ];
  const T = 40, dim = 16, capC = 10;
  for (const [n, o] of cases.entries()) {
    const qr = randomArray(T * dim, 41 + n), lmk = randomArray(capC * dim, 51 + n);
    const got = be.ops.hsaSelect(be.upload(qr, [T, dim]), be.upload(lmk, [capC, dim]), o);
    assert.equal(got.indices.dtype, "i32");
    assert.deepEqual(got.scores.shape, [T, o.kvHeads * o.topK]);
    const want = bruteForce(qr, lmk, T, dim, o);
    assert.deepEqual([...await be.download(got.indices)], [...want.indices], `indices, case ${n}`);
    assertClose(await be.download(got.scores), want.scores, 1e-14, `scores, case ${n}`);
  }
});

Deno.test("hsaSelect breaks score ties in favour of the newer chunk", async () => {
  const be = f64();
  const lmk = be.upload(new Float64Array(5).fill(1), [5, 1]);
  const qr = be.upload(new Float64Array([1]), [1, 1]);
  const r = be.ops.hsaSelect(qr, lmk, {
    numChunks: 5,
    startPos: 100,
    chunkSize: 4,
    topK: 2,
    kvHeads: 1,
    window: 0,
  });
  assert.deepEqual([...await be.download(r.indices)], [4, 3]);
});

Deno.test("hsaSelect names bad shapes and options", () => {
  const be = f64();
  const opts = { numChunks: 4, startPos: 0, chunkSize: 2, topK: 2, kvHeads: 2, window: 0 };
  assert.throws(
    () => be.ops.hsaSelect(be.zeros([3, 8]), be.zeros([4, 6]), opts),
    /hsaSelect: landmarks has shape \[4, 6\], expected \[\*, 8\] \(Hkv\*dr = qr.shape\[1\]\)/,
  );
  assert.throws(
    () => be.ops.hsaSelect(be.zeros([3, 8]), be.zeros([3, 8]), opts),
    /hsaSelect: opts.numChunks = 4 exceeds the 3 rows of landmarks/,
  );
  assert.throws(
    () => be.ops.hsaSelect(be.zeros([3, 7]), be.zeros([4, 7]), opts),
    /hsaSelect: qr has 7 columns/,
  );
});
