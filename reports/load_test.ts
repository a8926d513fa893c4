// Tests of load.ts: torn last lines, corrupt lines and missing files, with errors naming the file.

import assert from "node:assert/strict";
import { loadRun, parseResults, parseRunInfo } from "./load.ts";
import { makeRow, makeRunInfo } from "./testdata/synthetic.ts";

const PATH = "runs/x/results.jsonl";
const lines = [makeRow({ sample: 0 }), makeRow({ sample: 1 }), makeRow({ sample: 2 })].map((r) =>
  JSON.stringify(r)
);

Deno.test("parseResults reads every complete line", () => {
  const rows = parseResults(lines.join("\n") + "\n", PATH);
  assert.deepEqual(rows.map((r) => r.sample), [0, 1, 2]);
});

Deno.test("parseResults drops a torn last line", () => {
  const torn = lines[2].slice(0, 40);
  assert.deepEqual(parseResults([lines[0], lines[1], torn].join("\n"), PATH).map((r) => r.sample), [0, 1]);
  // Torn, then a newline (or stray whitespace) after it: still the last line.
  assert.deepEqual(parseResults([lines[0], torn, ""].join("\n"), PATH).map((r) => r.sample), [0]);
});

Deno.test("parseResults rejects a corrupt line that is not the last, naming file and line", () => {
  const text = [lines[0], lines[1].slice(0, 40), lines[2]].join("\n");
  assert.throws(() => parseResults(text, PATH), (e: Error) => {
    assert.match(e.message, /^Corrupt runs\/x\/results\.jsonl line 2: /);
    return true;
  });
});

Deno.test("parseResults rejects a parsable line that is not a result row", () => {
  const text = [lines[0], JSON.stringify({ ...makeRow(), status: "exploded" }), lines[2]].join("\n");
  assert.throws(
    () => parseResults(text, PATH),
    /Corrupt runs\/x\/results\.jsonl line 2: "status" must be one of/,
  );
  const future = [JSON.stringify({ ...makeRow(), schema_version: 99 })].join("\n");
  assert.throws(
    () => parseResults(future, PATH),
    /Unsupported schema_version 99 in runs\/x\/results\.jsonl line 1/,
  );
});

Deno.test("parseResults skips blank lines and accepts an empty file", () => {
  assert.equal(parseResults([lines[0], "", "  ", lines[1]].join("\n"), PATH).length, 2);
  assert.deepEqual(parseResults("", PATH), []);
});

Deno.test("parseRunInfo names the file when run.json is corrupt", () => {
  assert.equal(parseRunInfo(JSON.stringify(makeRunInfo()), "d/run.json").run_id, makeRunInfo().run_id);
  assert.throws(() => parseRunInfo("{", "d/run.json"), /^Error: Corrupt d\/run\.json: /);
  assert.throws(() => parseRunInfo("[]", "d/run.json"), /Corrupt d\/run\.json: expected a JSON object/);
  const noConfig = { ...makeRunInfo(), config: null };
  assert.throws(() => parseRunInfo(JSON.stringify(noConfig), "d/run.json"), /"config" must be an object/);
});

Deno.test("loadRun reads a folder and names a missing file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "load_test_" });
  try {
    await assert.rejects(loadRun(dir), new RegExp(`^Error: Missing ${dir}/run\\.json`));
    await Deno.writeTextFile(`${dir}/run.json`, JSON.stringify(makeRunInfo()));
    await assert.rejects(loadRun(dir), new RegExp(`^Error: Missing ${dir}/results\\.jsonl`));
    await Deno.writeTextFile(`${dir}/results.jsonl`, lines.join("\n") + "\n" + lines[0].slice(0, 10));
    const run = await loadRun(dir);
    assert.equal(run.info.run_id, makeRunInfo().run_id);
    assert.equal(run.rows.length, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
