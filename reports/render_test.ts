// Tests of render.ts: a run folder in, results.csv, summary.md and index.html out.

import assert from "node:assert/strict";
import { CSV_COLUMNS } from "./csv.ts";
import { renderReport } from "./render.ts";
import { syntheticRun } from "./testdata/synthetic.ts";

Deno.test("renderReport writes the three printouts beside the inputs", async () => {
  const dir = await Deno.makeTempDir({ prefix: "render_test_" });
  try {
    const { info, rows } = syntheticRun();
    await Deno.writeTextFile(`${dir}/run.json`, JSON.stringify(info));
    // A torn last line, as a killed run leaves it.
    const jsonl = rows.map((r) => JSON.stringify(r) + "\n").join("") + JSON.stringify(rows[0]).slice(0, 30);
    await Deno.writeTextFile(`${dir}/results.jsonl`, jsonl);
    await renderReport(dir);

    const csv = await Deno.readTextFile(`${dir}/results.csv`);
    assert.ok(csv.startsWith(CSV_COLUMNS.join(",") + "\n"));
    assert.equal(csv.trimEnd().split("\n").length, rows.length + 1);
    assert.match(await Deno.readTextFile(`${dir}/summary.md`), new RegExp(`^# Run ${info.run_id}\n`));
    const html = await Deno.readTextFile(`${dir}/index.html`);
    assert.ok(html.includes("Chart.js v4.5.0"), "Chart.js inlined");
    assert.ok(!/(src|href)=["']?(https?:)?\/\//i.test(html), "no external reference");
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(left, ["index.html", "results.csv", "results.jsonl", "run.json", "summary.md"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renderReport names the missing input", async () => {
  const dir = await Deno.makeTempDir({ prefix: "render_test_" });
  try {
    await assert.rejects(renderReport(dir), new RegExp(`Missing ${dir}/run\\.json`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
