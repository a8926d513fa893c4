import assert from "node:assert/strict";
import { assertClose, f64 } from "./test_helpers.ts";

Deno.test("embedding gathers rows by id", async () => {
  const be = f64();
  const table = be.upload(new Float64Array([1, 2, 3, 4, 5, 6]), [3, 2]);
  const y = be.ops.embedding(table, new Int32Array([2, 0, 2, 1]));
  assert.deepEqual(y.shape, [4, 2]);
  assertClose(await be.download(y), [5, 6, 1, 2, 5, 6, 3, 4], 0);
});

Deno.test("embedding rejects ids outside [0, V) and a non-matrix table", () => {
  const be = f64();
  const table = be.upload(new Float64Array(6), [3, 2]);
  assert.throws(
    () => be.ops.embedding(table, new Int32Array([0, 3])),
    /embedding: ids\[1\] = 3 is outside \[0, 3\)/,
  );
  assert.throws(() => be.ops.embedding(table, new Int32Array([-1])), /ids\[0\] = -1/);
  const flat = be.upload(new Float64Array(6), [6]);
  assert.throws(
    () => be.ops.embedding(flat, new Int32Array([0])),
    /embedding: table has shape \[6\], expected \[\*, \*\]/,
  );
});
