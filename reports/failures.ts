/**
 * Non-ok rows folded for display: rows of one cell and length that failed the same way with the same
 * message become one entry with a count, ordered by status (as in STATUSES), then cell and length.
 *
 * @module
 */

import { type ResultRow, type Status, STATUSES } from "../runner/result.ts";
import { compareText } from "./aggregate.ts";

/** Non-ok rows that share status, model, backend, dtype, task, length and message. */
export interface FailureGroup {
  /** How the rows failed. */
  status: Exclude<Status, "ok">;
  /** Model name. */
  model: string;
  /** Backend name. */
  backend: string;
  /** Precision. */
  dtype: string;
  /** Task name. */
  task: string;
  /** Requested context length (tokens). */
  length: number;
  /** The rows' message, whole. */
  message: string;
  /** Rows folded into this entry. */
  count: number;
}

/**
 * Folds the rows whose status is not `ok`.
 *
 * @example
 * ```ts
 * for (const f of groupFailures(rows)) console.log(f.status, f.count, f.message);
 * ```
 */
export function groupFailures(rows: readonly ResultRow[]): FailureGroup[] {
  const byKey = new Map<string, FailureGroup>();
  for (const row of rows) {
    if (row.status === "ok") continue;
    const key = JSON.stringify([
      row.status,
      row.model,
      row.backend,
      row.dtype,
      row.task,
      row.length_requested,
      row.message,
    ]);
    const found = byKey.get(key);
    if (found) {
      found.count++;
      continue;
    }
    byKey.set(key, {
      status: row.status,
      model: row.model,
      backend: row.backend,
      dtype: row.dtype,
      task: row.task,
      length: row.length_requested,
      message: row.message,
      count: 1,
    });
  }
  return [...byKey.values()].sort((a, b) =>
    STATUSES.indexOf(a.status) - STATUSES.indexOf(b.status) || compareText(a.task, b.task) ||
    compareText(a.model, b.model) || compareText(a.backend, b.backend) || compareText(a.dtype, b.dtype) ||
    a.length - b.length || compareText(a.message, b.message)
  );
}
