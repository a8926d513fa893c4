// Tests of summary.ts: provenance, per-task tables (mean score where a task gives partial credit, bits
// per byte for likelihood-scored tasks), failures by status, hostile text kept literal.

import assert from "node:assert/strict";
import { renderSummary } from "./summary.ts";
import {
  HOSTILE,
  makeBpbRow,
  makeFailedRow,
  makeRow,
  makeRunInfo,
  syntheticRun,
  syntheticTaskRun,
} from "./testdata/synthetic.ts";

/** The lines of summary.md's section `## Task task`, up to the next `## `. */
function taskSection(md: string, task: string): string {
  const start = md.indexOf(`## Task ${task}\n`);
  assert.ok(start >= 0, `section for ${task}`);
  const end = md.indexOf("\n## ", start + 1);
  return md.slice(start, end < 0 ? undefined : end);
}

Deno.test("renderSummary shows run id, commit and creation time", () => {
  const md = renderSummary({ info: makeRunInfo({ run_id: "run-42" }), rows: [makeRow()] });
  assert.match(md, /^# Run run-42\n/);
  assert.match(md, /- commit: 0123456789abcdef0123456789abcdef01234567 \(git\)/);
  assert.match(md, /- created: 2025-01-01T00:00:00\.000Z/);
  assert.match(md, /- rows: 1 \(1 ok, 0 not ok\)/);
});

Deno.test("renderSummary has a table per task with a column per length", () => {
  const md = renderSummary(syntheticRun());
  assert.equal(md.match(/^## Task passkey$/gm)?.length, 1);
  for (const title of ["Greedy accuracy", "Teacher-forced accuracy", "Prefill tokens/s (median)"]) {
    assert.match(md, new RegExp(`^### ${title.replace(/[()/]/g, "\\$&")}$`, "m"));
  }
  assert.match(md, /^\| model +\| backend +\| dtype \| +4K \| +64K \| +1M \| +16M \|$/m);
  // ramba on webgpu at 64K: 3 of 4 greedy (one is the hostile output), 4 of 4 teacher-forced.
  const ramba = md.slice(md.indexOf("## Task passkey")).split("\n").filter((l) =>
    /^\| ramba +\| webgpu/.test(l)
  );
  assert.equal(ramba.length, 3);
  assert.match(ramba[0], /\| 1\.00 \(4\/4\) \| 0\.75 \(3\/4\) \|/);
  assert.match(ramba[1], /\| 1\.00 \(4\/4\) \| 1\.00 \(4\/4\) \|/);
  // Cells with failures: all failed shows the tally, some failed appends it.
  assert.match(md, /^\| transformer \| reference \| f32 +\|.*\| +4 oom \|$/m);
  assert.match(md, /0\.67 \(2\/3\) \+1 timeout/);
});

Deno.test("renderSummary lists non-ok rows by status with truncated messages", () => {
  const long = `CUDA error: ${"x".repeat(400)}`;
  const rows = [
    makeRow(),
    makeFailedRow("oom", "Out of memory", { length_requested: 1 << 20 }),
    makeFailedRow("oom", "Out of memory", { length_requested: 1 << 20, sample: 1 }),
    makeFailedRow("error", long, { sample: 2 }),
    makeFailedRow("error", HOSTILE, { sample: 3 }),
  ];
  const md = renderSummary({ info: makeRunInfo(), rows });
  const oom = md.indexOf("### oom (2)");
  const error = md.indexOf("### error (2)");
  assert.ok(oom > 0 && error > oom, "oom before error, as in STATUSES");
  assert.match(md, /- ramba · reference · f32 · passkey · 1M ×2: `Out of memory`/);
  const longLine = md.split("\n").find((l) => l.includes("CUDA error"))!;
  assert.ok(longLine.includes("…") && longLine.length < 260, `not truncated: ${longLine.length} chars`);
  assert.ok(md.includes(`\`${HOSTILE}\``), "hostile message shown literally in a code span");
});

Deno.test("renderSummary says so when every row is ok", () => {
  assert.match(renderSummary({ info: makeRunInfo(), rows: [makeRow()] }), /## Non-ok rows\n\nNone\./);
});

Deno.test("renderSummary has the headline table", () => {
  const md = renderSummary(syntheticRun());
  assert.ok(md.indexOf("## Headline") < md.indexOf("## Task passkey"));
  assert.match(md, /^\| ramba +\| webgpu +\| f16 +\| passkey \| +none \| 4K: n = 4 < 20 \|$/m);
});

Deno.test("renderSummary adds a mean-score table only for tasks with partial credit", () => {
  const md = renderSummary(syntheticTaskRun());
  assert.equal(md.match(/^### Mean score \(partial credit\)$/gm)?.length, 1);
  const multi = taskSection(md, "niah_multivalue");
  const score = multi.slice(multi.indexOf("### Mean score"), multi.indexOf("### Teacher-forced"));
  assert.match(score, /^\| ramba +\| reference \| f32 +\| 0\.63 \(n=4\) \| 0\.38 \(n=4\) \|$/m);
  assert.match(score, /^\| transformer \| reference \| f32 +\| 0\.38 \(n=4\) \| 0\.19 \(n=4\) \|$/m);
  // Greedy exact match stays beside it.
  assert.match(multi, /### Greedy accuracy[^#]*\| ramba +\| reference \| f32 +\| 0\.25 \(1\/4\) \|/);
  assert.ok(!taskSection(md, "passkey").includes("Mean score"), "exact-match task: no mean-score table");
});

Deno.test("renderSummary shows bits per byte by length and by position for lm_bpb, and no accuracy", () => {
  const md = renderSummary(syntheticTaskRun());
  const bpb = taskSection(md, "lm_bpb");
  assert.ok(!bpb.includes("Greedy accuracy") && !bpb.includes("Teacher-forced"), "no accuracy tables");
  assert.ok(!bpb.includes("no scored row"));
  // ramba: 4K and 64K at the byte-weighted bits per byte; the transformer's 64K rows ran out of memory.
  assert.match(bpb, /^\| ramba +\| reference \| f32 +\| 2\.396 \(n=4\) \| 2\.085 \(n=4\) \|$/m);
  assert.match(bpb, /^\| transformer \| reference \| f32 +\| 2\.438 \(n=4\) \| +4 oom \|$/m);
  assert.match(
    bpb,
    /^\| model +\| backend +\| dtype \| +0–1K \| 1K–2K \| 2K–4K \| 4K–8K \| 8K–16K \| 16K–32K \| 32K–64K \|$/m,
  );
  assert.match(
    bpb,
    /^\| transformer \| reference \| f32 +\| 2\.200 \| 2\.200 \| 2\.675 \| +\| +\| +\| +\|$/m,
  );
  assert.match(bpb, /### Prefill tokens\/s \(median\)/);
  // The headline has the answer-scored tasks only.
  const head = md.slice(md.indexOf("## Headline"), md.indexOf("## Task"));
  assert.ok(!head.includes("lm_bpb") && head.includes("niah_multivalue") && head.includes("passkey"));
});

Deno.test("renderSummary of a run with only lm_bpb rows says the headline has nothing to rank", () => {
  const rows = [makeBpbRow({ length_requested: 6144 }, (start) => 3 - start / 4096)];
  const md = renderSummary({ info: makeRunInfo(), rows });
  assert.match(md, /## Headline\n\nNo answer-scored task in this run\.\n/);
  assert.match(md, /^\| model +\| backend +\| dtype \| +0–1K \| 1K–2K \| 2K–4K \| 4K–6K \|$/m);
  assert.match(md, /^\| ramba +\| reference \| f32 +\| 3\.000 \| 2\.750 \| 2\.500 \| 2\.000 \|$/m);
});
