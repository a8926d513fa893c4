// Tests of headline.ts: the longest-passing-length rule (n ≥ 20, Wilson lower bound ≥ 0.9, every
// shorter length passing) and the cost at 4K, 1M and the longest length run.

import assert from "node:assert/strict";
import type { ResultRow } from "../runner/result.ts";
import { aggregate } from "./aggregate.ts";
import { headline } from "./headline.ts";
import { makeBpbRow, makeFailedRow, makeRow } from "./testdata/synthetic.ts";

/** `n` rows at `length`, the first `k` correct. */
function rowsAt(length: number, k: number, n: number, extra: Partial<ResultRow> = {}): ResultRow[] {
  return Array.from(
    { length: n },
    (_, sample) => makeRow({ length_requested: length, sample, correct: sample < k, ...extra }),
  );
}

Deno.test("headline: the longest length that passes, every shorter one passing too", () => {
  // 20/20 has lower bound 0.839: too low. 40/40 → 0.912 passes; 39/40 → 0.871 fails.
  const rows = [
    ...rowsAt(4096, 40, 40),
    ...rowsAt(65536, 40, 40),
    ...rowsAt(1 << 20, 39, 40),
    ...rowsAt(1 << 24, 40, 40), // passes alone, but 1M failed first
  ];
  const [h] = headline(aggregate(rows));
  assert.equal(h.longest_passing, 65536);
  assert.equal(h.stop_reason, "1M: Wilson lower bound 0.871 < 0.9 (39/40)");
});

Deno.test("headline: n < 20 fails even when every row is correct", () => {
  const rows = [...rowsAt(4096, 40, 40), ...rowsAt(8192, 19, 19), ...rowsAt(16384, 40, 40)];
  const [h] = headline(aggregate(rows));
  assert.equal(h.longest_passing, 4096);
  assert.equal(h.stop_reason, "8K: n = 19 < 20");
});

Deno.test("headline: a shortest length that fails leaves none; all passing has no stop reason", () => {
  const failing = headline(aggregate([...rowsAt(4096, 20, 20), ...rowsAt(8192, 40, 40)]))[0];
  assert.equal(failing.longest_passing, null);
  assert.match(failing.stop_reason, /^4K: Wilson lower bound 0\.839 < 0\.9 \(20\/20\)$/);
  const passing = headline(aggregate([...rowsAt(4096, 40, 40), ...rowsAt(8192, 40, 40)]))[0];
  assert.equal(passing.longest_passing, 8192);
  assert.equal(passing.stop_reason, "");
});

Deno.test("headline: a length with no ok row stops the run with its statuses", () => {
  const rows = [
    ...rowsAt(4096, 40, 40),
    makeFailedRow("oom", "Out of memory", { length_requested: 8192 }),
    makeFailedRow("oom", "Out of memory", { length_requested: 8192, sample: 1 }),
  ];
  const [h] = headline(aggregate(rows));
  assert.equal(h.longest_passing, 4096);
  assert.equal(h.stop_reason, "8K: 2 oom");
});

Deno.test("headline: thresholds are options", () => {
  const rows = rowsAt(4096, 10, 10);
  assert.equal(headline(aggregate(rows))[0].longest_passing, null);
  assert.equal(headline(aggregate(rows), { lower: 0.7, minRows: 10 })[0].longest_passing, 4096);
});

Deno.test("headline: cost at 4K, 1M and the longest length run", () => {
  const rows = [
    makeRow({
      length_requested: 4096,
      prefill_tokens_per_s: 100,
      peak_device_bytes: 10,
      peak_host_bytes: 20,
    }),
    makeRow({
      length_requested: 4096,
      sample: 1,
      prefill_tokens_per_s: 300,
      peak_device_bytes: 30,
      peak_host_bytes: 5,
    }),
    makeRow({ length_requested: 1 << 20, prefill_tokens_per_s: 50, peak_device_bytes: 1e9 }),
    makeFailedRow("oom", "Out of memory", { length_requested: 1 << 24 }),
  ];
  const [h] = headline(aggregate(rows));
  assert.deepEqual(h.costs, [
    {
      length: 4096,
      run: true,
      prefill_tokens_per_s: 200,
      peak_device_bytes: 30,
      peak_host_bytes: 20,
      failures: "",
    },
    {
      length: 1 << 20,
      run: true,
      prefill_tokens_per_s: 50,
      peak_device_bytes: 1e9,
      peak_host_bytes: 64 << 20,
      failures: "",
    },
    {
      length: 1 << 24,
      run: true,
      prefill_tokens_per_s: null,
      peak_device_bytes: null,
      peak_host_bytes: null,
      failures: "1 oom",
    },
  ]);
  // A variant that never ran 4K or 1M says so; its longest run is its only length.
  const [short] = headline(aggregate([makeRow({ length_requested: 2048 })]));
  assert.deepEqual(short.costs.map((c) => [c.length, c.run]), [[4096, false], [1 << 20, false], [
    2048,
    true,
  ]]);
});

Deno.test("headline: one row per model × backend × dtype × task", () => {
  const rows = [
    makeRow(),
    makeRow({ dtype: "f64" }),
    makeRow({ backend: "cuda" }),
    makeRow({ model: "transformer" }),
    makeRow({ task: "kv" }),
  ];
  const keys = headline(aggregate(rows)).map((h) => `${h.task}/${h.model}/${h.backend}/${h.dtype}`);
  assert.deepEqual(keys, [
    "kv/ramba/reference/f32",
    "passkey/ramba/cuda/f32",
    "passkey/ramba/reference/f32",
    "passkey/ramba/reference/f64",
    "passkey/transformer/reference/f32",
  ]);
});

Deno.test("headline leaves out likelihood-scored tasks, whose rows have no answer", () => {
  const rows = [
    ...rowsAt(4096, 40, 40),
    ...Array.from({ length: 3 }, (_, sample) => makeBpbRow({ sample })),
    makeFailedRow("oom", "Out of memory", { task: "lm_bpb", length_requested: 65536 }),
  ];
  const found = headline(aggregate(rows));
  assert.deepEqual(found.map((h) => h.task), ["passkey"]);
  assert.equal(found[0].longest_passing, 4096);
  assert.deepEqual(headline(aggregate(rows.filter((r) => r.task === "lm_bpb"))), []);
});
