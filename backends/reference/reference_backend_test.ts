import assert from "node:assert/strict";
import { OP_NAMES, OutOfMemoryError } from "../backend.ts";
import { ReferenceBackend, referenceFactory } from "./mod.ts";

Deno.test("upload converts to the precision; download returns f64 or i32 copies", async () => {
  const be = new ReferenceBackend("f32");
  const t = be.upload(new Float64Array([0.1, 1 / 3]), [2]);
  assert.equal(t.dtype, "f32");
  const back = await be.download(t);
  assert.ok(back instanceof Float64Array);
  assert.deepEqual([...back], [Math.fround(0.1), Math.fround(1 / 3)]);
  assert.equal(be.upload(new Int32Array([1, 2]), [2]).dtype, "f32"); // default: the float precision
  const ids = be.upload(new Float64Array([3, -2]), [2], "i32");
  assert.deepEqual([...await be.download(ids)], [3, -2]);
  assert.throws(
    () => be.upload(new Float64Array([1.5]), [1], "i32"),
    /upload: data\[0\] = 1.5 is not an i32 value/,
  );
  assert.throws(
    () => be.upload(new Float64Array(3), [2, 2]),
    /upload: data has 3 elements, shape \[2, 2\] needs 4/,
  );
  assert.throws(() => be.zeros([2], "bf16"), /bf16 is not offered/);
});

Deno.test("memory accounting counts live tensors at 8 or 4 bytes per element", () => {
  const be = new ReferenceBackend("f64");
  const a = be.zeros([10, 10]); // 800 B
  const b = be.zeros([5], "i32"); // 20 B
  assert.deepEqual(be.memory(), { currentBytes: 820, peakBytes: 820, deviceUsedBytes: null });
  be.dispose(a);
  assert.deepEqual(be.memory(), { currentBytes: 20, peakBytes: 820, deviceUsedBytes: null });
  be.resetPeak();
  const c = be.ops.silu(be.upload(new Float64Array(4), [4])); // 32 + 32
  assert.deepEqual(be.memory(), { currentBytes: 84, peakBytes: 84, deviceUsedBytes: null });
  be.close();
  assert.equal(be.memory().currentBytes, 0);
  assert.throws(() => be.dispose(b), /Tensor used after dispose/);
  assert.throws(() => be.ops.silu(c), /Tensor used after dispose/);
  assert.equal(new ReferenceBackend("f32").zeros([3]).dtype, "f32");
});

Deno.test("a disposed tensor cannot be used, downloaded or disposed again", async () => {
  const be = new ReferenceBackend();
  const x = be.zeros([2, 2]);
  be.dispose(x);
  assert.throws(() => be.ops.add(x, x), /Tensor used after dispose/);
  await assert.rejects(be.download(x), /Tensor used after dispose/);
  assert.throws(() => be.dispose(x), /Tensor used after dispose/);
});

Deno.test("an impossible allocation is an OutOfMemoryError naming shape and bytes", () => {
  const be = new ReferenceBackend("f64");
  assert.throws(
    () => be.zeros([1 << 24, 1 << 24]),
    (e: unknown) => {
      assert.ok(e instanceof OutOfMemoryError, `got ${e}`);
      assert.match(e.message, /\[16777216, 16777216\] f64 \(2251799813685248 bytes\)/);
      return true;
    },
  );
  assert.equal(be.memory().currentBytes, 0);
});

Deno.test("device, timing method and the factory", async () => {
  const be = new ReferenceBackend("f32");
  assert.match(be.device(), /^CPU: .+ \(TypeScript reference, f32\)$/);
  assert.equal(be.timingMethod, "performance.now (synchronous CPU)");
  assert.ok(OP_NAMES.every((op) => be.supports(op)));
  assert.equal(referenceFactory.name, "reference");
  assert.deepEqual(referenceFactory.precisions, ["f64", "f32"]);
  assert.deepEqual(await referenceFactory.probe(), {
    available: true,
    reason: "plain TypeScript, always available",
  });
  assert.ok(Object.values(referenceFactory.opSupport()).every((v) => v));
  assert.deepEqual(Object.keys(referenceFactory.opSupport()).sort(), [...OP_NAMES].sort());
  assert.equal((await referenceFactory.create("f64")).precision, "f64");
  await assert.rejects(referenceFactory.create("bf16"), /precision bf16 is not offered/);
});

Deno.test("the f32 backend runs the SSD scan within f32 rounding of f64", async () => {
  const results: Float64Array[] = [];
  for (const precision of ["f64", "f32"] as const) {
    const be = new ReferenceBackend(precision);
    const T = 9, H = 2, P = 3, N = 4;
    const r = (n: number, seed: number) =>
      Float64Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3));
    const y = be.ops.ssdScan(
      be.upload(r(T * H * P, 1), [T, H * P]),
      be.upload(r(T * H, 2), [T, H]),
      be.upload(r(H, 3), [H]),
      be.upload(r(T * N, 4), [T, N]),
      be.upload(r(T * N, 5), [T, N]),
      be.upload(r(H, 6), [H]),
      be.upload(r(H, 7), [H]),
      be.zeros([H, P * N]),
      { heads: H, headDim: P, groups: 1, stateSize: N, chunk: 4, dtLimit: [0, Infinity] },
    );
    assert.equal(y.dtype, precision);
    results.push(await be.download(y) as Float64Array);
  }
  const scale = Math.max(...results[0].map(Math.abs));
  const err = Math.max(...results[0].map((v, i) => Math.abs(v - results[1][i]))) / scale;
  assert.ok(err > 0 && err < 1e-6, `relative error ${err}`);
});

Deno.test("storage of a disposed tensor is reused zero-filled and not counted", async () => {
  const be = new ReferenceBackend("f64");
  const a = be.upload(new Float64Array([1, 2, 3]), [3]);
  be.dispose(a);
  assert.equal(be.memory().currentBytes, 0);
  const b = be.zeros([1, 3]);
  assert.deepEqual([...await be.download(b)], [0, 0, 0]);
  assert.equal(be.memory().currentBytes, 24);
  assert.throws(() => be.ops.silu(a), /Tensor used after dispose/);
  be.dispose(be.zeros([3], "i32"));
  const c = be.zeros([3]); // an f64 tensor never gets the i32 storage
  assert.ok(c.data instanceof Float64Array);
});
