// Tests of assets.ts: Chart.js's UMD build is found in node_modules and inlinable.

import assert from "node:assert/strict";
import { loadAssets } from "./assets.ts";

Deno.test("loadAssets finds Chart.js's UMD build and the report script", async () => {
  const { chartJs, client } = await loadAssets();
  assert.match(chartJs, /^\/\*!\n \* Chart\.js v4\./);
  assert.ok(chartJs.includes(".Chart=e()"), "UMD build defines the Chart global");
  assert.ok(!chartJs.includes("sourceMappingURL"), "source-map comment dropped");
  assert.ok(client.includes('getElementById("report-data")'));
});
