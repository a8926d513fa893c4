/**
 * Printers over a run folder (results.jsonl + run.json): results.csv, summary.md and a
 * self-contained index.html. `renderReport(dir)` writes all three; `compareMain` (behind
 * `deno task compare BASE CURRENT`) compares two run folders.
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
export { agreement, type AgreementPair, divergence } from "./agreement.ts";
export { loadAssets, type ReportAssets } from "./assets.ts";
export { type ChartData, chartData, type ChartPoint, type ChartSeries, variantLabel } from "./chart_data.ts";
export {
  type CellComparison,
  compareRuns,
  type CompareThresholds,
  type Comparison,
  DEFAULT_THRESHOLDS,
  incompatibility,
  type Metric,
  type MetricChange,
} from "./compare.ts";
export { compareMain, EXIT } from "./compare_cli.ts";
export { renderCompareHtml } from "./compare_html.ts";
export { type ComparedRun, renderCompareMarkdown } from "./compare_markdown.ts";
export { CSV_COLUMNS, toCsv } from "./csv.ts";
export { escapeHtml, jsonForScript } from "./escape.ts";
export { type FailureGroup, groupFailures } from "./failures.ts";
export {
  headline,
  HEADLINE_LENGTHS,
  HEADLINE_RULE,
  type HeadlineCost,
  type HeadlineOptions,
  type HeadlineRow,
} from "./headline.ts";
export { type Heatmap, type HeatmapCell, heatmapData } from "./heatmap.ts";
export { renderHtml, type ReportData, reportData } from "./html.ts";
export { type LoadedRun, loadRun, parseResults, parseRunInfo } from "./load.ts";
export { renderReport } from "./render.ts";
export { renderSummary } from "./summary.ts";
