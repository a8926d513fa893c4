// Tests of html.ts: sections present, chart data in a JSON block, and hostile text from every input
// (rows and run.json) escaped so that none of it becomes markup.

import assert from "node:assert/strict";
import type { ReportAssets } from "./assets.ts";
import { renderHtml } from "./html.ts";
import { HOSTILE, makeFailedRow, makeRow, makeRunInfo, syntheticRun } from "./testdata/synthetic.ts";

/** Stand-ins for the inlined scripts: the page structure is what is tested here. */
const ASSETS: ReportAssets = { chartJs: "/* Chart.js stand-in */", client: "/* client stand-in */" };
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
    makeRow({ ...everywhere, sample: 1, output: `${ATTRIBUTE_BREAK}${"y".repeat(200)}` }),
    makeFailedRow("error", HOSTILE, { ...everywhere, sample: 2 }),
    makeFailedRow("oom", `${ATTRIBUTE_BREAK}${"z".repeat(200)}${HOSTILE}`, { ...everywhere, sample: 3 }),
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

Deno.test("renderHtml has every section and the chart canvases", () => {
  const html = renderHtml(syntheticRun(), ASSETS);
  assert.match(html, /^<!DOCTYPE html>/);
  for (const id of ["accuracy", "prefill", "results", "failures", "rows", "ops", "config"]) {
    assert.ok(html.includes(`<section id="${id}">`), `section ${id}`);
  }
  assert.ok(html.includes('<canvas id="chart-accuracy">') && html.includes('<canvas id="chart-prefill">'));
  assert.ok(html.includes("<h1>Run 2025-01-01T00-00-00Z-test</h1>"));
  assert.ok(html.includes("0123456789abcdef0123456789abcdef01234567 (git)"));
  assert.ok(html.includes(ASSETS.chartJs) && html.includes(ASSETS.client));
});

Deno.test("renderHtml puts the chart data in a JSON block the script can parse", () => {
  const html = renderHtml(syntheticRun(), ASSETS);
  const block = html.match(/<script type="application\/json" id="report-data">(.*?)<\/script>/s);
  assert.ok(block, "JSON block");
  const data = JSON.parse(block[1]);
  assert.equal(data.series.length, 8);
});

Deno.test("renderHtml escapes hostile text from rows and run.json everywhere", () => {
  const html = renderHtml(hostileRun(), ASSETS);
  assert.ok(!html.includes(HOSTILE), "raw hostile string present");
  assert.ok(!/<img/i.test(html), "an <img> tag got through");
  assert.ok(!html.includes(ATTRIBUTE_BREAK), "an attribute break got through");
  // Exactly our three script blocks open and close.
  assert.equal(html.match(/<script/gi)?.length, 3);
  assert.equal(html.match(/<\/script/gi)?.length, 3);
  // The text is still there, escaped, for a reader.
  assert.ok(html.includes("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
  // The chart data still round-trips the hostile label.
  const block = html.match(/<script type="application\/json" id="report-data">(.*?)<\/script>/s)!;
  assert.ok(JSON.parse(block[1]).series[0].label.startsWith(HOSTILE));
});

Deno.test("renderHtml refuses a script that would close its own block", () => {
  assert.throws(
    () => renderHtml(syntheticRun(), { ...ASSETS, chartJs: "x = '</script>'" }),
    /Cannot inline Chart\.js/,
  );
});
