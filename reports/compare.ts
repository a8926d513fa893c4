/**
 * Comparison of two runs (BASE and CURRENT): per (model, backend, dtype, task, length) cell that both
 * ran, the change of greedy accuracy, bits per byte (lm_bpb), median prefill and decode time, and peak
 * device and host memory,
 * each judged against a threshold. Runs of different schema or task generator versions are refused:
 * their prompts or fields differ, so no number of one means the same in the other.
 *
 * @module
 */

import type { ResultRow, RunInfo } from "../runner/result.ts";
import { aggregate, compareGroups, type Group } from "./aggregate.ts";
import { formatLength, statusTally } from "./format.ts";

/** When a change counts as a regression. */
export interface CompareThresholds {
  /** Greedy accuracy may drop by at most this many percentage points. */
  accuracyDropPoints: number;
  /** Bits per byte (likelihood-scored tasks) may rise by at most this much. */
  bpbRiseBits: number;
  /** Median prefill time per token and decode ms/token may rise by at most this many percent. */
  timeRisePercent: number;
  /** Peak device and host memory may rise by at most this many percent. */
  memoryRisePercent: number;
}

/** The defaults: 5 points of accuracy, 0.05 bits per byte, 10% of time, 10% of memory. */
export const DEFAULT_THRESHOLDS: CompareThresholds = {
  accuracyDropPoints: 5,
  bpbRiseBits: 0.05,
  timeRisePercent: 10,
  memoryRisePercent: 10,
};

/** What is compared, in display order. */
export const METRICS = ["accuracy", "bpb", "prefill", "decode", "peak_device", "peak_host"] as const;
/** One compared quantity. */
export type Metric = typeof METRICS[number];

/** One metric of one cell, in both runs. */
export interface MetricChange {
  metric: Metric;
  /**
   * The value in each run: greedy rate (accuracy), bits per byte (bpb), median prefill tokens/s (prefill), median decode
   * ms/token (decode), largest peak bytes (peak_device, peak_host). Null when the run has none.
   */
  base: number | null;
  current: number | null;
  /**
   * accuracy: current − base in points (negative is a drop); bpb: current − base in bits per byte; otherwise
   * the relative rise of the cost
   * (prefill: of time per token, base/current − 1; others: current/base − 1). Null when either is null.
   */
  change: number | null;
  /** Beyond its threshold. */
  regression: boolean;
  /** Why a missing value counts, e.g. "no scored row now: 4 oom"; empty otherwise. */
  note: string;
}

/** A cell both runs ran. */
export interface CellComparison {
  model: string;
  backend: string;
  dtype: string;
  task: string;
  length: number;
  /** Scored rows (greedy) in each run. */
  n_base: number;
  n_current: number;
  /** One entry per metric, in METRICS order. */
  changes: MetricChange[];
}

/** The whole comparison. */
export interface Comparison {
  thresholds: CompareThresholds;
  cells: CellComparison[];
  /** Cells that only BASE ran, and only CURRENT ran ("model · backend · dtype · task · length"). */
  only_base: string[];
  only_current: string[];
  /** Metrics beyond their threshold, over all cells. */
  regressions: number;
}

/**
 * Compares the aggregated cells of two runs.
 *
 * @example
 * ```ts
 * const c = compareRuns(base.rows, current.rows);
 * if (c.regressions > 0) Deno.exit(1);
 * ```
 */
export function compareRuns(
  base: readonly ResultRow[],
  current: readonly ResultRow[],
  thresholds: CompareThresholds = DEFAULT_THRESHOLDS,
): Comparison {
  const key = (g: Group) => JSON.stringify([g.task, g.model, g.backend, g.dtype, g.length]);
  const before = new Map(aggregate(base).map((g) => [key(g), g]));
  const after = new Map(aggregate(current).map((g) => [key(g), g]));
  const cells: CellComparison[] = [];
  for (const g of [...after.values()].sort(compareGroups)) {
    const b = before.get(key(g));
    if (b) cells.push(compareCell(b, g, thresholds));
  }
  const name = (g: Group) => `${g.model} · ${g.backend} · ${g.dtype} · ${g.task} · ${formatLength(g.length)}`;
  return {
    thresholds,
    cells,
    only_base: [...before].filter(([k]) => !after.has(k)).map(([, g]) => name(g)),
    only_current: [...after].filter(([k]) => !before.has(k)).map(([, g]) => name(g)),
    regressions: cells.reduce((sum, c) => sum + c.changes.filter((m) => m.regression).length, 0),
  };
}

function compareCell(b: Group, c: Group, t: CompareThresholds): CellComparison {
  const time = t.timeRisePercent / 100;
  const memory = t.memoryRisePercent / 100;
  // 1. Accuracy in points; a cell that had a rate and now has none (every row failed) regressed.
  const accuracy: MetricChange = change("accuracy", b.greedy.rate, c.greedy.rate, (x, y) => (y - x) * 100);
  accuracy.regression = accuracy.change !== null && -accuracy.change > t.accuracyDropPoints;
  if (b.greedy.rate !== null && c.greedy.rate === null) {
    accuracy.regression = true;
    accuracy.note = `no scored row now${c.n_ok < c.n ? `: ${statusTally(c.status_counts)}` : ""}`;
  }
  // 2. Bits per byte (lm_bpb cells) as an absolute rise; a cell that had a value and now has none regressed.
  const bpb: MetricChange = change("bpb", b.bpb.bpb, c.bpb.bpb, (x, y) => y - x);
  bpb.regression = bpb.change !== null && bpb.change > t.bpbRiseBits;
  if (b.bpb.bpb !== null && c.bpb.bpb === null) {
    bpb.regression = true;
    bpb.note = `no scored row now${c.n_ok < c.n ? `: ${statusTally(c.status_counts)}` : ""}`;
  }
  // 3. Costs as relative rises; prefill is compared as time per token, the inverse of tokens/s.
  const costs = [
    change("prefill", b.prefill_tokens_per_s_median, c.prefill_tokens_per_s_median, (x, y) => x / y - 1),
    change("decode", b.decode_ms_per_token_median, c.decode_ms_per_token_median, (x, y) => y / x - 1),
    change("peak_device", b.peak_device_bytes_max, c.peak_device_bytes_max, (x, y) => y / x - 1),
    change("peak_host", b.peak_host_bytes_max, c.peak_host_bytes_max, (x, y) => y / x - 1),
  ];
  for (const m of costs) {
    const limit = m.metric === "prefill" || m.metric === "decode" ? time : memory;
    m.regression = m.change !== null && m.change > limit;
  }
  return {
    model: c.model,
    backend: c.backend,
    dtype: c.dtype,
    task: c.task,
    length: c.length,
    n_base: b.greedy.n,
    n_current: c.greedy.n,
    changes: [accuracy, bpb, ...costs],
  };
}

function change(
  metric: Metric,
  base: number | null,
  current: number | null,
  delta: (base: number, current: number) => number,
): MetricChange {
  const usable = base !== null && current !== null &&
    (metric === "accuracy" || metric === "bpb" || (base > 0 && current > 0));
  return { metric, base, current, change: usable ? delta(base, current) : null, regression: false, note: "" };
}

/**
 * Why two runs cannot be compared, or null when they can: different schema versions (run.json or
 * rows), or a task whose rows were generated by different generator versions.
 *
 * @example
 * ```ts
 * const why = incompatibility(base, current);
 * if (why) throw new Error(why);
 * ```
 */
export function incompatibility(
  base: { info: Pick<RunInfo, "schema_version">; rows: readonly ResultRow[] },
  current: { info: Pick<RunInfo, "schema_version">; rows: readonly ResultRow[] },
): string | null {
  const schemas = (run: typeof base) =>
    [...new Set([run.info.schema_version, ...run.rows.map((r) => r.schema_version)])].sort();
  const [sb, sc] = [schemas(base), schemas(current)];
  if (sb.join() !== sc.join()) {
    return `BASE has schema_version ${sb.join(", ")} and CURRENT has ${sc.join(", ")}: their fields ` +
      "differ in meaning. Re-run BASE with this harness to compare.";
  }
  const generators = (rows: readonly ResultRow[]) => {
    const byTask = new Map<string, Set<number>>();
    for (const r of rows) {
      if (!byTask.has(r.task)) byTask.set(r.task, new Set());
      byTask.get(r.task)!.add(r.generator_version);
    }
    return byTask;
  };
  const [gb, gc] = [generators(base.rows), generators(current.rows)];
  const clashes: string[] = [];
  for (const [task, versions] of gc) {
    const old = gb.get(task);
    if (!old) continue;
    const [x, y] = [[...old].sort().join(", "), [...versions].sort().join(", ")];
    if (x !== y) clashes.push(`task ${task}: generator_version ${x} in BASE, ${y} in CURRENT`);
  }
  if (clashes.length > 0) {
    return `Different task generators (${clashes.join("; ")}): the prompts differ, so accuracy and ` +
      "timings are not comparable. Re-run BASE with this harness to compare.";
  }
  return null;
}
