/**
 * Printers over a run folder (results.jsonl + run.json): results.csv, summary.md and a
 * self-contained index.html. `renderReport(dir)` writes all three.
 *
 * @example
 * ```ts
 * import { renderReport } from "./reports/mod.ts";
 * await renderReport("runs/2025-01-01T00-00-00Z");
 * ```
 *
 * @module
 */

export {
  type Accuracy,
  aggregate,
  compareGroups,
  type Group,
  type Interval,
  median,
  wilson,
} from "./aggregate.ts";
export { loadAssets, type ReportAssets } from "./assets.ts";
export { type ChartData, chartData, type ChartPoint, type ChartSeries } from "./chart_data.ts";
export { CSV_COLUMNS, toCsv } from "./csv.ts";
export { escapeHtml, jsonForScript } from "./escape.ts";
export { type FailureGroup, groupFailures } from "./failures.ts";
export { renderHtml } from "./html.ts";
export { type LoadedRun, loadRun, parseResults, parseRunInfo } from "./load.ts";
export { renderReport } from "./render.ts";
export { renderSummary } from "./summary.ts";
