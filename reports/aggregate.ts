/**
 * Aggregation of result rows into report cells: one group per (model, backend, dtype, task,
 * requested length), with exact-match accuracies and their Wilson intervals, the mean partial credit,
 * bits per byte (likelihood-scored tasks), median timings and peaks.
 *
 * @module
 */

import { type ResultRow, type Status, STATUSES } from "../runner/result.ts";

/** z for a two-sided 95% interval. */
const Z95 = 1.959963984540054;

/** A Wilson score interval. */
export interface Interval {
  /** Lower bound, in [0, 1]. */
  lower: number;
  /** Upper bound, in [0, 1]. */
  upper: number;
}

/** Exact-match accuracy over the ok rows that were scored (the field is non-null). */
export interface Accuracy {
  /** Rows correct. */
  k: number;
  /** Rows scored. */
  n: number;
  /** k / n, or null when n = 0. */
  rate: number | null;
  /** Wilson 95% interval, or null when n = 0. */
  interval: Interval | null;
}

/** Mean greedy partial credit (`score`, see ResultRow) over the ok rows that carry one. */
export interface MeanScore {
  /** Rows with a score. */
  n: number;
  /** Mean score in [0, 1]; null when n = 0. */
  mean: number | null;
  /** Of those, rows whose score differs from their exact match (1 when correct, else 0). */
  partial: number;
}

/** Bits per byte over the ok rows that carry one (likelihood-scored tasks), weighted by bytes scored. */
export interface BitsPerByte {
  /** Rows with a bpb. */
  n: number;
  /** Bytes scored over them (see {@link scoredBytes}). */
  bytes: number;
  /** Σ bpb · bytes / Σ bytes: the bits per byte of all those bytes together; null when n = 0. */
  bpb: number | null;
}

/** One report cell. Timings and peaks come from ok rows only; null when none has the value. */
export interface Group {
  /** Model name, as in the rows. */
  model: string;
  /** Backend name. */
  backend: string;
  /** Precision the backend ran in. */
  dtype: string;
  /** Task name. */
  task: string;
  /** Requested context length (tokens). */
  length: number;
  /** Rows in the group, any status. */
  n: number;
  /** Rows with status `ok`. */
  n_ok: number;
  /** Greedy generation exact match (`correct`). */
  greedy: Accuracy;
  /** Teacher-forced exact match (`correct_teacher_forced`). */
  teacher_forced: Accuracy;
  /** Greedy partial credit. */
  score: MeanScore;
  /** Bits per byte (lm_bpb); n = 0 for answer-scored tasks. */
  bpb: BitsPerByte;
  /** Median token count the generator produced. */
  length_actual_median: number | null;
  /** Median prefill throughput, tokens/s. */
  prefill_tokens_per_s_median: number | null;
  /** Median greedy decode time per token, ms. */
  decode_ms_per_token_median: number | null;
  /** Largest peak resident set size, bytes. */
  peak_host_bytes_max: number | null;
  /** Largest peak of the backend's own allocator, bytes. */
  peak_device_bytes_max: number | null;
  /** Rows per status, every status present (zeros included). */
  status_counts: Record<Status, number>;
}

/**
 * Wilson score 95% interval for k successes in n trials.
 *
 * @example
 * ```ts
 * wilson(9, 10); // { lower: 0.5958…, upper: 0.9821… }
 * ```
 */
export function wilson(k: number, n: number): Interval {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`Wilson interval needs n ≥ 1 trials, got ${n}`);
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new RangeError(`Wilson interval needs 0 ≤ k ≤ n, got k = ${k}, n = ${n}`);
  }
  // 1. p̂ and z²/n; 2. centre (p̂ + z²/2n) / (1 + z²/n); 3. half-width z·√(p̂(1−p̂)/n + z²/4n²) / (1 + z²/n).
  const p = k / n;
  const z2n = (Z95 * Z95) / n;
  const denominator = 1 + z2n;
  const centre = (p + z2n / 2) / denominator;
  const half = (Z95 * Math.sqrt(p * (1 - p) / n + z2n / (4 * n))) / denominator;
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/** Median of the values (mean of the middle two for an even count), or null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Groups rows by (model, backend, dtype, task, length_requested), sorted by task, model, backend,
 * dtype, then length. Rows whose status is not `ok` only count in `n` and `status_counts`.
 *
 * @example
 * ```ts
 * for (const g of aggregate(rows)) console.log(g.model, g.length, g.greedy.rate);
 * ```
 */
export function aggregate(rows: readonly ResultRow[]): Group[] {
  const byKey = new Map<string, ResultRow[]>();
  for (const row of rows) {
    const key = JSON.stringify([row.task, row.model, row.backend, row.dtype, row.length_requested]);
    const list = byKey.get(key);
    if (list) list.push(row);
    else byKey.set(key, [row]);
  }
  return [...byKey.values()].map(summarize).sort(compareGroups);
}

/** Orders groups by task, model, backend, dtype, then length. */
export function compareGroups(a: Group, b: Group): number {
  return compareText(a.task, b.task) || compareText(a.model, b.model) ||
    compareText(a.backend, b.backend) || compareText(a.dtype, b.dtype) || a.length - b.length;
}

function summarize(rows: ResultRow[]): Group {
  const first = rows[0];
  const ok = rows.filter((r) => r.status === "ok");
  const status_counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
  for (const row of rows) status_counts[row.status]++;
  return {
    model: first.model,
    backend: first.backend,
    dtype: first.dtype,
    task: first.task,
    length: first.length_requested,
    n: rows.length,
    n_ok: ok.length,
    greedy: accuracy(ok.map((r) => r.correct)),
    teacher_forced: accuracy(ok.map((r) => r.correct_teacher_forced)),
    score: meanScore(ok),
    bpb: bitsPerByte(ok),
    length_actual_median: median(present(ok.map((r) => r.length_actual))),
    prefill_tokens_per_s_median: median(present(ok.map((r) => r.prefill_tokens_per_s))),
    decode_ms_per_token_median: median(present(ok.map((r) => r.decode_ms_per_token))),
    peak_host_bytes_max: maximum(present(ok.map((r) => r.peak_host_bytes))),
    peak_device_bytes_max: maximum(present(ok.map((r) => r.peak_device_bytes))),
    status_counts,
  };
}

function accuracy(values: (boolean | null)[]): Accuracy {
  const scored = values.filter((v): v is boolean => v !== null);
  const k = scored.filter((v) => v).length;
  const n = scored.length;
  return { k, n, rate: n === 0 ? null : k / n, interval: n === 0 ? null : wilson(k, n) };
}

function meanScore(rows: ResultRow[]): MeanScore {
  let n = 0, sum = 0, partial = 0;
  for (const r of rows) {
    if (typeof r.score !== "number" || !Number.isFinite(r.score)) continue; // absent in older rows
    n++;
    sum += r.score;
    if (r.correct !== null && r.score !== (r.correct ? 1 : 0)) partial++;
  }
  return { n, mean: n === 0 ? null : sum / n, partial };
}

function bitsPerByte(rows: ResultRow[]): BitsPerByte {
  let n = 0, bytes = 0, bits = 0;
  for (const r of rows) {
    if (typeof r.bpb !== "number" || !Number.isFinite(r.bpb)) continue;
    const w = scoredBytes(r);
    n++;
    bytes += w;
    bits += r.bpb * w;
  }
  return { n, bytes, bpb: bytes === 0 ? null : bits / bytes };
}

/**
 * Bytes a likelihood-scored row scored: the sum over its position buckets, else every prompt byte but
 * the first (which has no context).
 *
 * @example
 * ```ts
 * scoredBytes(row); // 6143 for a 6K-token lm_bpb prompt
 * ```
 */
export function scoredBytes(row: ResultRow): number {
  const buckets = row.bpb_buckets ?? [];
  if (buckets.length > 0) return buckets.reduce((sum, b) => sum + b.bytes, 0);
  return Math.max(1, (row.length_actual ?? row.length_requested) - 1);
}

/**
 * Tasks that give partial credit beyond exact match: some ok row's score differs from its exact match
 * (say 3 of 4 values named). The printers add a mean-score view for these tasks only; elsewhere the
 * score equals exact match and would repeat it.
 *
 * @example
 * ```ts
 * partialCreditTasks(aggregate(rows)); // Set { "niah_multivalue" }
 * ```
 */
export function partialCreditTasks(groups: readonly Group[]): Set<string> {
  return new Set(groups.filter((g) => g.score.partial > 0).map((g) => g.task));
}

/**
 * Tasks scored by likelihood (lm_bpb): some ok row has bits per byte. They have no answer, so the
 * printers show bits per byte for them and leave them out of the accuracy headline and heatmaps.
 *
 * @example
 * ```ts
 * likelihoodTasks(aggregate(rows)); // Set { "lm_bpb" }
 * ```
 */
export function likelihoodTasks(groups: readonly Group[]): Set<string> {
  return new Set(groups.filter((g) => g.bpb.n > 0).map((g) => g.task));
}

function present(values: (number | null)[]): number[] {
  return values.filter((v): v is number => v !== null && Number.isFinite(v));
}

function maximum(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => Math.max(a, b));
}

/** Code-unit order of two strings (locale-independent, so reports sort the same everywhere). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Rows grouped by variant (task, model, backend, dtype), in that key order (code-unit order of each part);
 * each group keeps the rows' order.
 */
export function rowsByVariant(rows: Iterable<ResultRow>): ResultRow[][] {
  const byVariant = new Map<string, ResultRow[]>();
  for (const row of rows) {
    const key = JSON.stringify([row.task, row.model, row.backend, row.dtype]);
    const list = byVariant.get(key);
    if (list) list.push(row);
    else byVariant.set(key, [row]);
  }
  const keys = [...byVariant.keys()].sort((a, b) => {
    const [x, y] = [JSON.parse(a) as string[], JSON.parse(b) as string[]];
    return x.reduce((order, _, i) => order || compareText(x[i], y[i]), 0);
  });
  return keys.map((key) => byVariant.get(key)!);
}

/** Models whose rows ran untrained (random) weights, sorted. */
export function untrainedModels(rows: readonly ResultRow[]): string[] {
  return [...new Set(rows.filter((r) => !r.trained).map((r) => r.model))].sort();
}
