// Tests of assets.ts: the UMD builds of Chart.js and its matrix plugin are found and inlinable.

import assert from "node:assert/strict";
import { loadAssets } from "./assets.ts";

Deno.test("loadAssets finds the Chart.js and matrix plugin UMD builds and the report script", async () => {
  const { chartJs, matrixJs, client } = await loadAssets();
  assert.match(chartJs, /^\/\*!\n \* Chart\.js v4\./);
  assert.ok(chartJs.includes(".Chart=e()"), "UMD build defines the Chart global");
  assert.ok(!chartJs.includes("sourceMappingURL"), "source-map comment dropped");
  assert.match(matrixJs, /^\/\*!\n \* chartjs-chart-matrix v3\.1\.0/);
  assert.ok(matrixJs.includes(".Chart.register("), "UMD build registers itself on the Chart global");
  assert.ok(!matrixJs.includes("sourceMappingURL"), "source-map comment dropped");
  assert.ok(client.includes('getElementById("report-data")'));
});
