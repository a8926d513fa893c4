// Tests of failures.ts: folding of non-ok rows and their order.

import assert from "node:assert/strict";
import { groupFailures } from "./failures.ts";
import { makeFailedRow, makeRow } from "./testdata/synthetic.ts";

Deno.test("groupFailures folds equal failures and orders by status", () => {
  const rows = [
    makeRow(),
    makeFailedRow("timeout", "Cell exceeded 600 s", { model: "mamba2" }),
    makeFailedRow("oom", "Out of memory", { model: "transformer", sample: 0 }),
    makeFailedRow("oom", "Out of memory", { model: "transformer", sample: 1 }),
    makeFailedRow("oom", "Out of memory at 2 GiB", { model: "transformer", sample: 2 }),
  ];
  const folded = groupFailures(rows).map((f) => [f.status, f.model, f.message, f.count]);
  assert.deepEqual(folded, [
    ["oom", "transformer", "Out of memory", 2],
    ["oom", "transformer", "Out of memory at 2 GiB", 1],
    ["timeout", "mamba2", "Cell exceeded 600 s", 1],
  ]);
});

Deno.test("groupFailures of ok rows only is empty", () => {
  assert.deepEqual(groupFailures([makeRow(), makeRow({ sample: 1 })]), []);
});
