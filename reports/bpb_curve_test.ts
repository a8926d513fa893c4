// Tests of bpb_curve.ts: buckets pooled by start over lengths and samples, weighted by bytes, one curve
// per model × backend × dtype (× task), and the position axis's ticks.

import assert from "node:assert/strict";
import { bpbCurves, bpbTicks } from "./bpb_curve.ts";
import { makeBpbRow, makeFailedRow, makeRow, syntheticTaskRun, taskRunBpb } from "./testdata/synthetic.ts";

Deno.test("bpbCurves pools buckets of every length by start, weighted by bytes", () => {
  const rows = [
    makeBpbRow({ sample: 0, length_requested: 3072 }, () => 1), // [0,1K) [1K,2K) [2K,3K)
    makeBpbRow({ sample: 1, length_requested: 4096 }, (start) => (start === 2048 ? 4 : 2)), // … [2K,4K)
    makeFailedRow("oom", "Out of memory", { task: "lm_bpb", sample: 2, length_requested: 8192 }),
  ];
  const [curve] = bpbCurves(rows, false);
  assert.equal(curve.label, "ramba · reference · f32");
  assert.deepEqual(curve.points.map((p) => [p.start, p.end, p.bytes, p.rows, p.range]), [
    [0, 1024, 2046, 2, "0–1K"],
    [1024, 2048, 2048, 2, "1K–2K"],
    [2048, 4096, 1024 + 2048, 2, "2K–4K"], // the 3K prompt's bucket ends early; the end is the largest
  ]);
  assert.equal(curve.points[0].bpb, 1.5);
  assert.equal(curve.points[2].bpb, (1 * 1024 + 4 * 2048) / 3072);
  // x: the bytes-weighted middle, 2560 for [2K,3K) and 3072 for [2K,4K).
  assert.equal(curve.points[2].x, (2560 * 1024 + 3072 * 2048) / 3072);
  assert.equal(curve.points[0].x, 512);
});

Deno.test("bpbCurves has one curve per model × backend × dtype × task, sorted, ok rows with buckets only", () => {
  const { rows } = syntheticTaskRun();
  const curves = bpbCurves(rows, true);
  assert.deepEqual(curves.map((c) => c.label), [
    "ramba · reference · f32 · lm_bpb",
    "transformer · reference · f32 · lm_bpb",
  ]);
  // ramba ran 4K and 64K: buckets up to 64K. The transformer's 64K rows ran out of memory: up to 4K.
  assert.deepEqual(curves[0].points.map((p) => p.end), [1024, 2048, 4096, 8192, 16384, 32768, 65536]);
  assert.deepEqual(curves[1].points.map((p) => p.end), [1024, 2048, 4096]);
  for (const c of curves) {
    for (const p of c.points) assert.ok(Math.abs(p.bpb - taskRunBpb(c.model, p.start)) < 1e-12);
  }
  assert.deepEqual(bpbCurves([makeRow(), makeBpbRow({ bpb_buckets: null, bpb: 2 })], false), []);
});

Deno.test("bpbTicks are the bucket bounds above 0, labelled", () => {
  const curves = bpbCurves([makeBpbRow({ length_requested: 6144 })], false);
  assert.deepEqual(bpbTicks(curves), [
    { value: 1024, label: "1K" },
    { value: 2048, label: "2K" },
    { value: 4096, label: "4K" },
    { value: 6144, label: "6K" },
  ]);
  assert.deepEqual(bpbTicks([]), []);
});
