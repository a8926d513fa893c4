import assert from "node:assert/strict";
import { assertClose, f64, randomArray } from "./test_helpers.ts";

Deno.test("causalConv1d matches a hand-computed case and shifts the state", async () => {
  const be = f64();
  const w = be.upload(new Float64Array([0.5, -1, 2]), [1, 3]); // K = 3, w[2] is the current token
  const bias = be.upload(new Float64Array([0.1]), [1]);
  const state = be.upload(new Float64Array([1, 2]), [2, 1]); // inputs at -2, -1
  const x = be.upload(new Float64Array([3, -1]), [2, 1]);
  // u0 = silu(0.1 + 0.5·1 − 1·2 + 2·3) = silu(4.6); u1 = silu(0.1 + 0.5·2 − 1·3 + 2·(−1)) = silu(−3.9).
  assertClose(await be.download(be.ops.causalConv1d(x, w, bias, state)), [
    4.55422171141224,
    -0.07737719236290229,
  ], 1e-14);
  assertClose(await be.download(state), [3, -1], 0);
});

Deno.test("causalConv1d over segments equals token by token with the state carried", async () => {
  const be = f64();
  const C = 5, K = 4, T = 11;
  const xs = randomArray(T * C, 1);
  const w = be.upload(randomArray(C * K, 2), [C, K]);
  const bias = be.upload(randomArray(C, 3), [C]);
  const stepState = be.zeros([K - 1, C]);
  const steps: number[] = [];
  for (let t = 0; t < T; t++) {
    const u = be.ops.causalConv1d(be.upload(xs.slice(t * C, t * C + C), [1, C]), w, bias, stepState);
    steps.push(...await be.download(u));
  }
  // Segments of 2 (< K-1), 6 and 3 tokens.
  const segState = be.zeros([K - 1, C]);
  const segs: number[] = [];
  for (const [a, b] of [[0, 2], [2, 8], [8, 11]]) {
    const u = be.ops.causalConv1d(be.upload(xs.slice(a * C, b * C), [b - a, C]), w, bias, segState);
    segs.push(...await be.download(u));
  }
  assertClose(segs, steps, 1e-14, "segment output");
  assertClose(await be.download(segState), await be.download(stepState), 0, "final state");
  assertClose(await be.download(segState), xs.slice((T - K + 1) * C), 0, "state = last K-1 inputs");
});

Deno.test("causalConv1d names a state of the wrong shape", () => {
  const be = f64();
  assert.throws(
    () => be.ops.causalConv1d(be.zeros([2, 5]), be.zeros([5, 4]), be.zeros([5]), be.zeros([4, 5])),
    /causalConv1d: state has shape \[4, 5\], expected \[3, 5\]/,
  );
  assert.throws(
    () => be.ops.causalConv1d(be.zeros([2, 5]), be.zeros([4, 4]), be.zeros([5]), be.zeros([3, 5])),
    /causalConv1d: w has shape \[4, 4\], expected \[5, \*\]/,
  );
});
