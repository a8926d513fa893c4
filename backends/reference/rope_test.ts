import assert from "node:assert/strict";
import { assertClose, f64 } from "./test_helpers.ts";

Deno.test("rope rotates pairs (j, j + D/2) by pos·theta^(-2j/D)", async () => {
  const be = f64();
  // One head, D = 4, theta = 100: frequencies [1, 0.1]. Row 0 at position 2, row 1 at position 3.
  const x = be.upload(new Float64Array([1, 2, 3, 4, 1, 0, 0, 0]), [2, 4]);
  const y = await be.download(be.ops.rope(x, 1, 4, 2, 100));
  // Row 0: (x0, x2) by angle 2, (x1, x3) by angle 0.2. Row 1: x0 = 1 → (cos 3, 0, sin 3, 0).
  assertClose(
    y,
    [
      -3.1440391170241875,
      1.1654558325022384,
      -0.33914308281574557,
      4.317604972955089,
      -0.9899924966004454,
      0,
      0.1411200080598672,
      0,
    ],
    1e-14,
  );
});

Deno.test("rope is the identity at position 0 and rotates heads independently", async () => {
  const be = f64();
  const x = be.upload(new Float64Array([1, 2, 3, 4, 5, 6, 7, 8]), [1, 8]);
  assertClose(await be.download(be.ops.rope(x, 2, 4, 0, 10000)), [1, 2, 3, 4, 5, 6, 7, 8], 0);
  const y = await be.download(be.ops.rope(x, 2, 4, 1, 10000));
  // Head 1, pair (0, 2): (5, 7) by angle 1.
  assertClose([y[4], y[6]], [5 * Math.cos(1) - 7 * Math.sin(1), 7 * Math.cos(1) + 5 * Math.sin(1)], 1e-15);
  assert.throws(() => be.ops.rope(x, 3, 4, 0, 10000), /rope: x has shape \[1, 8\], expected \[\*, 12\]/);
  assert.throws(() => be.ops.rope(be.zeros([1, 6]), 2, 3, 0, 10000), /rope: headDim = 3 must be even/);
});
