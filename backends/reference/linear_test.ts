import assert from "node:assert/strict";
import { ReferenceBackend } from "./reference_backend.ts";
import { assertClose, f64, randomArray } from "./test_helpers.ts";

/** Independent triple loop: y[t, o] = bias[o] + Σ_k x[t, k]·w[o, k]. */
function naive(x: Float64Array, w: Float64Array, bias: Float64Array | null, T: number, n: number, O: number) {
  const y = new Float64Array(T * O);
  for (let t = 0; t < T; t++) {
    for (let o = 0; o < O; o++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += x[t * n + k] * w[o * n + k];
      y[t * O + o] = s + (bias ? bias[o] : 0);
    }
  }
  return y;
}

Deno.test("linear matches a hand-computed product with bias", async () => {
  const be = f64();
  const x = be.upload(new Float64Array([1, 2, 3, -1, 0, 2]), [2, 3]);
  const w = be.upload(new Float64Array([1, 0, -1, 2, 1, 0.5]), [2, 3]);
  const bias = be.upload(new Float64Array([10, -1]), [2]);
  // Row 0: [1-3, 2+2+1.5] = [-2, 5.5]; row 1: [-1-2, -2+1] = [-3, -1]; plus bias.
  assertClose(await be.download(be.ops.linear(x, w, bias)), [8, 4.5, 7, -2], 0);
  assertClose(await be.download(be.ops.linear(x, w)), [-2, 5.5, -3, -1], 0);
});

Deno.test("linear equals the triple loop across tile, token and output remainders", async () => {
  const be = f64();
  // in = 700 → tiles of 21 tokens; T = 47 leaves partial tiles and T % 3 = 2; out = 7 leaves 3 rows.
  for (const [T, n, O] of [[47, 700, 7], [1, 5, 4], [5, 3, 9], [0, 4, 4], [3, 1, 1]]) {
    const xs = randomArray(T * n, 11 + T), ws = randomArray(O * n, 12 + O), bs = randomArray(O, 13);
    const y = be.ops.linear(be.upload(xs, [T, n]), be.upload(ws, [O, n]), be.upload(bs, [O]));
    assert.deepEqual(y.shape, [T, O]);
    assertClose(await be.download(y), naive(xs, ws, bs, T, n, O), 1e-13, `linear ${T}x${n}x${O}`);
  }
});

Deno.test("linear in f32 stores the f64-accumulated value rounded to f32", async () => {
  const be = new ReferenceBackend("f32");
  const xs = randomArray(4 * 9, 3), ws = randomArray(5 * 9, 4);
  const y = be.ops.linear(be.upload(xs, [4, 9]), be.upload(ws, [5, 9]));
  assert.equal(y.dtype, "f32");
  const expected = naive(
    Float64Array.from(Float32Array.from(xs)),
    Float64Array.from(Float32Array.from(ws)),
    null,
    4,
    9,
    5,
  )
    .map(Math.fround);
  assertClose(await be.download(y), expected, 1e-7);
});

Deno.test("linear names the mismatching tensor and where its size comes from", () => {
  const be = f64();
  const x = be.zeros([2, 48]);
  assert.throws(
    () => be.ops.linear(x, be.zeros([64, 32])),
    { message: "linear: w has shape [64, 32], expected [*, 48] (in = x.shape[1])" },
  );
  assert.throws(
    () => be.ops.linear(x, be.zeros([64, 48]), be.zeros([63])),
    /linear: bias has shape \[63\], expected \[64\]/,
  );
  assert.throws(() => be.ops.linear(be.zeros([2, 3], "i32"), be.zeros([1, 3])), /linear: x has dtype i32/);
});
