import assert from "node:assert/strict";
import { ReferenceBackend } from "./reference_backend.ts";
import { assertClose, f64 } from "./test_helpers.ts";

Deno.test("targetLogProbs matches hand-computed log-softmax entries", async () => {
  const be = f64();
  // Row 0: uniform over 4 → log(1/4). Row 1: logits log(1), log(2), log(3), log(4) → p = 1/10 .. 4/10.
  const logits = be.upload(new Float64Array([0, 0, 0, 0, 0, Math.log(2), Math.log(3), Math.log(4)]), [2, 4]);
  const y = be.ops.targetLogProbs(logits, new Int32Array([3, 2]));
  assert.deepEqual(y.shape, [2]);
  assertClose(await be.download(y), [Math.log(0.25), Math.log(0.3)], 1e-15);
});

Deno.test("targetLogProbs subtracts the max: logits of ±1000 neither overflow nor lose the small terms", async () => {
  const be = f64();
  const logits = be.upload(new Float64Array([1000, 999, 998, -1000, -1000, -999]), [2, 3]);
  const y = await be.download(be.ops.targetLogProbs(logits, new Int32Array([1, 0])));
  // Row 0: log(e^-1 / (1 + e^-1 + e^-2)); row 1: log(e^-1 / (2e^-1 + 1)).
  const z0 = 1 + Math.exp(-1) + Math.exp(-2), z1 = 2 * Math.exp(-1) + 1;
  assertClose(y, [-1 - Math.log(z0), -1 - Math.log(z1)], 1e-13);
  assert.ok(y.every(Number.isFinite));
});

Deno.test("targetLogProbs: a near-certain target gives a tiny negative value, not 0 or NaN", async () => {
  const be = f64();
  const logits = be.upload(new Float64Array([40, 0, 0]), [1, 3]);
  const [y] = await be.download(be.ops.targetLogProbs(logits, new Int32Array([0])));
  assertClose([y], [-2 * Math.exp(-40)], 1e-12); // log(1/(1+2e^-40)) ≈ -2e^-40
  assert.ok(y < 0);
});

Deno.test("targetLogProbs takes targets as an i32 tensor too, and rounds to f32 on an f32 backend", async () => {
  const be = new ReferenceBackend("f32");
  const logits = be.upload(new Float64Array([0.5, -1, 2, 0.1, 0.2, 0.3]), [2, 3]);
  const targets = be.upload(new Int32Array([2, 0]), [2], "i32");
  const y = be.ops.targetLogProbs(logits, targets);
  assert.equal(y.dtype, "f32");
  const row = (a: number[], t: number) => {
    const x = a.map(Math.fround), m = Math.max(...x), am = x.indexOf(m);
    const s = x.reduce((s, v, i) => i === am ? s : s + Math.exp(v - m), 0);
    return Math.fround(x[t] - m - Math.log1p(s));
  };
  assert.deepEqual([...await be.download(y)], [row([0.5, -1, 2], 2), row([0.1, 0.2, 0.3], 0)]);
  be.close();
});

Deno.test("targetLogProbs of T = 0 rows is empty", async () => {
  const be = f64();
  const y = be.ops.targetLogProbs(be.upload(new Float64Array(0), [0, 5]), new Int32Array(0));
  assert.deepEqual(y.shape, [0]);
  assert.equal((await be.download(y)).length, 0);
});

Deno.test("targetLogProbs names the bad argument", () => {
  const be = f64();
  const logits = be.upload(new Float64Array(6), [2, 3]);
  assert.throws(
    () => be.ops.targetLogProbs(logits, new Int32Array([0, 3])),
    /targetLogProbs: targets\[1\] = 3 is outside \[0, 3\) \(V = logits.shape\[1\]\)/,
  );
  assert.throws(() => be.ops.targetLogProbs(logits, new Int32Array([-1, 0])), /targets\[0\] = -1/);
  assert.throws(
    () => be.ops.targetLogProbs(logits, new Int32Array([0])),
    /targetLogProbs: targets has 1 elements, expected 2 \(T = logits.shape\[0\]\)/,
  );
  assert.throws(
    () => be.ops.targetLogProbs(logits, be.upload(new Int32Array([0, 1, 2]), [3], "i32")),
    /targetLogProbs: targets has shape \[3\], expected \[2\] \(T = logits.shape\[0\]\)/,
  );
  assert.throws(
    () => be.ops.targetLogProbs(logits, be.upload(new Float64Array([0, 1]), [2])),
    /targetLogProbs: targets has dtype f64, expected i32/,
  );
  assert.throws(
    () => be.ops.targetLogProbs(be.upload(new Float64Array(6), [6]), new Int32Array(6)),
    /targetLogProbs: logits has shape \[6\], expected \[\*, \*\]/,
  );
  assert.throws(
    () => be.ops.targetLogProbs(be.upload(new Float64Array(0), [2, 0]), new Int32Array([0, 0])),
    /targets\[0\] = 0 is outside \[0, 0\)/,
  );
});
