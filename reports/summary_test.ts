// Tests of summary.ts: provenance, per-task tables, failures by status, hostile text kept literal.

import assert from "node:assert/strict";
import { renderSummary } from "./summary.ts";
import { HOSTILE, makeFailedRow, makeRow, makeRunInfo, syntheticRun } from "./testdata/synthetic.ts";

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
