import assert from "node:assert/strict";
import { assertClose, f64, randomArray } from "./test_helpers.ts";

/** Independent one-shot attention over whole sequences q `[T, Hq*D]`, k, v `[T, Hkv*D]`. */
function naive(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  T: number,
  Hq: number,
  Hkv: number,
  D: number,
  W: number,
) {
  const y = new Float64Array(T * Hq * D);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < Hq; i++) {
      const h = Math.floor(i / (Hq / Hkv));
      const ps: number[] = [];
      for (let p = 0; p <= t; p++) if (W === 0 || p >= t - W) ps.push(p);
      const logits = ps.map((p) => {
        let s = 0;
        for (let e = 0; e < D; e++) s += q[(t * Hq + i) * D + e] * k[(p * Hkv + h) * D + e];
        return s / Math.sqrt(D);
      });
      const m = Math.max(...logits);
      const ws = logits.map((l) => Math.exp(l - m));
      const z = ws.reduce((a, b) => a + b, 0);
      for (let e = 0; e < D; e++) {
        y[(t * Hq + i) * D + e] = ps.reduce((acc, p, n) => acc + ws[n] * v[(p * Hkv + h) * D + e], 0) / z;
      }
    }
  }
  return y;
}

Deno.test("attention matches a hand-computed causal case", async () => {
  const be = f64();
  const q = be.upload(new Float64Array([1, 1, 2]), [3, 1]);
  const k = be.upload(new Float64Array([0, 1, 2]), [3, 1]);
  const v = be.upload(new Float64Array([1, 2, 4]), [3, 1]);
  const empty = be.zeros([0, 1]);
  const opts = { pastLen: 0, heads: 1, kvHeads: 1, headDim: 1, window: 0 };
  // t=1: (e^0·1 + e^1·2)/(1 + e); t=2: (1 + 2e² + 4e⁴)/(1 + e² + e⁴).
  assertClose(
    await be.download(be.ops.attention(q, k, v, empty, empty, opts)),
    [1, 1.7310585786300048, 3.717750424418203],
    1e-14,
  );
  // Window 1: t=2 sees positions 1 and 2 only.
  const w1 = await be.download(be.ops.attention(q, k, v, empty, empty, { ...opts, window: 1 }));
  assertClose([w1[2]], [(2 * Math.exp(2) + 4 * Math.exp(4)) / (Math.exp(2) + Math.exp(4))], 1e-14);
});

Deno.test("attention with a KV cache across segments equals one-shot (full and ring buffer)", async () => {
  const be = f64();
  const T = 11, Hq = 4, Hkv = 2, D = 3, kvw = Hkv * D;
  const q = randomArray(T * Hq * D, 31, -2, 2),
    k = randomArray(T * kvw, 32, -2, 2),
    v = randomArray(T * kvw, 33);
  for (const [W, cap] of [[0, 11], [0, 16], [3, 3], [4, 6], [20, 20]]) {
    const expected = naive(q, k, v, T, Hq, Hkv, D, W);
    const cacheK = be.zeros([cap, kvw]), cacheV = be.zeros([cap, kvw]);
    const got: number[] = [];
    for (const [a, z] of [[0, 4], [4, 5], [5, 8], [8, 11]]) {
      const ks = be.upload(k.slice(a * kvw, z * kvw), [z - a, kvw]);
      const vs = be.upload(v.slice(a * kvw, z * kvw), [z - a, kvw]);
      const qs = be.upload(q.slice(a * Hq * D, z * Hq * D), [z - a, Hq * D]);
      const opts = { pastLen: a, heads: Hq, kvHeads: Hkv, headDim: D, window: W };
      got.push(...await be.download(be.ops.attention(qs, ks, vs, cacheK, cacheV, opts)));
      be.ops.cacheWrite(cacheK, ks, a);
      be.ops.cacheWrite(cacheV, vs, a);
    }
    assertClose(got, expected, 1e-13, `segmented attention W=${W} cap=${cap}`);
    const oneShot = be.ops.attention(
      be.upload(q, [T, Hq * D]),
      be.upload(k, [T, kvw]),
      be.upload(v, [T, kvw]),
      be.zeros([0, kvw]),
      be.zeros([0, kvw]),
      { pastLen: 0, heads: Hq, kvHeads: Hkv, headDim: D, window: W },
    );
    assertClose(await be.download(oneShot), expected, 1e-13, `one-shot attention W=${W}`);
  }
});

Deno.test("cacheWrite wraps around the ring", async () => {
  const be = f64();
  const cache = be.zeros([3, 1]);
  be.ops.cacheWrite(cache, be.upload(new Float64Array([10, 11, 12, 13, 14]), [5, 1]), 2);
  // Positions 2..6 → rows 2, 0, 1, 2, 0: row 0 = pos 6, row 1 = pos 4, row 2 = pos 5.
  assertClose(await be.download(cache), [14, 12, 13], 0);
  assert.throws(
    () => be.ops.cacheWrite(cache, be.zeros([1, 2]), 0),
    /cacheWrite: rows has shape \[1, 2\], expected \[\*, 1\]/,
  );
});

Deno.test("attention rejects a cache too small for pastLen and window, and bad shapes", () => {
  const be = f64();
  const q = be.zeros([2, 4]), k = be.zeros([2, 4]), v = be.zeros([2, 4]);
  const small = be.zeros([3, 4]);
  const opts = { pastLen: 5, heads: 1, kvHeads: 1, headDim: 4, window: 0 };
  assert.throws(
    () => be.ops.attention(q, k, v, small, small, opts),
    /attention: cacheK has 3 rows, expected at least 5/,
  );
  be.ops.attention(q, k, v, small, small, { ...opts, window: 3 }); // a ring of W rows is enough
  assert.throws(
    () => be.ops.attention(q, be.zeros([3, 4]), v, small, small, { ...opts, window: 3 }),
    /attention: k has shape \[3, 4\], expected \[2, 4\]/,
  );
});
