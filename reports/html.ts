/**
 * index.html: one self-contained page (Chart.js, its matrix plugin and the report script inlined, no
 * network, opens from file://): the headline, accuracy heatmaps, charts vs length (accuracy, mean score
 * where a task gives partial credit), bits per byte by position (likelihood tasks), backend agreement,
 * tables, op support, environment and config.
 *
 * @module
 */

import { agreement } from "./agreement.ts";
import { aggregate, likelihoodTasks, partialCreditTasks } from "./aggregate.ts";
import type { ReportAssets } from "./assets.ts";
import { type BpbCurve, bpbCurves, bpbTicks } from "./bpb_curve.ts";
import { type ChartData, chartData, type ChartSeries } from "./chart_data.ts";
import { escapeHtml, jsonForScript } from "./escape.ts";
import { headline } from "./headline.ts";
import { type Heatmap, heatmapData } from "./heatmap.ts";
import {
  ACCURACY_SCALE,
  agreementSection,
  headlineSection,
  heatmapSection,
  lineChartSections,
  STATUS_COLORS,
} from "./html_findings.ts";
import {
  configSection,
  failuresSection,
  headerSection,
  opSupportSection,
  resultsSection,
  rowsSection,
} from "./html_sections.ts";
import type { LoadedRun } from "./load.ts";

/** What the page's script reads from the JSON block #report-data. */
export interface ReportData extends ChartData {
  /** One heatmap per model × backend × dtype (× task), in the order of the canvases heatmap-0, 1, … */
  heatmaps: Heatmap[];
  /** Colours of the heatmap cells that have no ok row, by status. */
  status_colors: Record<string, string>;
  /** Accuracy colour stops (RGB) of the heatmaps, 0% first. */
  accuracy_scale: readonly (readonly number[])[];
  /** Bits per byte by prompt position (likelihood tasks), styled as the line series of the same label. */
  bpb_curves: (BpbCurve & SeriesStyle)[];
  /** Ticks of the bits-per-byte chart's position axis: the bucket bounds. */
  bpb_ticks: { value: number; label: string }[];
}

/** How a line is drawn. */
export type SeriesStyle = Pick<ChartSeries, "color" | "dash" | "point_style" | "hollow">;

/** The report's style sheet (compare.html uses it too). */
export const REPORT_CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; background: #fff;
  margin: 0 auto; padding: 1.5rem 2rem 3rem; max-width: 1400px; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; word-break: break-all; }
h2 { font-size: 1.15rem; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 1px solid #ddd; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; }
dl.meta dt { color: #666; } dl.meta dd { margin: 0; }
.chart { position: relative; height: 340px; min-width: 0; }
.chart + .chart { margin-top: 1.2rem; }
.heatmaps { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: .75rem 1rem; }
.heatmap { position: relative; min-width: 0; }
.legend { display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; align-items: center; margin: .3rem 0 .6rem; }
.swatch { display: inline-block; width: 1.6rem; height: .9rem; margin-right: .35rem; vertical-align: -2px;
  border: 1px solid #bbb; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: .25rem .5rem; border-bottom: 1px solid #e6e6e6; text-align: left; vertical-align: top; }
th { background: #f6f6f6; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:hover { background: #fafafa; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
code { white-space: pre-wrap; word-break: break-all; }
code.text { display: inline-block; min-width: 12ch; }
pre { background: #f6f6f6; padding: .8rem; overflow: auto; }
.table-wrap { overflow-x: auto; }
.yes { color: #2ca02c; } .no { color: #d62728; }
.status { font-weight: 600; } .not-ok, .status-oom, .status-error, .status-timeout { color: #d62728; }
.status-unsupported, .status-skipped { color: #8c564b; }
.note { color: #666; }
.warn { background: #fff3cd; border: 1px solid #e0b84c; padding: 6px 10px; font-weight: 600; }
`;

/**
 * The data of the JSON block: line series, heatmaps and their colours.
 *
 * @example
 * ```ts
 * const data = reportData(run);
 * console.log(data.series.length, data.heatmaps.length);
 * ```
 */
export function reportData(run: LoadedRun): ReportData {
  const charts = chartData(aggregate(run.rows));
  const severalTasks = new Set(run.rows.map((r) => r.task)).size > 1;
  const curves = bpbCurves(run.rows, severalTasks);
  // A curve's variant has a line series of the same label (it has ok rows); it takes that one's look.
  const bpb_curves = curves.map((c) => {
    const s = charts.series.find((s) => s.label === c.label);
    return {
      ...c,
      color: s?.color ?? "#333",
      dash: s?.dash ?? [],
      point_style: s?.point_style ?? "circle",
      hollow: s?.hollow ?? false,
    };
  });
  return {
    ...charts,
    heatmaps: heatmapData(run.rows),
    status_colors: { ...STATUS_COLORS },
    accuracy_scale: ACCURACY_SCALE,
    bpb_curves,
    bpb_ticks: bpbTicks(curves),
  };
}

/**
 * Renders index.html. `assets` holds the scripts to inline (see {@link loadAssets}).
 *
 * @example
 * ```ts
 * const html = renderHtml(await loadRun(dir), await loadAssets());
 * ```
 */
export function renderHtml(run: LoadedRun, assets: ReportAssets): string {
  const groups = aggregate(run.rows);
  const likelihood = likelihoodTasks(groups);
  const data = reportData(run);
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Belt and braces for "no network": the page may only run its inline scripts and styles.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; ` +
    `style-src 'unsafe-inline'; img-src data:">`,
    `<title>Run ${escapeHtml(run.info.run_id)}</title>`,
    `<style>${REPORT_CSS}</style>`,
    "</head>",
    "<body>",
    headerSection(run.info, run.rows),
    headlineSection(headline(groups)),
    heatmapSection(data.heatmaps),
    lineChartSections({
      accuracy: groups.some((g) => !likelihood.has(g.task)),
      score: partialCreditTasks(groups).size > 0,
      bpb: data.bpb_curves.length > 0,
    }),
    agreementSection(agreement(run.rows)),
    resultsSection(groups, run.info.tasks),
    failuresSection(run.rows),
    rowsSection(run.rows),
    opSupportSection(run.info),
    configSection(run.info, run.rows),
    `<script type="application/json" id="report-data">${jsonForScript(data)}</script>`,
    `<script>${inlineScript(assets.chartJs, "Chart.js")}</script>`,
    `<script>${inlineScript(assets.matrixJs, "chartjs-chart-matrix")}</script>`,
    `<script>${inlineScript(assets.client, "html_client.js")}</script>`,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** Our own scripts are trusted, but one that contained "</script" would end its block early. */
function inlineScript(source: string, name: string): string {
  if (/<\/script|<!--/i.test(source)) {
    throw new Error(`Cannot inline ${name}: it contains "</script" or "<!--"`);
  }
  return source;
}
