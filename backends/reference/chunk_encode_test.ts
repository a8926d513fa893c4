import assert from "node:assert/strict";
import { assertClose, f64 } from "./test_helpers.ts";

Deno.test("chunkEncode: per-token keys/values, landmark from the chunk mean", async () => {
  const be = f64();
  // n = 2 chunks of S = 2 rows, d = 2.
  const e = be.upload(new Float64Array([1, 2, 3, 4, -1, 0, 1, 2]), [4, 2]);
  const wk = be.upload(new Float64Array([1, 0]), [1, 2]); // key = first column
  const wv = be.upload(new Float64Array([0, 2]), [1, 2]); // value = 2 × second column
  const wLmk = be.upload(new Float64Array([1, 1, 1, -1, 0, 1]), [3, 2]);
  const { keys, values, landmarks } = be.ops.chunkEncode(e, wk, wv, wLmk, 2);
  assertClose(await be.download(keys), [1, 3, -1, 1], 0);
  assertClose(await be.download(values), [4, 8, 0, 4], 0);
  // Means: chunk 0 = [2, 3], chunk 1 = [0, 1] → landmarks [5, -1, 3], [1, -1, 1].
  assert.deepEqual(landmarks.shape, [2, 3]);
  assertClose(await be.download(landmarks), [5, -1, 3, 1, -1, 1], 0);
});

Deno.test("chunkEncode rejects partial chunks and mismatched projections", () => {
  const be = f64();
  const e = be.zeros([6, 2]);
  const w = be.zeros([1, 2]);
  assert.throws(
    () => be.ops.chunkEncode(e, w, w, w, 4),
    /chunkEncode: e has shape \[6, 2\], expected \[n\*4, \*\]/,
  );
  assert.throws(
    () => be.ops.chunkEncode(e, w, be.zeros([2, 2]), w, 3),
    /chunkEncode: wv has shape \[2, 2\], expected \[1, 2\]/,
  );
  assert.throws(
    () => be.ops.chunkEncode(e, w, w, be.zeros([1, 3]), 3),
    /chunkEncode: wLmk has shape \[1, 3\], expected \[\*, 2\]/,
  );
});
