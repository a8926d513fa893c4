// Tests of agreement.ts: rows of one model sharing a sample_key across backends/dtypes, compared
// for identical outputs, the first divergent answer position and the largest logit difference.

import assert from "node:assert/strict";
import type { ResultRow } from "../runner/result.ts";
import { agreement, divergence, divergences } from "./agreement.ts";
import { makeBpbRow, makeFailedRow, makeRow, syntheticRun } from "./testdata/synthetic.ts";

function logits(...expected: number[]): ResultRow["answer_logits"] {
  return expected.map((e, i) => ({ expected_logit: e, argmax_id: 48 + i, logsumexp: e + 1 }));
}

Deno.test("divergence gives the first differing byte, the shorter length for a prefix, null for equal", () => {
  assert.equal(divergence("12345", "12345"), null);
  assert.equal(divergence("12345", "12945"), 2);
  assert.equal(divergence("123", "12345"), 3);
  assert.equal(divergence("", "1"), 0);
  assert.equal(divergence("é", "è"), 1); // bytes: c3 a9 vs c3 a8
});

Deno.test("agreement compares two dtypes of one model over shared samples", () => {
  const f64 = { dtype: "f64" };
  const rows = [
    makeRow({ sample: 0, output: "12345", answer_logits: logits(3, 4) }),
    makeRow({ ...f64, sample: 0, output: "12345", answer_logits: logits(3.001, 4) }),
    makeRow({ sample: 1, output: "12945", answer_logits: logits(2, 5) }),
    makeRow({ ...f64, sample: 1, output: "12345", answer_logits: logits(2, 5.25) }),
    makeRow({ sample: 2, output: "1", answer_logits: logits(1) }),
    makeRow({ ...f64, sample: 2, output: "1234", answer_logits: logits(1) }),
    makeRow({ sample: 3, output: "77" }), // only in f32: not shared
    makeFailedRow("oom", "Out of memory", { ...f64, sample: 4 }),
    makeRow({ sample: 4, output: "5" }), // its f64 twin failed: not shared
  ];
  const [pair] = agreement(rows);
  assert.equal(pair.model, "ramba");
  assert.equal(pair.a, "reference · f32");
  assert.equal(pair.b, "reference · f64");
  assert.equal(pair.samples, 3);
  assert.equal(pair.identical, 1);
  assert.equal(pair.identical_fraction, 1 / 3);
  assert.equal(pair.first_divergence, 1); // sample 2: "1" vs "1234"
  assert.equal(pair.first_divergence_sample, rows[4].sample_key);
  assert.equal(pair.positions, 5);
  assert.equal(pair.argmax_agree, 5);
  assert.ok(Math.abs(pair.max_logit_diff! - 0.25) < 1e-12, `max_logit_diff ${pair.max_logit_diff}`);
  assert.equal(pair.max_logit_diff_sample, rows[2].sample_key);
});

Deno.test("divergences lists each differing sample with its first divergent token and log-prob gap", () => {
  const f64 = { dtype: "f64" };
  const rows = [
    makeRow({ sample: 0, output: "12345", answer_logits: logits(3, 4) }),
    makeRow({ ...f64, sample: 0, output: "12345", answer_logits: logits(3, 4) }),
    makeRow({ sample: 1, output: "12945", answer_logits: logits(2, 5, 1) }),
    makeRow({
      ...f64,
      sample: 1,
      output: "12345",
      answer_logits: [...logits(2, 5)!, { expected_logit: 1.5, argmax_id: 51, logsumexp: 2 }],
    }),
    makeRow({ sample: 2, output: "123456", answer_logits: logits(1) }),
    makeRow({ ...f64, sample: 2, output: "123", answer_logits: logits(1) }),
    makeRow({ model: "transformer", sample: 1, output: "9" }), // another model: never paired
  ];
  const d = divergences(rows);
  assert.deepEqual(d.map((x) => [x.sample, x.position]), [[1, 2], [2, 3]]);
  assert.deepEqual([d[0].a, d[0].b, d[0].output_a, d[0].output_b], [
    "reference · f32",
    "reference · f64",
    "12945",
    "12345",
  ]);
  // At token 2 the expected token's log-prob is 1 − 2 = −1 in f32 and 1.5 − 2 = −0.5 in f64: gap +0.5.
  assert.equal(d[0].logprob_gap, 0.5);
  assert.deepEqual([d[0].argmax_a, d[0].argmax_b], [50, 51]);
  // Beyond the teacher-forced answer there are no logits to compare.
  assert.deepEqual([d[1].logprob_gap, d[1].argmax_a, d[1].argmax_b], [null, null, null]);
});

Deno.test("agreement counts argmax disagreements and never pairs different models or weights", () => {
  const rows = [
    makeRow({ answer_logits: [{ expected_logit: 1, argmax_id: 5, logsumexp: 2 }] }),
    makeRow({ backend: "cuda", answer_logits: [{ expected_logit: 1, argmax_id: 6, logsumexp: 2 }] }),
    makeRow({ model: "transformer", dtype: "f64" }), // same sample, other model
    makeRow({ weights_sha256: "random:1", dtype: "bf16" }), // same name, other weights
  ];
  const pairs = agreement(rows);
  assert.equal(pairs.length, 1);
  assert.deepEqual([pairs[0].a, pairs[0].b], ["cuda · f32", "reference · f32"]);
  assert.equal(pairs[0].argmax_agree, 0);
  assert.equal(pairs[0].max_logit_diff, 0);
});

Deno.test("agreement of rows without logits has no logit difference", () => {
  const [pair] = agreement([
    makeRow({ answer_logits: null }),
    makeRow({ dtype: "f64", answer_logits: null }),
  ]);
  assert.equal(pair.positions, 0);
  assert.equal(pair.max_logit_diff, null);
  assert.equal(pair.identical, 1);
  assert.equal(pair.first_divergence, null);
});

Deno.test("agreement pairs every two variants of each model in the synthetic sweep", () => {
  const pairs = agreement(syntheticRun().rows);
  assert.deepEqual(pairs.map((p) => p.model), ["mamba2", "ramba", "swa-hsa", "transformer"]);
  const ramba = pairs.find((p) => p.model === "ramba")!;
  assert.equal(ramba.samples, 16);
  assert.equal(ramba.identical, 15); // one webgpu output is the hostile string
  assert.equal(ramba.first_divergence, 0);
  assert.ok(Math.abs(ramba.max_logit_diff! - 0.004) < 1e-9);
  // mamba2's webgpu timeout at 1M and swa-hsa's unsupported 16M leave those samples out.
  assert.equal(pairs.find((p) => p.model === "mamba2")!.samples, 15);
  assert.equal(pairs.find((p) => p.model === "swa-hsa")!.samples, 12);
  assert.equal(pairs.find((p) => p.model === "transformer")!.samples, 12);
});

Deno.test("agreement leaves out rows without an answer (likelihood-scored tasks)", () => {
  // Same lm_bpb samples on two dtypes: no output to compare, so no pair rather than "100% identical".
  const rows = [0, 1].flatMap((sample) => [makeBpbRow({ sample }), makeBpbRow({ sample, dtype: "f64" })]);
  assert.deepEqual(agreement(rows), []);
  const mixed = agreement([...rows, makeRow(), makeRow({ dtype: "f64" })]);
  assert.equal(mixed.length, 1);
  assert.equal(mixed[0].samples, 1);
});
