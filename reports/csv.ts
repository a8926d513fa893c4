/**
 * results.csv: one line per result row, one column per ResultRow field in schema order. Objects and
 * arrays are JSON-encoded, null is an empty cell, quoting follows RFC 4180 (csv-stringify).
 *
 * @module
 */

import { stringify } from "csv-stringify/sync";
import type { ResultRow } from "../runner/result.ts";

// A mapped type over ResultRow: adding a field to the schema fails type checking here until the
// field has a column, so the CSV cannot silently drop one.
const COLUMN_SET: { [K in keyof ResultRow]-?: true } = {
  schema_version: true,
  key: true,
  cell_key: true,
  sample_key: true,
  status: true,
  message: true,
  model: true,
  architecture: true,
  model_parameters: true,
  config_hash: true,
  weights_sha256: true,
  trained: true,
  backend: true,
  device: true,
  dtype: true,
  segment_tokens: true,
  task: true,
  task_params: true,
  generator_version: true,
  length_requested: true,
  length_actual: true,
  depth: true,
  depth_actual: true,
  needle_depths: true,
  seed: true,
  sample: true,
  expected: true,
  output: true,
  correct: true,
  score: true,
  correct_teacher_forced: true,
  answer_token_accuracy: true,
  answer_logits: true,
  bpb: true,
  bpb_buckets: true,
  prefill_ms: true,
  prefill_tokens_per_s: true,
  decode_ms_per_token: true,
  timing_method: true,
  peak_device_bytes: true,
  peak_device_reported_bytes: true,
  peak_host_bytes: true,
  peak_host_method: true,
  session_bytes: true,
  started_at: true,
  wall_ms: true,
};

/** The CSV header: every ResultRow field, in schema order. */
export const CSV_COLUMNS: readonly (keyof ResultRow)[] = Object.keys(COLUMN_SET) as (keyof ResultRow)[];

/**
 * Renders rows as CSV text with a header line.
 *
 * Cells are written as data: a spreadsheet may still treat a model output starting with "=" as a
 * formula when the file is opened there.
 *
 * @example
 * ```ts
 * await Deno.writeTextFile("results.csv", toCsv(rows));
 * ```
 */
export function toCsv(rows: readonly ResultRow[]): string {
  const records = rows.map((row) => CSV_COLUMNS.map((column) => cell(row[column])));
  return stringify(records, { header: true, columns: [...CSV_COLUMNS], record_delimiter: "unix" });
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}
