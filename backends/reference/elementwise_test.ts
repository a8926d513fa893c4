import assert from "node:assert/strict";
import { assertClose, f64 } from "./test_helpers.ts";

Deno.test("add, mul and silu act elementwise", async () => {
  const be = f64();
  const a = be.upload(new Float64Array([-2, 0, 1, 3]), [2, 2]);
  const b = be.upload(new Float64Array([1, 2, 3, 4]), [2, 2]);
  assertClose(await be.download(be.ops.add(a, b)), [-1, 2, 4, 7], 0);
  assertClose(await be.download(be.ops.mul(a, b)), [-2, 0, 3, 12], 0);
  // silu(x) = x / (1 + e^-x).
  assertClose(
    await be.download(be.ops.silu(a)),
    [-0.2384058440442351, 0, 0.7310585786300049, 2.8577223804673],
    1e-15,
  );
  assert.throws(
    () => be.ops.add(a, be.zeros([4])),
    /add: b has shape \[4\], expected \[2, 2\] \(= a.shape\)/,
  );
  assert.throws(() => be.ops.mul(a, be.zeros([2, 3])), /mul: b has shape \[2, 3\]/);
});

Deno.test("sliceCols takes a column range", async () => {
  const be = f64();
  const x = be.upload(new Float64Array([1, 2, 3, 4, 5, 6, 7, 8]), [2, 4]);
  const y = be.ops.sliceCols(x, 1, 2);
  assert.deepEqual(y.shape, [2, 2]);
  assertClose(await be.download(y), [2, 3, 6, 7], 0);
  assert.throws(() => be.ops.sliceCols(x, 3, 2), /sliceCols: columns 3 .. 4 exceed x with shape \[2, 4\]/);
});

Deno.test("copyRows copies in place, also between overlapping rows of one tensor", async () => {
  const be = f64();
  const dst = be.zeros([4, 2]);
  const src = be.upload(new Float64Array([1, 2, 3, 4, 5, 6]), [3, 2]);
  be.ops.copyRows(dst, 1, src, 1, 2);
  assertClose(await be.download(dst), [0, 0, 3, 4, 5, 6, 0, 0], 0);
  be.ops.copyRows(dst, 2, dst, 1, 2); // rows 1..2 → 2..3
  assertClose(await be.download(dst), [0, 0, 3, 4, 3, 4, 5, 6], 0);
  assert.throws(() => be.ops.copyRows(dst, 3, src, 0, 2), /copyRows: dst rows 3 .. 4 exceed dst rows 4/);
  assert.throws(
    () => be.ops.copyRows(dst, 0, be.zeros([2, 3]), 0, 1),
    /copyRows: src has shape \[2, 3\], expected \[\*, 2\]/,
  );
});
