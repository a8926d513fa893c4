import assert from "node:assert/strict";
import { assertClose, f64 } from "./test_helpers.ts";

Deno.test("rmsNorm matches a hand-computed row", async () => {
  const be = f64();
  const x = be.upload(new Float64Array([3, 4, 0, 0]), [2, 2]);
  const w = be.upload(new Float64Array([1, 2]), [2]);
  // Row 0: mean(x²) = 12.5 → r = 1/sqrt(12.5 + 1e-5); row 1 is all zeros → zeros.
  assertClose(
    await be.download(be.ops.rmsNorm(x, w, 1e-5)),
    [0.8485277980128058, 2.2627407947008153, 0, 0],
    1e-14,
  );
});

Deno.test("rmsNorm with w of the head dim normalises each head on its own", async () => {
  const be = f64();
  const x = be.upload(new Float64Array([3, 4, 1, 1, 0, 2, -6, 8]), [2, 4]); // 2 heads of 2 per row
  const w = be.upload(new Float64Array([1, -1]), [2]);
  // Groups: [3, 4] → r = 1/sqrt(12.5); [1, 1] → 1; [0, 2] → 1/sqrt(2); [-6, 8] → 1/sqrt(50) (eps 0).
  assertClose(
    await be.download(be.ops.rmsNorm(x, w, 0)),
    [0.848528137423857, -1.131370849898476, 1, -1, 0, -Math.SQRT2, -0.848528137423857, -1.131370849898476],
    1e-14,
  );
});

Deno.test("gatedRmsNorm gates with silu(z) before normalising", async () => {
  const be = f64();
  const x = be.upload(new Float64Array([1, 2, -1]), [1, 3]);
  const z = be.upload(new Float64Array([0.5, -1, 2]), [1, 3]);
  const w = be.upload(new Float64Array([1, 1, 2]), [3]);
  // v = x·silu(z) = [0.311229, -0.537883, -1.761594]; v·rsqrt(mean(v²) + 1e-6)·w.
  const y = await be.download(be.ops.gatedRmsNorm(x, z, w, 1e-6));
  assertClose(y, [0.2885800524855567, -0.4987386362713244, -3.2667897065815557], 1e-14);
});

Deno.test("rmsNorm and gatedRmsNorm name the bad tensor", () => {
  const be = f64();
  const x = be.upload(new Float64Array(6), [2, 3]);
  const w2 = be.upload(new Float64Array(2), [2]);
  assert.throws(
    () => be.ops.rmsNorm(x, w2, 1e-5),
    /rmsNorm: w has shape \[2\], expected \[G\] with G dividing C = 3 \(x.shape\[1\]\)/,
  );
  const z = be.upload(new Float64Array(3), [1, 3]);
  const w3 = be.upload(new Float64Array(3), [3]);
  assert.throws(
    () => be.ops.gatedRmsNorm(x, z, w3, 1e-5),
    /gatedRmsNorm: z has shape \[1, 3\], expected \[2, 3\]/,
  );
});
