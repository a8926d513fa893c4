// Tests of aggregate.ts: Wilson intervals against published values, medians, grouping, mean partial
// credit and bits per byte weighted by bytes.

import assert from "node:assert/strict";
import { aggregate, likelihoodTasks, median, partialCreditTasks, scoredBytes, wilson } from "./aggregate.ts";
import { makeBpbRow, makeFailedRow, makeRow, syntheticRun, syntheticTaskRun } from "./testdata/synthetic.ts";

function assertClose(actual: number | null | undefined, expected: number, tolerance = 5e-5): void {
  assert.ok(
    typeof actual === "number" && Math.abs(actual - expected) <= tolerance,
    `Expected ${expected} ± ${tolerance}, got ${actual}`,
  );
}

Deno.test("wilson matches known 95% intervals", () => {
  // Wilson score interval, z = 1.959964, to 4 decimals; computed apart from this code (in Python).
  const cases: [number, number, number, number][] = [
    [9, 10, 0.5958, 0.9821],
    [5, 10, 0.2366, 0.7634],
    [0, 10, 0, 0.2775],
    [10, 10, 0.7225, 1],
    [1, 1, 0.2065, 1],
    [81, 100, 0.7222, 0.8749],
  ];
  for (const [k, n, lower, upper] of cases) {
    const interval = wilson(k, n);
    assertClose(interval.lower, lower);
    assertClose(interval.upper, upper);
  }
});

Deno.test("wilson rejects impossible counts", () => {
  assert.throws(() => wilson(0, 0), RangeError);
  assert.throws(() => wilson(11, 10), RangeError);
  assert.throws(() => wilson(-1, 10), RangeError);
  assert.throws(() => wilson(1.5, 10), RangeError);
});

Deno.test("median of odd, even and empty lists", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), null);
});

Deno.test("aggregate counts accuracy over ok rows only and tallies the rest", () => {
  const cell = {
    model: "ramba",
    backend: "reference",
    dtype: "f32",
    task: "passkey",
    length_requested: 4096,
  };
  const rows = [
    makeRow({ ...cell, sample: 0, correct: true, correct_teacher_forced: true, prefill_tokens_per_s: 100 }),
    makeRow({ ...cell, sample: 1, correct: true, correct_teacher_forced: true, prefill_tokens_per_s: 300 }),
    makeRow({ ...cell, sample: 2, correct: false, correct_teacher_forced: true, prefill_tokens_per_s: 200 }),
    makeRow({ ...cell, sample: 3, correct: null, correct_teacher_forced: false, prefill_tokens_per_s: 400 }),
    makeFailedRow("oom", "Out of memory", { ...cell, sample: 4 }),
    makeFailedRow("error", "Kernel failed", { ...cell, sample: 5 }),
    makeFailedRow("oom", "Out of memory", { ...cell, sample: 6 }),
  ];
  const groups = aggregate(rows);
  assert.equal(groups.length, 1);
  const g = groups[0];
  assert.equal(g.n, 7);
  assert.equal(g.n_ok, 4);
  assert.deepEqual({ k: g.greedy.k, n: g.greedy.n }, { k: 2, n: 3 }); // null `correct` is not scored
  assertClose(g.greedy.rate, 2 / 3, 1e-12);
  assert.deepEqual(g.greedy.interval, wilson(2, 3));
  assert.deepEqual({ k: g.teacher_forced.k, n: g.teacher_forced.n }, { k: 3, n: 4 });
  assert.equal(g.prefill_tokens_per_s_median, 250);
  assert.deepEqual(g.status_counts, { ok: 4, oom: 2, timeout: 0, error: 1, unsupported: 0, skipped: 0 });
});

Deno.test("aggregate keeps cells apart and sorts them", () => {
  const rows = [
    makeRow({ model: "transformer", length_requested: 65536 }),
    makeRow({ model: "ramba", length_requested: 65536, peak_host_bytes: 10, peak_device_bytes: 7 }),
    makeRow({
      model: "ramba",
      length_requested: 65536,
      sample: 1,
      peak_host_bytes: 30,
      peak_device_bytes: 5,
    }),
    makeRow({ model: "ramba", length_requested: 4096 }),
    makeRow({ model: "ramba", length_requested: 4096, dtype: "bf16" }),
    makeRow({ model: "ramba", length_requested: 4096, backend: "cuda" }),
    makeRow({ model: "ramba", length_requested: 4096, task: "kv" }),
  ];
  const keys = aggregate(rows).map((g) => `${g.task}/${g.model}/${g.backend}/${g.dtype}/${g.length}`);
  assert.deepEqual(keys, [
    "kv/ramba/reference/f32/4096",
    "passkey/ramba/cuda/f32/4096",
    "passkey/ramba/reference/bf16/4096",
    "passkey/ramba/reference/f32/4096",
    "passkey/ramba/reference/f32/65536",
    "passkey/transformer/reference/f32/65536",
  ]);
  const big = aggregate(rows).find((g) => g.model === "ramba" && g.length === 65536 && g.dtype === "f32")!;
  assert.equal(big.peak_host_bytes_max, 30);
  assert.equal(big.peak_device_bytes_max, 7);
});

Deno.test("aggregate of a cell with no ok row has no accuracy and no timings", () => {
  const [g] = aggregate([
    makeFailedRow("oom", "Out of memory"),
    makeFailedRow("oom", "Out of memory", { sample: 1 }),
  ]);
  assert.equal(g.n_ok, 0);
  assert.deepEqual(g.greedy, { k: 0, n: 0, rate: null, interval: null });
  assert.equal(g.prefill_tokens_per_s_median, null);
  assert.equal(g.peak_host_bytes_max, null);
  assert.equal(g.status_counts.oom, 2);
});

Deno.test("aggregate averages partial credit over ok rows with a score and counts partial answers", () => {
  const cell = { task: "niah_multivalue" };
  const rows = [
    makeRow({ ...cell, sample: 0, correct: true, score: 1 }),
    makeRow({ ...cell, sample: 1, correct: false, score: 0.75 }), // partial
    makeRow({ ...cell, sample: 2, correct: false, score: 1 }), // every value, wrong order: partial too
    makeRow({ ...cell, sample: 3, correct: false, score: 0 }),
    makeRow({ ...cell, sample: 4, correct: false }), // score follows correct: 0
    makeRow({ ...cell, sample: 5, correct: true, score: null }), // not scored
    makeFailedRow("timeout", "Cell exceeded 600 s", { ...cell, sample: 6, score: 0.5 }), // not ok
  ];
  const older = makeRow({ ...cell, sample: 7, correct: true });
  delete older.score; // written before the field existed
  const [g] = aggregate([...rows, older]);
  assert.deepEqual(g.score, { n: 5, mean: 2.75 / 5, partial: 2 });
  assert.deepEqual({ k: g.greedy.k, n: g.greedy.n }, { k: 3, n: 7 });
  const [none] = aggregate([makeFailedRow("oom", "Out of memory")]);
  assert.deepEqual(none.score, { n: 0, mean: null, partial: 0 });
});

Deno.test("aggregate weights bits per byte by the bytes each row scored", () => {
  // 4K at 1 bit/byte (4095 bytes) and 8K at 2 bits/byte (8191 bytes): 1 + 8191 / 12286 over both.
  const rows = [
    makeBpbRow({ sample: 0, length_requested: 4096 }, () => 1),
    makeBpbRow({ sample: 1, length_requested: 4096, length_actual: 8192 }, () => 2),
    makeFailedRow("oom", "Out of memory", { task: "lm_bpb", sample: 2 }),
  ];
  const [g] = aggregate(rows);
  assert.equal(g.bpb.n, 2);
  assert.equal(g.bpb.bytes, 4095 + 8191);
  assertClose(g.bpb.bpb, (4095 + 2 * 8191) / (4095 + 8191), 1e-12);
  assert.deepEqual({ n: g.greedy.n, rate: g.greedy.rate }, { n: 0, rate: null }); // no answer
  assert.equal(g.score.n, 0);
  // An answer-scored cell has no bits per byte.
  assert.deepEqual(aggregate([makeRow()])[0].bpb, { n: 0, bytes: 0, bpb: null });
});

Deno.test("scoredBytes sums the buckets, else counts every prompt byte but the first", () => {
  assert.equal(scoredBytes(makeBpbRow({ length_requested: 6144 })), 6143);
  assert.equal(scoredBytes(makeBpbRow({ length_requested: 6144, bpb_buckets: null, bpb: 1 })), 6143);
  assert.equal(scoredBytes(makeBpbRow({ length_requested: 6144, bpb_buckets: [], length_actual: 100 })), 99);
});

Deno.test("partialCreditTasks and likelihoodTasks name the tasks that need their own views", () => {
  const groups = aggregate(syntheticTaskRun().rows);
  assert.deepEqual([...partialCreditTasks(groups)], ["niah_multivalue"]);
  assert.deepEqual([...likelihoodTasks(groups)], ["lm_bpb"]);
  // Exact-match tasks only: neither.
  const exact = aggregate(syntheticRun().rows);
  assert.equal(partialCreditTasks(exact).size, 0);
  assert.equal(likelihoodTasks(exact).size, 0);
});
