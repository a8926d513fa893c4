// Tests of heatmap.ts: one grid per model × backend × dtype (× task), a cell per (length, depth) with
// its greedy accuracy, or its status and messages when no row is ok.

import assert from "node:assert/strict";
import { heatmapData } from "./heatmap.ts";
import {
  HOSTILE,
  makeFailedRow,
  makeRow,
  SYNTHETIC_MODELS,
  SYNTHETIC_VARIANTS,
  syntheticRun,
  syntheticTaskRun,
} from "./testdata/synthetic.ts";

Deno.test("heatmapData has one map per model × backend × dtype with every length and depth", () => {
  const maps = heatmapData(syntheticRun().rows);
  assert.equal(maps.length, SYNTHETIC_MODELS.length * SYNTHETIC_VARIANTS.length);
  assert.deepEqual(maps.map((m) => m.label).slice(0, 2), [
    "mamba2 · reference · f32",
    "mamba2 · webgpu · f16",
  ]);
  for (const m of maps) {
    assert.deepEqual(m.depths, [0.25, 0.75]);
    assert.deepEqual(m.length_labels, ["4K", "64K", "1M", "16M"]);
    assert.equal(m.cells.length, 8);
  }
});

Deno.test("heatmapData cells count accuracy per length and depth", () => {
  const rows = [
    makeRow({ depth: 0.25, sample: 0, correct: true }),
    makeRow({ depth: 0.25, sample: 1, correct: false }),
    makeRow({ depth: 0.25, sample: 2, correct: true }),
    makeRow({ depth: 0.75, sample: 0, correct: false }),
    makeRow({ depth: 0.75, sample: 1, correct: null }), // not scored
    makeRow({ depth: 0.25, length_requested: 8192, correct: true }),
  ];
  const [map] = heatmapData(rows);
  assert.deepEqual(map.lengths, [4096, 8192]);
  assert.deepEqual(map.depths, [0.25, 0.75]);
  // (8K, 0.75) was not run: no cell.
  assert.deepEqual(map.cells.map((c) => [c.length, c.depth, c.state, c.accuracy, c.k, c.n, c.rows]), [
    [4096, 0.25, "ok", 2 / 3, 2, 3, 3],
    [4096, 0.75, "ok", 0, 0, 1, 2],
    [8192, 0.25, "ok", 1, 1, 1, 1],
  ]);
});

Deno.test("heatmapData draws an all-failed cell by its most frequent status, with its messages", () => {
  const rows = [
    makeFailedRow("oom", "Out of memory: KV cache", { sample: 0 }),
    makeFailedRow("skipped", "Skipped: an earlier sample ended with oom", { sample: 1 }),
    makeFailedRow("skipped", "Skipped: an earlier sample ended with oom", { sample: 2 }),
    makeFailedRow("timeout", "Cell exceeded 600 s", { length_requested: 8192 }),
    makeFailedRow("error", "x".repeat(500), { length_requested: 16384 }),
    makeFailedRow("unsupported", HOSTILE, { length_requested: 32768 }),
  ];
  const [map] = heatmapData(rows);
  const [first, timeout, error, unsupported] = map.cells;
  assert.equal(first.state, "skipped");
  assert.equal(first.accuracy, null);
  assert.equal(first.failures, "1 oom, 2 skipped");
  assert.deepEqual(first.messages, [
    "oom: Out of memory: KV cache",
    "skipped: Skipped: an earlier sample ended with oom",
  ]);
  assert.equal(timeout.state, "timeout");
  assert.equal(error.state, "error");
  assert.ok(error.messages[0].length <= 200 && error.messages[0].endsWith("…"), "long message shortened");
  assert.equal(unsupported.state, "unsupported");
  assert.deepEqual(unsupported.messages, [`unsupported: ${HOSTILE}`]); // escaped by the page, not here
});

Deno.test("heatmapData shows accuracy when some rows are ok and keeps the failures for hover", () => {
  const rows = [makeRow({ correct: true }), makeFailedRow("timeout", "Cell exceeded 600 s", { sample: 1 })];
  const [cell] = heatmapData(rows)[0].cells;
  assert.equal(cell.state, "ok");
  assert.equal(cell.accuracy, 1);
  assert.equal(cell.failures, "1 timeout");
  assert.deepEqual(cell.messages, ["timeout: Cell exceeded 600 s"]);
});

Deno.test("heatmapData adds the task to labels when a run has several", () => {
  const labels = heatmapData([makeRow({ task: "passkey" }), makeRow({ task: "kv" })]).map((m) => m.label);
  assert.deepEqual(labels, ["ramba · reference · f32 · kv", "ramba · reference · f32 · passkey"]);
});

Deno.test("heatmapData has no map for likelihood-scored tasks and keeps the task in the labels", () => {
  const maps = heatmapData(syntheticTaskRun().rows);
  assert.deepEqual(maps.map((m) => m.label), [
    "ramba · reference · f32 · niah_multivalue",
    "transformer · reference · f32 · niah_multivalue",
    "ramba · reference · f32 · passkey",
    "transformer · reference · f32 · passkey",
  ]);
  // Only likelihood rows: no map at all, rather than an empty or 0% one.
  assert.deepEqual(heatmapData(syntheticTaskRun().rows.filter((r) => r.task === "lm_bpb")), []);
});

Deno.test("heatmapData cells carry the mean partial credit beside exact match", () => {
  const rows = [
    makeRow({ task: "niah_multivalue", sample: 0, correct: true, score: 1 }),
    makeRow({ task: "niah_multivalue", sample: 1, correct: false, score: 0.5 }),
    makeFailedRow("timeout", "Cell exceeded 600 s", { task: "niah_multivalue", sample: 2 }),
  ];
  const [cell] = heatmapData(rows)[0].cells;
  assert.equal(cell.accuracy, 0.5);
  assert.equal(cell.score, 0.75);
  assert.equal(heatmapData([makeFailedRow("oom", "Out of memory")])[0].cells[0].score, null);
});
