/**
 * The data behind the report's charts: one series per model × backend × dtype (× task when the run
 * has several), a point per requested length. Colour follows the model, dash and marker the
 * backend/dtype, so a reader can tell both apart at a glance.
 *
 * @module
 */

import { type Group, partialCreditTasks } from "./aggregate.ts";
import { formatLength, statusTally } from "./format.ts";

/** Colours by model (tab10, reordered so neighbours contrast). */
const COLORS = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#ff7f0e",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#17becf",
  "#7f7f7f",
  "#bcbd22",
];
/** Dash patterns by backend/dtype. */
const DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3]];
/** Chart.js point styles by backend/dtype. */
const POINT_STYLES = ["circle", "rect", "triangle", "rectRot", "star", "crossRot"];

/** One point of a series: the group's values at one length. */
export interface ChartPoint {
  /** Requested context length (tokens): the x value. */
  length: number;
  /** Greedy exact-match rate; null when no ok row was scored. */
  accuracy: number | null;
  /** Wilson 95% lower bound of the greedy rate. */
  lower: number | null;
  /** Wilson 95% upper bound of the greedy rate. */
  upper: number | null;
  /** Greedy rows correct. */
  k: number;
  /** Greedy rows scored. */
  n: number;
  /** Mean greedy partial credit; null when no ok row has a score. */
  score: number | null;
  /** Ok rows with a score. */
  score_n: number;
  /** Median prefill tokens/s; null when no ok row measured it. */
  prefill_tokens_per_s: number | null;
  /** Median greedy decode time per token, ms. */
  decode_ms_per_token: number | null;
  /** Largest peak of the backend's own allocator, bytes. */
  peak_device_bytes: number | null;
  /** Largest peak resident set size of the process, bytes. */
  peak_host_bytes: number | null;
  /** Non-ok rows at this point, e.g. "4 oom"; empty when none. */
  failures: string;
}

/** One line in each chart. */
export interface ChartSeries {
  /** "model · backend · dtype", with " · task" when the run has several tasks. */
  label: string;
  /** Line and point colour (CSS). */
  color: string;
  /** Canvas line dash pattern; empty for solid. */
  dash: number[];
  /** Chart.js point style. */
  point_style: string;
  /**
   * Hollow, larger markers (every other backend/dtype), so that a variant whose values equal another's
   * stays visible around it instead of hidden under it.
   */
  hollow: boolean;
  /** The series' task gives partial credit beyond exact match: it is drawn in the mean-score chart too. */
  partial_credit: boolean;
  /** One point per length the group has, ascending. */
  points: ChartPoint[];
}

/** Everything the report's script needs to draw the charts. */
export interface ChartData {
  /** Every requested length, ascending: the x ticks. */
  lengths: number[];
  /** Tick label per length, e.g. { "4096": "4K" }. */
  length_labels: Record<string, string>;
  /** One series per model × backend × dtype (× task). */
  series: ChartSeries[];
}

/**
 * Builds the chart data from aggregated groups (as sorted by `aggregate`).
 *
 * @example
 * ```ts
 * const data = chartData(aggregate(rows));
 * ```
 */
export function chartData(groups: readonly Group[]): ChartData {
  const lengths = [...new Set(groups.map((g) => g.length))].sort((a, b) => a - b);
  const severalTasks = new Set(groups.map((g) => g.task)).size > 1;
  const models = [...new Set(groups.map((g) => g.model))];
  const variants = [...new Set(groups.map((g) => `${g.backend} · ${g.dtype}`))];
  const partial = partialCreditTasks(groups);
  const byLabel = new Map<string, ChartSeries>();
  for (const g of groups) {
    const variant = `${g.backend} · ${g.dtype}`;
    const label = variantLabel(g, severalTasks);
    let series = byLabel.get(label);
    if (!series) {
      const v = variants.indexOf(variant);
      series = {
        label,
        color: COLORS[models.indexOf(g.model) % COLORS.length],
        dash: DASHES[v % DASHES.length],
        point_style: POINT_STYLES[v % POINT_STYLES.length],
        hollow: v % 2 === 1,
        partial_credit: partial.has(g.task),
        points: [],
      };
      byLabel.set(label, series);
    }
    series.points.push({
      length: g.length,
      accuracy: g.greedy.rate,
      lower: g.greedy.interval?.lower ?? null,
      upper: g.greedy.interval?.upper ?? null,
      k: g.greedy.k,
      n: g.greedy.n,
      score: g.score.mean,
      score_n: g.score.n,
      prefill_tokens_per_s: g.prefill_tokens_per_s_median,
      decode_ms_per_token: g.decode_ms_per_token_median,
      peak_device_bytes: g.peak_device_bytes_max,
      peak_host_bytes: g.peak_host_bytes_max,
      failures: statusTally(g.status_counts),
    });
  }
  for (const series of byLabel.values()) series.points.sort((a, b) => a.length - b.length);
  return {
    lengths,
    length_labels: Object.fromEntries(lengths.map((l) => [String(l), formatLength(l)])),
    series: [...byLabel.values()],
  };
}

/**
 * The name of a line (and of a heatmap): "model · backend · dtype", with " · task" when the run has
 * several tasks.
 *
 * @example
 * ```ts
 * variantLabel({ model: "ramba", backend: "reference", dtype: "f64", task: "passkey" }, false);
 * // "ramba · reference · f64"
 * ```
 */
export function variantLabel(
  v: { model: string; backend: string; dtype: string; task: string },
  severalTasks: boolean,
): string {
  return `${v.model} · ${v.backend} · ${v.dtype}${severalTasks ? ` · ${v.task}` : ""}`;
}
