// Tests of html.ts: sections present, chart data in a JSON block, the mean-score and bits-per-byte
// views of tasks that need them, and hostile text from every input (rows and run.json) escaped so that
// none of it becomes markup.

import assert from "node:assert/strict";
import { loadAssets, type ReportAssets } from "./assets.ts";
import { renderHtml, type ReportData } from "./html.ts";
import {
  HOSTILE,
  makeBpbRow,
  makeFailedRow,
  makeRow,
  makeRunInfo,
  SYNTHETIC_MODELS,
  SYNTHETIC_VARIANTS,
  syntheticRun,
  syntheticTaskRun,
} from "./testdata/synthetic.ts";

/** Stand-ins for the inlined scripts: the page structure is what is tested here. */
const ASSETS: ReportAssets = {
  chartJs: "/* Chart.js stand-in */",
  matrixJs: "/* matrix plugin stand-in */",
  client: "/* client stand-in */",
};

function reportData(html: string): ReportData {
  const block = html.match(/<script type="application\/json" id="report-data">(.*?)<\/script>/s);
  assert.ok(block, "JSON block");
  return JSON.parse(block[1]);
}
/** Breaks out of a double-quoted attribute. */
const ATTRIBUTE_BREAK = `" onmouseover="alert(2)" x="`;

function hostileRun() {
  const everywhere = {
    model: HOSTILE,
    backend: HOSTILE,
    dtype: HOSTILE,
    task: HOSTILE,
    expected: HOSTILE,
  };
  const rows = [
    makeRow({ ...everywhere, output: HOSTILE, correct: false }),
    // The same sample on a second (hostile) dtype: an agreement row whose every name is hostile.
    makeRow({ ...everywhere, dtype: `${HOSTILE}2`, output: "12345" }),
    makeRow({ ...everywhere, sample: 1, output: `${ATTRIBUTE_BREAK}${"y".repeat(200)}` }),
    makeFailedRow("error", HOSTILE, { ...everywhere, sample: 2 }),
    makeFailedRow("oom", `${ATTRIBUTE_BREAK}${"z".repeat(200)}${HOSTILE}`, { ...everywhere, sample: 3 }),
    // Partial credit (a mean-score series) and a likelihood-scored task (a bits-per-byte curve).
    makeRow({ ...everywhere, sample: 4, output: HOSTILE, correct: false, score: 0.5 }),
    makeBpbRow({ ...everywhere, task: `${HOSTILE}bpb`, sample: 5 }),
  ];
  const info = makeRunInfo({
    run_id: HOSTILE,
    created_at: HOSTILE,
    config: { note: HOSTILE, [HOSTILE]: 1 },
    environment: { ...makeRunInfo().environment, cpu: HOSTILE, os: HOSTILE, devices: [HOSTILE] },
    op_support: { [HOSTILE]: { [HOSTILE]: true } },
    backends: { [HOSTILE]: { available: false, reason: HOSTILE } },
    commit: { sha: HOSTILE, dirty: true, source: "flag" },
  });
  return { info, rows };
}

Deno.test("renderHtml has every section, in order, and the chart canvases", () => {
  const html = renderHtml(syntheticRun(), ASSETS);
  assert.match(html, /^<!DOCTYPE html>/);
  const ids = [
    "headline",
    "heatmaps",
    "accuracy",
    "prefill",
    "decode",
    "memory",
    "agreement",
    "results",
    "failures",
    "rows",
    "ops",
    "config",
  ];
  const positions = ids.map((id) => html.indexOf(`<section id="${id}">`));
  for (const [i, id] of ids.entries()) assert.ok(positions[i] > 0, `section ${id}`);
  assert.deepEqual([...positions].sort((a, b) => a - b), positions, "sections in page order");
  for (const id of ["accuracy", "prefill", "decode", "memory-device", "memory-host"]) {
    assert.ok(html.includes(`<canvas id="chart-${id}">`), `canvas chart-${id}`);
  }
  for (let i = 0; i < 8; i++) assert.ok(html.includes(`<canvas id="heatmap-${i}"`), `canvas heatmap-${i}`);
  assert.ok(!html.includes('id="heatmap-8"'));
  assert.ok(html.includes("<h1>Run 2025-01-01T00-00-00Z-test</h1>"));
  assert.ok(html.includes("0123456789abcdef0123456789abcdef01234567"));
  for (const script of Object.values(ASSETS)) assert.ok(html.includes(script));
});

Deno.test("renderHtml puts the chart and heatmap data in a JSON block the script can parse", () => {
  const data = reportData(renderHtml(syntheticRun(), ASSETS));
  const expected = SYNTHETIC_MODELS.flatMap((m) =>
    SYNTHETIC_VARIANTS.map((v) => `${m} · ${v.backend} · ${v.dtype}`)
  ).sort();
  assert.deepEqual(data.series.map((s) => s.label).sort(), expected);
  assert.deepEqual(data.heatmaps.map((h) => h.label).sort(), expected);
  assert.deepEqual(Object.keys(data.status_colors), ["oom", "timeout", "error", "unsupported", "skipped"]);
  assert.equal(new Set(Object.values(data.status_colors)).size, 5, "a colour per status");
});

Deno.test("renderHtml's headline and agreement tables show the synthetic sweep's values", () => {
  const html = renderHtml(syntheticRun(), ASSETS);
  const headline = html.slice(
    html.indexOf('<section id="headline">'),
    html.indexOf('<section id="heatmaps">'),
  );
  // 4 models × 2 variants, none passes (4 rows per length < 20).
  assert.equal(headline.match(/<tr><td>/g)?.length, 8);
  assert.equal(headline.match(/4K: n = 4 &lt; 20/g)?.length, 8);
  const agreement = html.slice(
    html.indexOf('<section id="agreement">'),
    html.indexOf('<section id="results">'),
  );
  // ramba: 16 shared ok samples, 15 identical (one webgpu output is hostile).
  assert.match(
    agreement,
    /<td>ramba<\/td><td>reference · f32<\/td><td>webgpu · f16<\/td><td class="num">16<\/td>/,
  );
  assert.ok(agreement.includes("93.8% (15/16)"));
});

Deno.test("renderHtml notes variants that the rows hold but run.json's config does not", () => {
  const run = syntheticRun();
  run.info.config = { ...run.info.config, backends_resolved: { reference: "reference/f32" } };
  assert.match(
    renderHtml(run, ASSETS),
    /config is the last invocation's \(reference\/f32\); rows from earlier invocations into the same folder also ran webgpu\/f16/,
  );
});

Deno.test("renderHtml with the real scripts stays under 1.5 MB for a large sweep", async () => {
  // 4 models × 2 variants × 15 lengths (4K to 64M) × 4 samples, plus the real inlined scripts.
  const lengths = Array.from({ length: 15 }, (_, i) => 4096 * 2 ** i);
  const rows = SYNTHETIC_MODELS.flatMap((model) =>
    SYNTHETIC_VARIANTS.flatMap(({ backend, dtype }) =>
      lengths.flatMap((length_requested) =>
        [0, 1, 2, 3].map((sample) =>
          makeRow({ model, backend, dtype, length_requested, sample, depth: [0.25, 0.75][sample % 2] })
        )
      )
    )
  );
  const html = renderHtml({ info: makeRunInfo(), rows }, await loadAssets());
  const bytes = new TextEncoder().encode(html).length;
  assert.ok(bytes < 1.5e6, `index.html is ${bytes} bytes`);
});

Deno.test("renderHtml escapes hostile text from rows and run.json everywhere", () => {
  const html = renderHtml(hostileRun(), ASSETS);
  assert.ok(!html.includes(HOSTILE), "raw hostile string present");
  assert.ok(!/<img/i.test(html), "an <img> tag got through");
  assert.ok(!html.includes(ATTRIBUTE_BREAK), "an attribute break got through");
  // Exactly our four script blocks open and close.
  assert.equal(html.match(/<script/gi)?.length, 4);
  assert.equal(html.match(/<\/script/gi)?.length, 4);
  // The text is still there, escaped, for a reader.
  assert.ok(html.includes("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
  // The chart data still round-trips the hostile label and the heatmap's failure messages.
  const data = reportData(html);
  assert.ok(data.series[0].label.startsWith(HOSTILE));
  assert.ok(data.heatmaps[0].label.startsWith(HOSTILE));
  assert.ok(data.heatmaps.some((h) => h.cells.some((c) => c.messages.includes(`error: ${HOSTILE}`))));
  // The agreement table has the hostile pair, escaped.
  const agreement = html.slice(
    html.indexOf('<section id="agreement">'),
    html.indexOf('<section id="results">'),
  );
  assert.ok(agreement.includes("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;2"));
  // The mean-score and bits-per-byte views have the hostile names as data, not markup.
  assert.ok(html.includes('<canvas id="chart-score">') && html.includes('<canvas id="chart-bpb">'));
  assert.ok(data.series.some((s) => s.partial_credit && s.label.startsWith(HOSTILE)));
  assert.deepEqual(data.bpb_curves.map((c) => c.task), [`${HOSTILE}bpb`]);
});

Deno.test("renderHtml refuses a script that would close its own block", () => {
  assert.throws(
    () => renderHtml(syntheticRun(), { ...ASSETS, chartJs: "x = '</script>'" }),
    /Cannot inline Chart\.js/,
  );
});

Deno.test("renderHtml of a mixed-task run adds the mean-score chart and the bits-per-byte section", () => {
  const html = renderHtml(syntheticTaskRun(), ASSETS);
  const order = ["heatmaps", "accuracy", "bpb", "prefill"].map((id) => html.indexOf(`<section id="${id}">`));
  assert.ok(order.every((p, i) => p > 0 && (i === 0 || p > order[i - 1])), `section order ${order}`);
  const accuracy = html.slice(order[1], order[2]);
  assert.ok(
    accuracy.includes('<canvas id="chart-accuracy">') && accuracy.includes('<canvas id="chart-score">'),
  );
  assert.ok(html.slice(order[2], order[3]).includes('<canvas id="chart-bpb">'));
  // 4 heatmaps: niah_multivalue and passkey for each model; none for lm_bpb.
  assert.ok(html.includes('id="heatmap-3"') && !html.includes('id="heatmap-4"'));
  const data = reportData(html);
  assert.deepEqual(data.heatmaps.map((h) => h.label).filter((l) => l.includes("lm_bpb")), []);
  // Each curve is drawn like its variant's line series.
  assert.deepEqual(data.bpb_curves.map((c) => c.label), [
    "ramba · reference · f32 · lm_bpb",
    "transformer · reference · f32 · lm_bpb",
  ]);
  for (const c of data.bpb_curves) {
    const s = data.series.find((s) => s.label === c.label)!;
    assert.deepEqual([c.color, c.dash, c.point_style, c.hollow], [s.color, s.dash, s.point_style, s.hollow]);
  }
  assert.notEqual(data.bpb_curves[0].color, data.bpb_curves[1].color);
  assert.equal(data.bpb_ticks.at(-1)?.label, "64K");
  // Results by cell: bits per byte for lm_bpb, mean score for the others.
  const results = html.slice(html.indexOf('<section id="results">'), html.indexOf('<section id="failures">'));
  assert.match(
    results,
    /<th class="num">mean score<\/th><th class="num">chance<\/th><th class="num">bits\/byte<\/th>/,
  );
  assert.ok(results.includes('<td class="num">2.396 (n=4)</td>'));
  assert.ok(results.includes('<td class="num">0.63 (n=4)</td>'));
  // This run.json has no task table (written before it existed): every chance cell is "–".
  const chanceCells = results.split("<tr>").slice(2).map((r) =>
    [...r.matchAll(/<td[^>]*>(.*?)<\/td>/g)][12][1]
  );
  assert.ok(chanceCells.length > 0 && chanceCells.every((c) => c === "–"), chanceCells.join(","));
});

Deno.test("renderHtml's results table shows each task's chance level from run.json", () => {
  const run = syntheticTaskRun();
  run.info.tasks = {
    passkey: { description: "p", chance: { exact: 1 / 270000, score: 1 / 270000 } },
    niah_multivalue: { description: "m", chance: { exact: 1.5e-28, score: 4 / 9e6 } },
    lm_bpb: { description: "l", chance: null },
  };
  const html = renderHtml(run, ASSETS);
  const results = html.slice(html.indexOf('<section id="results">'), html.indexOf('<section id="failures">'));
  const chanceOf = (task: string) => {
    const row = results.split("<tr>").find((r) => r.includes(`<td>${task}</td>`))!;
    return [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1])[12];
  };
  assert.equal(chanceOf("passkey"), "3.7e-6");
  assert.equal(chanceOf("niah_multivalue"), "1.5e-28 / 4.4e-7");
  assert.equal(chanceOf("lm_bpb"), "–");
});

Deno.test("renderHtml of an exact-match run has no mean-score chart and no bits-per-byte section", () => {
  const html = renderHtml(syntheticRun(), ASSETS);
  assert.ok(!html.includes("chart-score") && !html.includes("chart-bpb") && !html.includes('id="bpb"'));
  assert.deepEqual(reportData(html).bpb_curves, []);
});

Deno.test("renderHtml of an lm_bpb-only run says there is no accuracy to show", () => {
  const html = renderHtml({ info: makeRunInfo(), rows: [makeBpbRow(), makeBpbRow({ sample: 1 })] }, ASSETS);
  for (const id of ["headline", "heatmaps", "accuracy"]) {
    const start = html.indexOf(`<section id="${id}">`);
    const body = html.slice(start, html.indexOf("</section>", start));
    assert.ok(body.includes("No answer-scored task in this run."), id);
    assert.ok(!body.includes("<canvas") && !body.includes("<table"), `${id}: no chart or table`);
  }
  assert.ok(html.includes('<canvas id="chart-bpb">'));
});
