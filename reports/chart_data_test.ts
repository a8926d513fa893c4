// Tests of chart_data.ts: one series per model × backend × dtype (× task), points in length order.

import assert from "node:assert/strict";
import { aggregate } from "./aggregate.ts";
import { chartData } from "./chart_data.ts";
import {
  makeFailedRow,
  makeRow,
  SYNTHETIC_MODELS,
  SYNTHETIC_VARIANTS,
  syntheticRun,
  syntheticTaskRun,
} from "./testdata/synthetic.ts";

Deno.test("chartData has one series per model × backend × dtype", () => {
  const data = chartData(aggregate(syntheticRun().rows));
  assert.equal(data.series.length, SYNTHETIC_MODELS.length * SYNTHETIC_VARIANTS.length);
  assert.deepEqual(data.lengths, [4096, 65536, 1048576, 16777216]);
  assert.deepEqual(data.length_labels, { "4096": "4K", "65536": "64K", "1048576": "1M", "16777216": "16M" });
  for (const s of data.series) assert.deepEqual(s.points.map((p) => p.length), data.lengths);
  // Same model, same colour; other backend/dtype, other dash.
  const ramba = data.series.filter((s) => s.label.startsWith("ramba ·"));
  assert.equal(ramba[0].color, ramba[1].color);
  assert.notDeepEqual(ramba[0].dash, ramba[1].dash);
  assert.deepEqual(ramba.map((s) => s.hollow), [false, true]); // equal values stay visible
});

Deno.test("chartData leaves a gap where no row is ok and names the failures", () => {
  const rows = [
    makeRow({ length_requested: 4096 }),
    makeFailedRow("oom", "Out of memory", { length_requested: 8192 }),
  ];
  const [series] = chartData(aggregate(rows)).series;
  assert.equal(series.points[1].accuracy, null);
  assert.equal(series.points[1].prefill_tokens_per_s, null);
  assert.equal(series.points[1].failures, "1 oom");
  assert.equal(series.points[0].accuracy, 1);
  assert.equal(series.points[0].k, 1);
});

Deno.test("chartData adds the task to labels when a run has several", () => {
  const rows = [makeRow({ task: "passkey" }), makeRow({ task: "kv" })];
  assert.deepEqual(chartData(aggregate(rows)).series.map((s) => s.label), [
    "ramba · reference · f32 · kv",
    "ramba · reference · f32 · passkey",
  ]);
});

Deno.test("chartData points carry decode time and both memory peaks", () => {
  const rows = [
    makeRow({ decode_ms_per_token: 2, peak_device_bytes: 100, peak_host_bytes: 1000 }),
    makeRow({ sample: 1, decode_ms_per_token: 4, peak_device_bytes: 300, peak_host_bytes: 500 }),
  ];
  const [point] = chartData(aggregate(rows)).series[0].points;
  assert.equal(point.decode_ms_per_token, 3);
  assert.equal(point.peak_device_bytes, 300);
  assert.equal(point.peak_host_bytes, 1000);
});

Deno.test("chartData labels every length of a 4K-to-64M sweep", () => {
  const lengths = Array.from({ length: 15 }, (_, i) => 4096 * 2 ** i);
  const data = chartData(aggregate(lengths.map((length_requested) => makeRow({ length_requested }))));
  assert.deepEqual(data.lengths, lengths);
  assert.equal(data.length_labels[String(4096)], "4K");
  assert.equal(data.length_labels[String(64 * 2 ** 20)], "64M");
  assert.equal(Object.keys(data.length_labels).length, 15);
});

Deno.test("chartData marks the series of tasks with partial credit and carries their mean score", () => {
  const data = chartData(aggregate(syntheticTaskRun().rows));
  const partial = data.series.filter((s) => s.partial_credit).map((s) => s.label);
  assert.deepEqual(partial, [
    "ramba · reference · f32 · niah_multivalue",
    "transformer · reference · f32 · niah_multivalue",
  ]);
  const ramba = data.series.find((s) => s.label === partial[0])!;
  // 4K: 4, 3, 2, 1 of 4 values named → 0.625, one exact; 64K: one fewer each → 0.375, none exact.
  assert.deepEqual(ramba.points.map((p) => [p.score, p.score_n, p.accuracy]), [[0.625, 4, 0.25], [
    0.375,
    4,
    0,
  ]]);
  // lm_bpb has a series (prefill, memory) without accuracy, score or decode time: the charts leave it out.
  const bpb = data.series.find((s) => s.label === "ramba · reference · f32 · lm_bpb")!;
  assert.ok(
    bpb.points.every((p) => p.accuracy === null && p.score === null && p.decode_ms_per_token === null),
  );
  assert.ok(bpb.points.every((p) => p.prefill_tokens_per_s !== null));
});
