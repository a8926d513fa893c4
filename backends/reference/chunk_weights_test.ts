import assert from "node:assert/strict";
import { assertClose, f64, randomArray } from "./test_helpers.ts";

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

Deno.test("chunkWeights stick-breaking: hand case with an empty slot and the softplus threshold", async () => {
  const be = f64();
  const s = be.upload(new Float64Array([0, Math.log(3), -Infinity, 20]), [1, 4]);
  const w = await be.download(be.ops.chunkWeights(s, { topK: 4, mode: "stick_breaking" }));
  // σ(0) = 1/2; σ(ln 3)·(1 − 1/2) = 3/4·1/2; the -∞ slot weighs 0 and leaves the stick alone;
  // softplus(20) = 20 (threshold 15) → exp(20 − ln 2 − ln 4 − 20) = 1/8 exactly (σ(20)/8 would be 0.12499999974).
  assertClose(w, [0.5, 0.375, 0, 0.125], 1e-15);
  assert.ok(Math.abs(w[3] - sigmoid(20) / 8) > 1e-10);
});

Deno.test("chunkWeights stick-breaking matches σ(s_j)·Π(1 − σ(s_i)) and sums to at most 1", async () => {
  const be = f64();
  const K = 5, rows = 6, heads = 2;
  const s = randomArray(rows * heads * K, 61, -6, 6);
  for (let i = 0; i < s.length; i += 7) s[i] = -Infinity;
  const w = await be.download(
    be.ops.chunkWeights(be.upload(s, [rows, heads * K]), { topK: K, mode: "stick_breaking" }),
  );
  for (let g = 0; g < rows * heads; g++) {
    let remain = 1, sum = 0;
    for (let j = 0; j < K; j++) {
      const sj = s[g * K + j];
      const expected = sj === -Infinity ? 0 : sigmoid(sj) * remain;
      if (sj !== -Infinity) remain *= 1 - sigmoid(sj);
      assertClose([w[g * K + j]], [expected], 1e-12, `w[${g}, ${j}]`);
      sum += w[g * K + j];
    }
    assert.ok(sum <= 1 + 1e-15, `group ${g} sums to ${sum}`);
  }
});

Deno.test("chunkWeights softmax over finite slots; all -Infinity gives zeros", async () => {
  const be = f64();
  const s = be.upload(new Float64Array([1, -Infinity, 2, -Infinity, -Infinity, -Infinity]), [2, 3]);
  const w = await be.download(be.ops.chunkWeights(s, { topK: 3, mode: "softmax" }));
  assertClose(w, [0.2689414213699951, 0, 0.7310585786300049, 0, 0, 0], 1e-15);
  assert.throws(
    () => be.ops.chunkWeights(be.zeros([2, 5]), { topK: 3, mode: "softmax" }),
    /chunkWeights: scores has shape \[2, 5\], expected \[\*, Hkv\*3\]/,
  );
});
