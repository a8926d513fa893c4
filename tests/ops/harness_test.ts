/**
 * The parity harness itself, on the CPU (these run everywhere, CI included): every op case runs and
 * passes with the f32 reference standing in for a fast backend; the rounding reference rounds at exactly
 * the points ReferenceBackend("f32") does; the rule fails a 2%-off op; near-ties are told from real
 * selection errors; the bf16 rounding helper rounds once, ties to even.
 */
import assert from "node:assert/strict";
import type { Backend, HsaSelectOptions } from "../../backends/backend.ts";
import { ReferenceBackend } from "../../backends/reference/mod.ts";
import { linearCases, opCases } from "./op_cases.ts";
import { compareSelection, judge, type OpCase, runCase } from "./parity.ts";
import { roundBf16, RoundingReference } from "./rounding_reference.ts";
import { relErr, tolerance } from "./tolerances.ts";

const inputs64 = (c: OpCase) => Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, v.data]));

Deno.test("every op case runs, and the f32 reference passes the rule as a stand-in fast backend", async () => {
  const truth = new RoundingReference("f64"), ref = new RoundingReference("f32");
  const stand = new ReferenceBackend("f32");
  let n = 0;
  for (const cases of Object.values(opCases())) {
    for (const c of cases) {
      const v = judge(
        "self",
        c,
        "f32",
        await runCase(stand, c),
        await runCase(ref, c),
        await runCase(truth, c),
        inputs64(c),
      );
      const bad = v.filter((x) => !x.ok);
      assert.equal(bad.length, 0, `${c.op} [${c.name}]: ${JSON.stringify(bad)}`);
      n += v.length;
    }
  }
  assert.ok(n > 100, `${n} outputs compared`);
});

Deno.test("the f32 rounding reference rounds exactly where ReferenceBackend('f32') does", async () => {
  const ref = new RoundingReference("f32"), stand = new ReferenceBackend("f32");
  for (const cases of Object.values(opCases())) {
    for (const c of cases) {
      const a = await runCase(ref, c), b = await runCase(stand, c);
      // The one difference: ReferenceBackend("f32") stores ssmStep's state after every token of a
      // multi-token call, the rounding reference once per call (as the CUDA kernel does).
      const multiStep = c.op === "ssmStep" && c.inputs.x.shape[0] > 1;
      for (const k of Object.keys(a)) {
        if (multiStep) assert.ok(relErr(a[k], b[k]) < 1e-6, `${c.op} [${c.name}] ${k}`);
        else assert.deepEqual(a[k], b[k], `${c.op} [${c.name}] ${k}`);
      }
    }
  }
});

/** A bf16 rounding reference whose linear is 2% off. */
function skewed(): Backend {
  const b = new RoundingReference("bf16");
  const linear = b.ops.linear;
  (b.ops as { linear: typeof linear }).linear = (x, w, bias) => {
    const y = linear(x, w, bias);
    const z = b.upload(new Float64Array(y.shape[0] * y.shape[1]).fill(1.02), y.shape);
    const out = b.ops.mul(y, z);
    b.dispose(y);
    b.dispose(z);
    return out;
  };
  return b;
}

Deno.test("the rule passes an honest bf16 backend and fails one that is 2% off", async () => {
  const truth = new RoundingReference("f64"), ref = new RoundingReference("bf16");
  const honest = new RoundingReference("bf16"), bad = skewed();
  const c = linearCases().find((x) => x.name.startsWith("T=77"))!;
  const t = await runCase(truth, c), r = await runCase(ref, c);
  assert.ok(judge("h", c, "bf16", await runCase(honest, c), r, t, inputs64(c)).every((v) => v.ok));
  assert.ok(judge("h", c, "bf16", await runCase(bad, c), r, t, inputs64(c)).some((v) => !v.ok));
});

Deno.test("a swap at a near-tie is flagged, a swap with a distant chunk fails, a bad order fails", () => {
  // One query, dr = 1, q = 1: the scores are the landmarks themselves; K = 2 of 5 visible chunks.
  const lmk = new Float64Array([0.5, 0.9, 0.9000001, 0.1, 0.8999999]);
  const qr = new Float64Array([1]);
  const o: HsaSelectOptions = { numChunks: 5, startPos: 400, chunkSize: 64, topK: 2, kvHeads: 1, window: 0 };
  const truth = Int32Array.of(2, 1);
  const near = compareSelection(Int32Array.of(4, 2), truth, qr, lmk, o, 1e-6);
  assert.equal(near.nearTies.length, 1, "0.8999999 for 0.9 is a near-tie");
  assert.equal(near.failures.length, 0);
  const far = compareSelection(Int32Array.of(2, 0), truth, qr, lmk, o, 1e-6);
  assert.equal(far.failures.length, 1, "0.5 for 0.9 is no near-tie");
  const order = compareSelection(Int32Array.of(1, 2), truth, qr, lmk, o, 1e-6);
  assert.match(order.failures[0], /not newest first/);
  const pad = compareSelection(Int32Array.of(-1, 2), Int32Array.of(2, -1), qr, lmk, o, 1e-6);
  assert.match(pad.failures[0], /padding at the end/);
  assert.deepEqual(compareSelection(truth, truth, qr, lmk, o, 0).rows, []);
});

Deno.test("roundBf16 rounds once, to nearest, ties to even", () => {
  assert.equal(roundBf16(1 + 2 ** -8), 1);
  assert.equal(roundBf16(1 + 3 * 2 ** -8), 1 + 2 ** -6);
  assert.equal(roundBf16(1 + 2 ** -8 + 2 ** -40), 1 + 2 ** -7);
  assert.equal(roundBf16(-Infinity), -Infinity);
  assert.equal(roundBf16(0.1), 0.10009765625);
});

Deno.test("overrides apply by op, precision and output, each with a reason", () => {
  assert.deepEqual(tolerance("linear", "f32"), { k: 2, floor: 1e-5 });
  const m = tolerance("model:ramba", "bf16");
  assert.equal(m.floor, 1e-2);
  assert.ok(m.reason && m.reason.length > 20);
  assert.equal(tolerance("ssdScan", "f32", "y").floor, 3e-5);
  assert.equal(tolerance("ssdScan", "bf16", "y").floor, 1e-3);
});
