/**
 * The data behind the accuracy heatmaps: one grid of depth × length per model × backend × dtype (× task
 * when the run has several). A cell with a scored ok row shows its greedy accuracy; a cell with none
 * shows its status (oom, timeout, error, unsupported, skipped), and every cell carries the messages of
 * its non-ok rows for the hover text, and the mean partial credit where it differs from exact match.
 * Tasks scored by likelihood (lm_bpb: no answer, no needle) have no heatmap.
 *
 * @module
 */

import { type ResultRow, type Status, STATUSES } from "../runner/result.ts";
import { aggregate, likelihoodTasks, rowsByVariant } from "./aggregate.ts";
import { variantLabel } from "./chart_data.ts";
import { formatLength, statusTally, truncate } from "./format.ts";

/** Characters of one failure message kept for the hover text; results.csv has them whole. */
const MESSAGE_MAX = 200;
/** Distinct messages kept per cell. */
const MESSAGES_MAX = 3;

/** One cell of a heatmap: the rows of one length and depth. */
export interface HeatmapCell {
  /** Requested context length (tokens). */
  length: number;
  /** Requested needle depth (fraction). */
  depth: number;
  /**
   * "ok" when at least one ok row was scored (the cell shows `accuracy`); otherwise the most frequent
   * non-ok status (ties go to the earlier one in STATUSES), drawn in that status's colour.
   */
  state: Status;
  /** Greedy exact-match rate over the scored ok rows; null when none. */
  accuracy: number | null;
  /** Mean greedy partial credit over the ok rows with a score; null when none. */
  score: number | null;
  /** Scored ok rows correct. */
  k: number;
  /** Scored ok rows. */
  n: number;
  /** Rows in the cell, any status. */
  rows: number;
  /** Non-ok rows, e.g. "1 oom"; empty when none. */
  failures: string;
  /** Distinct messages of the non-ok rows ("status: message"), shortened; at most MESSAGES_MAX. */
  messages: string[];
}

/** One heatmap. */
export interface Heatmap {
  /** "model · backend · dtype" (as the line charts' series), with " · task" when several. */
  label: string;
  /** Model name (the page sets a model's heatmaps side by side). */
  model: string;
  /** Lengths of this heatmap's rows, ascending: the columns. */
  lengths: number[];
  /** Depths of this heatmap's rows, ascending: the rows (depth 0 at the top). */
  depths: number[];
  /** Column label per length, e.g. "4K". */
  length_labels: string[];
  /** Every (length, depth) that has rows; a missing pair was not planned. */
  cells: HeatmapCell[];
}

/**
 * Builds one heatmap per model × backend × dtype (× task), sorted by task, model, backend, dtype; none
 * for the tasks scored by likelihood.
 *
 * @example
 * ```ts
 * for (const h of heatmapData(rows)) console.log(h.label, h.cells.length);
 * ```
 */
export function heatmapData(rows: readonly ResultRow[]): Heatmap[] {
  const severalTasks = new Set(rows.map((r) => r.task)).size > 1;
  const likelihood = likelihoodTasks(aggregate(rows));
  return rowsByVariant(rows.filter((row) => !likelihood.has(row.task))).map((v) => heatmap(v, severalTasks));
}

function heatmap(rows: ResultRow[], severalTasks: boolean): Heatmap {
  const lengths = [...new Set(rows.map((r) => r.length_requested))].sort((a, b) => a - b);
  const depths = [...new Set(rows.map((r) => r.depth))].sort((a, b) => a - b);
  const cells: HeatmapCell[] = [];
  for (const length of lengths) {
    for (const depth of depths) {
      const mine = rows.filter((r) => r.length_requested === length && r.depth === depth);
      if (mine.length > 0) cells.push(cell(length, depth, mine));
    }
  }
  return {
    label: variantLabel(rows[0], severalTasks),
    model: rows[0].model,
    lengths,
    depths,
    length_labels: lengths.map(formatLength),
    cells,
  };
}

function cell(length: number, depth: number, rows: ResultRow[]): HeatmapCell {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  for (const r of rows) counts[r.status]++;
  const scored = rows.filter((r) => r.status === "ok" && r.correct !== null);
  const k = scored.filter((r) => r.correct).length;
  const n = scored.length;
  const scores = rows.filter((r) => r.status === "ok" && typeof r.score === "number").map((r) => r.score!);
  // The most frequent failure names an all-failed cell; STATUSES order breaks ties.
  const worst = STATUSES.filter((s) => s !== "ok").reduce((a, b) => counts[b] > counts[a] ? b : a);
  const state: Status = n > 0 ? "ok" : counts[worst] > 0 ? worst : "ok";
  const messages = [
    ...new Set(rows.filter((r) => r.status !== "ok").map((r) => `${r.status}: ${r.message}`)),
  ];
  return {
    length,
    depth,
    state,
    accuracy: n === 0 ? null : k / n,
    score: scores.length === 0 ? null : scores.reduce((a, b) => a + b, 0) / scores.length,
    k,
    n,
    rows: rows.length,
    failures: statusTally(counts),
    messages: messages.slice(0, MESSAGES_MAX).map((m) => truncate(m, MESSAGE_MAX)),
  };
}
