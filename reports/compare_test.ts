// Tests of compare.ts, its printers and `deno task compare` (compare_cli.ts): identical runs pass, an
// injected accuracy drop and an injected 20% latency regression fail, thresholds are flags, and runs
// of different schema or generator versions are refused with a clear message.

import assert from "node:assert/strict";
import type { ResultRow, RunInfo } from "../runner/result.ts";
import { compareRuns, DEFAULT_THRESHOLDS, incompatibility } from "./compare.ts";
import { compareMain, EXIT } from "./compare_cli.ts";
import { renderCompareHtml } from "./compare_html.ts";
import { formatChange, renderCompareMarkdown } from "./compare_markdown.ts";
import {
  HOSTILE,
  makeBpbRow,
  makeFailedRow,
  makeRow,
  makeRunInfo,
  syntheticRun,
} from "./testdata/synthetic.ts";

const RAMBA_4K = (r: ResultRow) =>
  r.model === "ramba" && r.backend === "reference" && r.length_requested === 4096;

/** The synthetic rows with `edit` applied to those that `pick` selects. */
function edited(pick: (r: ResultRow) => boolean, edit: (r: ResultRow) => Partial<ResultRow>): ResultRow[] {
  return syntheticRun().rows.map((r) => (pick(r) ? { ...r, ...edit(r) } : r));
}

function regressed(rows: ResultRow[], thresholds = DEFAULT_THRESHOLDS): string[] {
  return compareRuns(syntheticRun().rows, rows, thresholds).cells.flatMap((c) =>
    c.changes.filter((m) => m.regression).map((m) => `${c.model}/${c.backend}/${c.length}/${m.metric}`)
  );
}

Deno.test("compareRuns: identical runs have no regression and every cell compared", () => {
  const c = compareRuns(syntheticRun().rows, syntheticRun().rows);
  assert.equal(c.regressions, 0);
  assert.equal(c.cells.length, 32);
  assert.deepEqual([c.only_base, c.only_current], [[], []]);
  for (const cell of c.cells) {
    for (const m of cell.changes) assert.ok(m.change === null || m.change === 0, `${m.metric}: ${m.change}`);
  }
});

Deno.test("compareRuns flags an injected accuracy drop beyond 5 points, only there", () => {
  // ramba · reference · 4K: 4/4 correct → 3/4, a 25-point drop.
  const rows = edited((r) => RAMBA_4K(r) && r.sample === 0, () => ({ correct: false }));
  assert.deepEqual(regressed(rows), ["ramba/reference/4096/accuracy"]);
  const cell = compareRuns(syntheticRun().rows, rows).cells.find((c) =>
    c.model === "ramba" && c.length === 4096
  )!;
  assert.equal(cell.changes[0].change, -25);
  assert.equal(formatChange(cell.changes[0]), "1.00 → 0.75 (−25.0 pts)");
  // A 30-point allowance lets it pass; an accuracy gain is never a regression.
  assert.deepEqual(regressed(rows, { ...DEFAULT_THRESHOLDS, accuracyDropPoints: 30 }), []);
  assert.deepEqual(compareRuns(rows, syntheticRun().rows).regressions, 0);
});

Deno.test("compareRuns flags an injected 20% latency regression in prefill and in decode", () => {
  // Every prefill 20% slower: tokens/s ÷ 1.2.
  const prefill = edited(RAMBA_4K, (r) => ({ prefill_tokens_per_s: r.prefill_tokens_per_s! / 1.2 }));
  assert.deepEqual(regressed(prefill), ["ramba/reference/4096/prefill"]);
  const change = compareRuns(syntheticRun().rows, prefill).cells.find((c) => c.model === "ramba")!.changes
    .find((m) => m.metric === "prefill")!;
  assert.ok(Math.abs(change.change! - 0.2) < 1e-9, `time rise ${change.change}`);
  assert.match(formatChange(change), /\(time \+20\.0%\)$/);
  // Decode 20% slower.
  const decode = edited(RAMBA_4K, (r) => ({ decode_ms_per_token: r.decode_ms_per_token! * 1.2 }));
  assert.deepEqual(regressed(decode), ["ramba/reference/4096/decode"]);
  // 5% is within the default 10%; 20% is within a 25% allowance.
  assert.deepEqual(
    regressed(edited(RAMBA_4K, (r) => ({ decode_ms_per_token: r.decode_ms_per_token! * 1.05 }))),
    [],
  );
  assert.deepEqual(regressed(decode, { ...DEFAULT_THRESHOLDS, timeRisePercent: 25 }), []);
  // Faster is never a regression.
  assert.deepEqual(
    regressed(edited(RAMBA_4K, (r) => ({ decode_ms_per_token: r.decode_ms_per_token! / 2 }))),
    [],
  );
});

Deno.test("compareRuns flags a peak memory rise beyond 10%, device and host apart", () => {
  const rows = edited(RAMBA_4K, (r) => ({
    peak_device_bytes: r.peak_device_bytes! * 1.15,
    peak_host_bytes: r.peak_host_bytes! * 1.05,
  }));
  assert.deepEqual(regressed(rows), ["ramba/reference/4096/peak_device"]);
  assert.deepEqual(regressed(rows, { ...DEFAULT_THRESHOLDS, memoryRisePercent: 20 }), []);
});

Deno.test("compareRuns: a cell that now fails entirely loses its accuracy; unmatched cells are listed", () => {
  const base = [makeRow(), makeRow({ sample: 1 }), makeRow({ length_requested: 8192 })];
  const current = [
    makeFailedRow("oom", "Out of memory"),
    makeFailedRow("oom", "Out of memory", { sample: 1 }),
    makeRow({ length_requested: 16384 }),
  ];
  const c = compareRuns(base, current);
  assert.equal(c.regressions, 1);
  const [accuracy] = c.cells[0].changes;
  assert.deepEqual([accuracy.regression, accuracy.note], [true, "no scored row now: 2 oom"]);
  assert.equal(formatChange(accuracy), "1.00 → – ; no scored row now: 2 oom".replace(" ;", ";"));
  assert.deepEqual(c.only_base, ["ramba · reference · f32 · passkey · 8K"]);
  assert.deepEqual(c.only_current, ["ramba · reference · f32 · passkey · 16K"]);
});

Deno.test("compareRuns flags bits per byte rising beyond its threshold, and an lm_bpb cell that now fails", () => {
  const base = [
    makeBpbRow({ model: "ramba", sample: 0 }, () => 2.0),
    makeBpbRow({ model: "ramba", sample: 1 }, () => 2.0),
  ];
  const worse = base.map((r) => makeBpbRow({ model: "ramba", sample: r.sample }, () => 2.1));
  const cell = compareRuns(base, worse).cells[0];
  const bpb = cell.changes.find((m) => m.metric === "bpb")!;
  assert.ok(Math.abs(bpb.change! - 0.1) < 1e-12);
  assert.ok(bpb.regression);
  assert.equal(formatChange(bpb), "2.000 → 2.100 (+0.100 bits)");
  assert.equal(compareRuns(base, worse, { ...DEFAULT_THRESHOLDS, bpbRiseBits: 0.2 }).regressions, 0);
  assert.equal(compareRuns(worse, base).regressions, 0); // lower bits per byte is better
  const failed = base.map((r) =>
    makeFailedRow("oom", "Out of memory", { model: "ramba", task: "lm_bpb", sample: r.sample })
  );
  const gone = compareRuns(base, failed).cells[0].changes.find((m) => m.metric === "bpb")!;
  assert.ok(gone.regression);
  assert.match(gone.note, /no scored row now: 2 oom/);
});

Deno.test("incompatibility names different schema and generator versions", () => {
  const info = makeRunInfo();
  assert.equal(incompatibility({ info, rows: [makeRow()] }, { info, rows: [makeRow()] }), null);
  assert.match(
    incompatibility({ info: { schema_version: 0 }, rows: [] }, { info, rows: [] })!,
    /^BASE has schema_version 0 and CURRENT has 1: .*Re-run BASE/,
  );
  assert.match(
    incompatibility({ info, rows: [makeRow({ generator_version: 1 })] }, {
      info,
      rows: [makeRow({ generator_version: 2 })],
    })!,
    /^Different task generators \(task passkey: generator_version 1 in BASE, 2 in CURRENT\): the prompts differ/,
  );
  // A task only one run has is no clash.
  assert.equal(
    incompatibility({ info, rows: [makeRow({ task: "kv", generator_version: 7 })] }, {
      info,
      rows: [makeRow()],
    }),
    null,
  );
});

Deno.test("compare printers show the verdict and escape hostile names", () => {
  const base = [makeRow({ model: HOSTILE }), makeRow({ model: HOSTILE, sample: 1 })];
  const current = [makeRow({ model: HOSTILE }), makeRow({ model: HOSTILE, sample: 1, correct: false })];
  const c = compareRuns(base, current);
  const runs = [{ dir: "runs/a", info: makeRunInfo({ run_id: HOSTILE }) }, {
    dir: "runs/b",
    info: makeRunInfo(),
  }] as const;
  const html = renderCompareHtml(c, ...runs);
  assert.ok(!html.includes(HOSTILE) && !/<img/i.test(html) && !/<script/i.test(html));
  assert.ok(html.includes("FAIL: 1 regression over 1 cells"));
  assert.ok(html.includes('<span class="regression">1.00 → 0.50 (−50.0 pts)</span>'));
  const md = renderCompareMarkdown(c, ...runs);
  assert.match(
    md,
    /^\*\*FAIL\*\*: 1 regression over 1 cells \(thresholds: accuracy −5 points, bits per byte \+0\.05, time \+10%, memory \+10%\)\.$/m,
  );
  assert.match(md, /⚠ 1\.00 → 0\.50 \(−50\.0 pts\)/);
  assert.match(
    renderCompareMarkdown(compareRuns(base, base), ...runs),
    /^\*\*PASS\*\*: no regression over 1 cells/m,
  );
});

async function runFolder(info: RunInfo, rows: ResultRow[]): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "compare_test_" });
  await Deno.writeTextFile(`${dir}/run.json`, JSON.stringify(info));
  await Deno.writeTextFile(`${dir}/results.jsonl`, rows.map((r) => JSON.stringify(r) + "\n").join(""));
  return dir;
}

Deno.test("deno task compare: passes on identical runs, fails on injected regressions, writes both files", async () => {
  const { info, rows } = syntheticRun();
  const base = await runFolder(info, rows);
  const same = await runFolder(info, rows);
  const dropped = await runFolder(
    info,
    edited((r) => RAMBA_4K(r) && r.sample < 2, () => ({ correct: false })),
  );
  const slower = await runFolder(
    info,
    edited(
      () => true,
      (r) => ({
        prefill_tokens_per_s: r.prefill_tokens_per_s === null ? null : r.prefill_tokens_per_s / 1.2,
      }),
    ),
  );
  const out = await Deno.makeTempDir({ prefix: "compare_out_" });
  try {
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    assert.equal(await compareMain([base, same], log), EXIT.pass);
    assert.match(
      lines.at(-1)!,
      /^PASS: no regression over 32 cells\. Wrote .*compare\.html and .*compare\.md$/,
    );
    for (const file of ["compare.html", "compare.md"]) assert.ok((await Deno.stat(`${same}/${file}`)).isFile);

    lines.length = 0;
    assert.equal(await compareMain([base, dropped, "--out", out], log), EXIT.regression);
    assert.deepEqual(lines.filter((l) => l.startsWith("REGRESSION")), [
      "REGRESSION ramba · reference · f32 · passkey · 4K: greedy accuracy 1.00 → 0.50 (−50.0 pts)",
    ]);
    assert.match(await Deno.readTextFile(`${out}/compare.md`), /\*\*FAIL\*\*: 1 regression/);
    assert.ok((await Deno.readTextFile(`${out}/compare.html`)).includes("FAIL: 1 regression"));
    await assert.rejects(Deno.stat(`${dropped}/compare.md`), Deno.errors.NotFound); // --out, not CURRENT

    lines.length = 0;
    assert.equal(await compareMain([base, slower], log), EXIT.regression);
    assert.equal(lines.filter((l) => / prefill tok\/s .*\(time \+20\.0%\)$/.test(l)).length, 29); // 32 cells less three with no ok row
    assert.equal(await compareMain([base, slower, "--time-rise", "25"], log), EXIT.pass);
  } finally {
    for (const dir of [base, same, dropped, slower, out]) await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task compare: refuses other schema or generator versions and bad input with exit 2", async () => {
  const { info, rows } = syntheticRun();
  const base = await runFolder(info, rows);
  const oldSchema = await runFolder(
    { ...info, schema_version: 0 },
    rows.map((r) => ({ ...r, schema_version: 0 })),
  );
  const newGenerator = await runFolder(info, rows.map((r) => ({ ...r, generator_version: 2 })));
  try {
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    assert.equal(await compareMain([oldSchema, base], log), EXIT.cannotCompare);
    assert.match(lines.at(-1)!, /^Cannot compare .*: BASE has schema_version 0 and CURRENT has 1/);
    assert.equal(await compareMain([base, newGenerator], log), EXIT.cannotCompare);
    assert.match(lines.at(-1)!, /task passkey: generator_version 1 in BASE, 2 in CURRENT/);
    assert.equal(await compareMain([base, `${base}/missing`], log), EXIT.cannotCompare);
    assert.match(lines.at(-1)!, /Missing .*missing\/run\.json: not a run folder\?/);
    assert.equal(await compareMain([base], log), EXIT.cannotCompare);
    assert.match(lines.at(-1)!, /expected two run folders/);
    assert.equal(await compareMain([base, base, "--time-rise", "fast"], log), EXIT.cannotCompare);
    assert.match(lines.at(-1)!, /--time-rise: "fast" is not a number ≥ 0/);
    assert.equal(await compareMain([base, base, "--bogus"], log), EXIT.cannotCompare);
  } finally {
    for (const dir of [base, oldSchema, newGenerator]) await Deno.remove(dir, { recursive: true });
  }
});
