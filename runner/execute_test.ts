/**
 * Likelihood scoring end to end on the reference backend with random weights: runSample's bits per byte
 * equal what the downloaded logits of one whole forward give, whatever the segment size; a sweep of lm_bpb
 * writes rows with bpb and position buckets (and no answer), and refuses a length beyond the held-out text.
 */
import assert from "node:assert/strict";
import { ReferenceBackend } from "../backends/reference/mod.ts";
import { corpusText } from "../datasets/corpus.ts";
import { Model } from "../models/session.ts";
import { loadModel } from "../models/weights.ts";
import { lmBpbTask } from "../tasks/lm_bpb.ts";
import { resolveRunConfig } from "./config.ts";
import { HostPeak } from "./env.ts";
import { runSample } from "./execute.ts";
import type { ResultRow } from "./result.ts";
import { runSweep } from "./sweep.ts";

const quiet = () => {};

Deno.test("runSample scores a likelihood sample: bpb from the device op equals bpb from host logits", async () => {
  const b = new ReferenceBackend("f64");
  const model = new Model(b, await loadModel("mamba2-tiny", { randomWeights: true }));
  const V = model.dims.vocab;
  const sample = lmBpbTask.generate({ length: 1100, depth: 0.5, seed: 0, sample: 0, split: "eval" });
  const bytes = new Uint8Array(1100);
  let pos = 0;
  for (const seg of sample.segments(1100)) bytes.set(seg, pos), pos += seg.length;
  // Host: one forward, every logit read back, log-softmax of each next byte.
  const s = model.session();
  const logits = (await b.download(s.forward(Int32Array.from(bytes), { allLogits: true }))) as Float64Array;
  s.dispose();
  const nats: number[] = [];
  for (let i = 0; i + 1 < bytes.length; i++) {
    const row = logits.subarray(i * V, (i + 1) * V);
    const m = Math.max(...row);
    nats.push(-(row[bytes[i + 1]] - m - Math.log(row.reduce((a, x) => a + Math.exp(x - m), 0))));
  }
  const bpb = (from: number, to: number) =>
    nats.slice(from - 1, to - 1).reduce((a, x) => a + x, 0) / (to - from) / Math.LN2;
  for (const segmentTokens of [1100, 300, 1024, 1099]) {
    const r = await runSample(model, sample, { segmentTokens, deadline: Infinity, hostPeak: new HostPeak() });
    assert.ok(
      Math.abs(r.bpb! - bpb(1, 1100)) < 1e-9,
      `segment ${segmentTokens}: ${r.bpb} vs ${bpb(1, 1100)}`,
    );
    assert.deepEqual(r.bpbBuckets!.map(({ start, end, bytes }) => [start, end, bytes]), [[0, 1024, 1023], [
      1024,
      1100,
      76,
    ]]);
    assert.ok(Math.abs(r.bpbBuckets![0].bpb - bpb(1, 1024)) < 1e-9);
    assert.ok(Math.abs(r.bpbBuckets![1].bpb - bpb(1024, 1100)) < 1e-9);
    assert.equal(r.outputBytes, null);
    assert.equal(r.correct, null);
    assert.equal(r.answerLogits, null);
    assert.ok(r.prefillMs > 0 && r.sessionBytes > 0);
  }
  // Random weights spread the probability over all 256 bytes: about 8 bits per byte.
  assert.ok(bpb(1, 1100) > 6 && bpb(1, 1100) < 12, `${bpb(1, 1100)}`);
  model.dispose();
  b.close();
});

Deno.test("a sweep of lm_bpb writes rows with bpb, position buckets and no answer", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = resolveRunConfig({
    models: "ramba-tiny",
    backends: "reference",
    tasks: "lm_bpb",
    lengths: "1500",
    depths: "0.5",
    samples: "2",
    randomWeights: true,
    segment: "512",
    out: dir,
  });
  const summary = await runSweep(cfg, quiet);
  assert.equal(summary.written, 2);
  const rows: ResultRow[] = Deno.readTextFileSync(`${dir}/results.jsonl`).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  for (const r of rows) {
    assert.equal(r.status, "ok", r.message);
    assert.equal(r.task, "lm_bpb");
    assert.equal(r.length_actual, 1500);
    assert.equal(r.correct, null);
    assert.equal(r.output, null);
    assert.equal(r.answer_logits, null);
    assert.ok(typeof r.bpb === "number" && r.bpb > 0);
    const buckets = r.bpb_buckets!;
    assert.deepEqual(buckets.map((x) => [x.start, x.end, x.bytes]), [[0, 1024, 1023], [1024, 1500, 476]]);
    const weighted = buckets.reduce((a, x) => a + x.bpb * x.bytes, 0) / 1499;
    assert.ok(Math.abs(weighted - r.bpb!) < 1e-9);
    assert.ok(r.prefill_tokens_per_s! > 0);
  }
  assert.notEqual(rows[0].bpb, rows[1].bpb, "two samples are two windows");
  const csv = Deno.readTextFileSync(`${dir}/results.csv`).split("\n");
  assert.ok(csv[0].split(",").includes("bpb") && csv[0].split(",").includes("bpb_buckets"));
  // A length beyond the held-out text is refused before anything runs.
  const part = corpusText("eval").period;
  await assert.rejects(
    () => runSweep(resolveRunConfig({ lengths: String(part + 1), out: `${dir}/too-long` }, cfg), quiet),
    new RegExp(
      `--lengths: ${part + 1} is longer than task lm_bpb can build from the eval split \\(${part} at most\\)`,
    ),
  );
});
