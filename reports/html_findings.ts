/**
 * The HTML report's sections that answer "which model retrieves at which length, at what cost, on
 * which backend": the headline table, the accuracy heatmaps' frames (the script draws them), the
 * line charts' frames (with the mean-score and bits-per-byte charts where the run has such tasks) and
 * backend agreement. Every string from the run is escaped here.
 *
 * @module
 */

import type { AgreementPair } from "./agreement.ts";
import { escapeHtml } from "./escape.ts";
import { formatBytes, formatCompact, formatLength, formatPercent } from "./format.ts";
import { HEADLINE_RULE, type HeadlineCost, type HeadlineRow } from "./headline.ts";
import type { Heatmap } from "./heatmap.ts";
import { type Cell, htmlTable, raw } from "./html_table.ts";
import { section } from "./html_sections.ts";

/** Status colours of the heatmap cells that have no ok row (html_client.js reads them from the data). */
export const STATUS_COLORS = {
  oom: "#7b3294",
  timeout: "#e66101",
  error: "#b2182b",
  unsupported: "#8c8c8c",
  skipped: "#cccccc",
} as const;

/** Accuracy colour stops of the heatmaps (YlGnBu): 0% pale yellow to 100% dark blue, away from every status colour. */
export const ACCURACY_SCALE: readonly (readonly [number, number, number])[] = [
  [255, 255, 217],
  [199, 233, 180],
  [65, 182, 196],
  [34, 94, 168],
  [8, 29, 88],
];

/** The line charts, in page order: canvas id, section id, title. */
export const LINE_CHARTS = [
  { id: "chart-accuracy", section: "accuracy", title: "Accuracy vs length" },
  { id: "chart-prefill", section: "prefill", title: "Prefill throughput vs length" },
  { id: "chart-decode", section: "decode", title: "Decode time per token vs length" },
  { id: "chart-memory-device", section: "memory", title: "Peak memory vs length" },
  { id: "chart-memory-host", section: "memory", title: "Peak memory vs length" },
] as const;

/** Per model × backend × dtype × task: the longest passing length and the cost at 4K, 1M, longest. */
export function headlineSection(rows: readonly HeadlineRow[]): string {
  if (rows.length === 0) return section("headline", "Headline", "<p>No answer-scored task in this run.</p>");
  const body: Cell[][] = rows.map((h) => [
    h.model,
    h.backend,
    h.dtype,
    h.task,
    raw(
      h.longest_passing === null
        ? '<span class="no">none</span>'
        : `<b>${escapeHtml(formatLength(h.longest_passing))}</b>`,
    ),
    h.stop_reason === "" ? "every length passes" : h.stop_reason,
    ...h.costs.map((c, i) => costCell(c, i === h.costs.length - 1)),
  ]);
  const header = [
    "model",
    "backend",
    "dtype",
    "task",
    "longest passing",
    "stops at",
    "at 4K",
    "at 1M",
    "at longest run",
  ];
  const note = `<p class="note">Longest passing: the longest length whose greedy accuracy has a Wilson 95% ` +
    `lower bound ≥ ${HEADLINE_RULE.lower} over n ≥ ${HEADLINE_RULE.minRows} scored rows, every shorter ` +
    "length run passing too. Cost: median prefill tokens/s, largest peak of the backend's allocator " +
    "(dev) and of the process RSS (host).</p>";
  return section("headline", "Headline", `${note}\n${htmlTable(header, body, { numeric: [4, 6, 7, 8] })}`);
}

/** Median prefill tokens/s and peaks at one length; `named` prefixes the length (the longest run's). */
function costCell(c: HeadlineCost, named: boolean): Cell {
  const at = named ? `<span class="note">${escapeHtml(formatLength(c.length))}</span> ` : "";
  if (!c.run) return raw('<span class="note">not run</span>');
  const failures = c.failures === "" ? "" : `<br><span class="not-ok">${escapeHtml(c.failures)}</span>`;
  if (c.prefill_tokens_per_s === null && c.peak_device_bytes === null) {
    return raw(`${at}${failures === "" ? "–" : failures.slice("<br>".length)}`);
  }
  return raw(
    `${at}${escapeHtml(formatCompact(c.prefill_tokens_per_s))} tok/s<br>` +
      `dev ${escapeHtml(formatBytes(c.peak_device_bytes))} · host ${
        escapeHtml(formatBytes(c.peak_host_bytes))
      }` +
      failures,
  );
}

/** Frames for the heatmaps (one canvas each) and the colour legend; html_client.js draws them. */
export function heatmapSection(heatmaps: readonly Heatmap[]): string {
  if (heatmaps.length === 0) {
    return section("heatmaps", "Accuracy by depth and length", "<p>No answer-scored task in this run.</p>");
  }
  const frames = heatmaps.map((h, i) => {
    const height = Math.min(640, 110 + 34 * h.depths.length);
    return `<div class="heatmap" style="height: ${height}px"><canvas id="heatmap-${i}" aria-label="${
      escapeHtml(`Accuracy heatmap ${h.label}`)
    }"></canvas></div>`;
  });
  const swatch = (color: string, text: string) =>
    `<span><span class="swatch" style="background: ${color}"></span>${escapeHtml(text)}</span>`;
  const legend = [
    swatch(
      `linear-gradient(90deg, ${ACCURACY_SCALE.map((c) => `rgb(${c.join(",")})`).join(", ")})`,
      "greedy accuracy 0% → 100%",
    ),
    ...Object.entries(STATUS_COLORS).map(([status, color]) => swatch(color, `${status} (no ok row)`)),
  ].join(" ");
  // A model's variants side by side (up to four a row), so that backends and precisions line up; a
  // sweep of many lengths gets a whole row per map, so that its cells stay readable.
  const perModel = Math.max(...countBy(heatmaps.map((h) => h.model)).values(), 1);
  const wide = Math.max(0, ...heatmaps.map((h) => h.lengths.length)) > 8;
  const columns = wide ? 1 : Math.min(4, perModel);
  const note = '<p class="note">Depth (needle position, 0 = start) × requested length, one map per ' +
    "model × backend × dtype (none for likelihood-scored tasks). Hover a cell for its counts, its mean " +
    "score where it gives partial credit, and the messages of its non-ok rows.</p>";
  return section(
    "heatmaps",
    "Accuracy by depth and length",
    `${note}\n<p class="legend">${legend}</p>\n<div class="heatmaps" style="${
      wide || columns > 1 ? `grid-template-columns: repeat(${columns}, minmax(0, 1fr))` : ""
    }">\n${frames.join("\n")}\n</div>`,
  );
}

/** Which optional charts {@link lineChartSections} draws. */
export interface LineChartOptions {
  /** The run has an answer-scored task: the accuracy chart. */
  accuracy: boolean;
  /** A task gives partial credit beyond exact match: the mean-score chart (chart-score). */
  score: boolean;
  /** A likelihood-scored task has ok rows: the bits-per-byte section (chart-bpb) after accuracy. */
  bpb: boolean;
}

/**
 * The line chart sections: accuracy (and mean score), bits per byte by position, prefill, decode, and
 * peak memory (device, then host).
 */
export function lineChartSections(options: LineChartOptions): string {
  const note = '<p class="note">Lines: one per model × backend × dtype (colour: model; dash and marker: ' +
    "backend/dtype); a gap means no ok row at that length (see Non-ok rows); a variant without any value " +
    "is left out of a chart. Log-scale length axis.</p>";
  const canvas = (id: string) => `<div class="chart"><canvas id="${id}"></canvas></div>`;
  const ids = [...new Set(LINE_CHARTS.map((c) => c.section))];
  return ids.map((id) => {
    const charts = LINE_CHARTS.filter((c) => c.section === id);
    if (id !== "accuracy") return section(id, charts[0].title, charts.map((c) => canvas(c.id)).join(""));
    const score = options.score
      ? '\n<p class="note">Mean score (tasks with partial credit only): the share of the answer\'s values ' +
        "the greedy output names, order-insensitive, averaged over the ok rows.</p>\n" + canvas("chart-score")
      : "";
    const body = options.accuracy
      ? `${note}\n${canvas("chart-accuracy")}${score}`
      : "<p>No answer-scored task in this run.</p>";
    return section(id, charts[0].title, body) + (options.bpb ? `\n${bpbSection()}` : "");
  }).join("\n");
}

/** The bits-per-byte chart's frame: bpb against prompt position, a line per model × backend × dtype. */
function bpbSection(): string {
  const note = '<p class="note">Likelihood-scored tasks (lm_bpb): bits per byte of the prompt by position ' +
    "of the scored byte, in power-of-two buckets (a point at the middle of its bucket), pooled over every " +
    "length and sample and weighted by bytes. Log-scale position axis; ticks at the bucket bounds.</p>";
  return section(
    "bpb",
    "Bits per byte by position",
    `${note}\n<div class="chart"><canvas id="chart-bpb"></canvas></div>`,
  );
}

/** Per model, each pair of backend × dtype variants over the samples both ran ok. */
export function agreementSection(pairs: readonly AgreementPair[]): string {
  if (pairs.length === 0) {
    return section(
      "agreement",
      "Backend agreement",
      "<p>No model ran the same samples on two backends or precisions.</p>",
    );
  }
  const body: Cell[][] = pairs.map((p) => [
    p.model,
    p.a,
    p.b,
    p.samples,
    p.identical_fraction === null
      ? "–"
      : `${formatPercent(p.identical_fraction)} (${p.identical}/${p.samples})`,
    withTitle(p.first_divergence === null ? "none" : String(p.first_divergence), p.first_divergence_sample),
    p.positions === 0
      ? "–"
      : `${formatPercent(p.argmax_agree / p.positions)} (${p.argmax_agree}/${p.positions})`,
    withTitle(p.max_logit_diff === null ? "–" : formatSmall(p.max_logit_diff), p.max_logit_diff_sample),
  ]);
  const header = [
    "model",
    "variant a",
    "variant b",
    "shared samples",
    "identical outputs",
    "first divergent position",
    "argmax agrees",
    "max |Δ logit|",
  ];
  const note = '<p class="note">Rows of one model (same weights) with the same sample_key, both ok. ' +
    "First divergent position: the earliest answer token (0 = first) at which two greedy outputs differ. " +
    "Argmax agrees: answer positions whose teacher-forced argmax token is the same. Max |Δ logit|: the " +
    "largest difference of the expected token's logit or of logsumexp. Hover for the sample.</p>";
  return section(
    "agreement",
    "Backend agreement",
    `${note}\n${htmlTable(header, body, { numeric: [3, 4, 5, 6, 7] })}`,
  );
}

/** Three significant digits; exponent notation below 0.001 (logit differences span many decades). */
function formatSmall(value: number): string {
  return value !== 0 && Math.abs(value) < 1e-3
    ? value.toExponential(2)
    : String(Number(value.toPrecision(3)));
}

function withTitle(text: string, title: string | null): Cell {
  if (title === null) return text;
  return raw(`<span title="${escapeHtml(title)}">${escapeHtml(text)}</span>`);
}

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
