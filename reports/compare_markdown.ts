/**
 * compare.md: the verdict of a comparison, the two runs' provenance, the regressions, then every cell
 * both runs ran with each metric as "base → current (change)". Also the value formatting that
 * compare.html shares.
 *
 * @module
 */

import type { RunInfo } from "../runner/result.ts";
import type { CellComparison, CompareThresholds, Comparison, Metric, MetricChange } from "./compare.ts";
import { formatBytes, formatCommit, formatCompact, formatLength } from "./format.ts";
import { markdownTable } from "./markdown.ts";

/** A run as the comparison printers show it. */
export interface ComparedRun {
  /** The folder given on the command line. */
  dir: string;
  info: RunInfo;
}

/** Column titles of the metrics. */
export const METRIC_TITLES: Record<Metric, string> = {
  accuracy: "greedy accuracy",
  bpb: "bits per byte",
  prefill: "prefill tok/s",
  decode: "decode ms/tok",
  peak_device: "peak device",
  peak_host: "peak host",
};

/**
 * "base → current (change)" for one metric: accuracy in points, costs in percent (prefill as the
 * change of time per token).
 *
 * @example
 * ```ts
 * formatChange({ metric: "decode", base: 2, current: 2.4, change: 0.2, regression: true, note: "" });
 * // "2 → 2.4 (+20.0%)"
 * ```
 */
export function formatChange(m: MetricChange): string {
  const value = (v: number | null) =>
    v === null
      ? "–"
      : m.metric === "accuracy"
      ? v.toFixed(2)
      : m.metric === "bpb"
      ? v.toFixed(3)
      : m.metric === "peak_device" || m.metric === "peak_host"
      ? formatBytes(v)
      : formatCompact(v);
  const sign = (v: number) => (v > 0 ? "+" : v < 0 ? "−" : "±");
  let delta = "";
  if (m.change !== null) {
    delta = m.metric === "accuracy"
      ? ` (${sign(m.change)}${Math.abs(m.change).toFixed(1)} pts)`
      : m.metric === "bpb"
      ? ` (${sign(m.change)}${Math.abs(m.change).toFixed(3)} bits)`
      : ` (${m.metric === "prefill" ? "time " : ""}${sign(m.change)}${
        (Math.abs(m.change) * 100).toFixed(1)
      }%)`;
  }
  const note = m.note === "" ? "" : `; ${m.note}`;
  return `${value(m.base)} → ${value(m.current)}${delta}${note}`;
}

/** The thresholds in words: "accuracy −5 points, bits per byte +0.05, time +10%, memory +10%". */
export function formatThresholds(t: CompareThresholds): string {
  return `accuracy −${t.accuracyDropPoints} points, bits per byte +${t.bpbRiseBits}, time +${t.timeRisePercent}%, ` +
    `memory +${t.memoryRisePercent}%`;
}

/** "model · backend · dtype · task · length" of a cell. */
export function cellName(c: CellComparison): string {
  return `${c.model} · ${c.backend} · ${c.dtype} · ${c.task} · ${formatLength(c.length)}`;
}

/** A warning when timings come from different machines, else "". */
export function machineWarning(base: ComparedRun, current: ComparedRun): string {
  const machine = (r: ComparedRun) => JSON.stringify([r.info.environment.cpu, r.info.environment.devices]);
  return machine(base) === machine(current)
    ? ""
    : "The runs come from different machines (CPU or devices differ): time and memory changes may not be the code's.";
}

/**
 * Renders compare.md.
 *
 * @example
 * ```ts
 * const md = renderCompareMarkdown(compareRuns(b.rows, c.rows), { dir: "a", info: b.info }, { dir: "b", info: c.info });
 * ```
 */
export function renderCompareMarkdown(c: Comparison, base: ComparedRun, current: ComparedRun): string {
  const verdict = c.regressions === 0
    ? `**PASS**: no regression over ${c.cells.length} cells`
    : `**FAIL**: ${c.regressions} regression${c.regressions === 1 ? "" : "s"} over ${c.cells.length} cells`;
  const out = [
    `# Comparison: ${current.info.run_id} against ${base.info.run_id}`,
    "",
    `${verdict} (thresholds: ${formatThresholds(c.thresholds)}).`,
    "",
    markdownTable(["", "BASE", "CURRENT"], provenance(base, current)),
  ];
  const warning = machineWarning(base, current);
  if (warning !== "") out.push("", `> ${warning}`);
  const regressions = c.cells.flatMap((cell) =>
    cell.changes.filter((m) => m.regression).map((
      m,
    ) => [cellName(cell), METRIC_TITLES[m.metric], formatChange(m)])
  );
  out.push("", "## Regressions", "");
  out.push(
    regressions.length === 0 ? "None." : markdownTable(["cell", "metric", "base → current"], regressions),
  );
  out.push("", "## Every cell both runs ran", "");
  if (c.cells.length === 0) out.push("None: the runs share no cell.");
  else {
    const header = ["cell", "n", ...Object.values(METRIC_TITLES)];
    const body = c.cells.map((cell) => [
      cellName(cell),
      `${cell.n_base} → ${cell.n_current}`,
      ...cell.changes.map((m) => `${m.regression ? "⚠ " : ""}${formatChange(m)}`),
    ]);
    out.push(markdownTable(header, body));
  }
  if (c.only_base.length + c.only_current.length > 0) {
    out.push("", "## Cells in one run only", "");
    for (const name of c.only_base) out.push(`- only in BASE: ${name}`);
    for (const name of c.only_current) out.push(`- only in CURRENT: ${name}`);
  }
  out.push("");
  return out.join("\n");
}

/** Rows of the provenance table: label, BASE, CURRENT. */
export function provenance(base: ComparedRun, current: ComparedRun): string[][] {
  const fields: [string, (r: ComparedRun) => string][] = [
    ["run", (r) => r.info.run_id],
    ["folder", (r) => r.dir],
    ["commit", (r) => formatCommit(r.info.commit)],
    ["created", (r) => r.info.created_at],
    ["CPU", (r) => `${r.info.environment.cpu}, ${r.info.environment.cores} cores`],
    ["devices", (r) => r.info.environment.devices.join(", ") || "none"],
    ["runtime", (r) => `Deno ${r.info.environment.deno}`],
  ];
  return fields.map(([label, get]) => [label, get(base), get(current)]);
}
