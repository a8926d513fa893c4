/**
 * Bits per byte by prompt position, the length-extrapolation curve of likelihood-scored tasks (lm_bpb):
 * per model × backend × dtype (× task), each row's power-of-two position buckets pooled over its ok rows
 * of every length and sample, weighted by the bytes each bucket scored.
 *
 * @module
 */

import type { ResultRow } from "../runner/result.ts";
import { rowsByVariant } from "./aggregate.ts";
import { variantLabel } from "./chart_data.ts";
import { formatLength } from "./format.ts";

/** One position bucket, pooled over rows. */
export interface BpbPoint {
  /** First position (0-based, inclusive), as in BpbBucket. */
  start: number;
  /** End position (exclusive): the largest end among the pooled rows (a shorter prompt's is cut short). */
  end: number;
  /** Bytes-weighted mean of the pooled buckets' middles: the x at which the point is drawn. */
  x: number;
  /** Bytes scored in the bucket over the pooled rows. */
  bytes: number;
  /** Rows that scored a byte in the bucket. */
  rows: number;
  /** Σ bpb · bytes / Σ bytes over the pooled rows. */
  bpb: number;
  /** "2K–4K": the bucket's positions. */
  range: string;
}

/** One curve: a model × backend × dtype (× task). */
export interface BpbCurve {
  /** "model · backend · dtype" as the line charts' series, with " · task" when the run has several. */
  label: string;
  model: string;
  backend: string;
  dtype: string;
  task: string;
  /** Buckets in position order. */
  points: BpbPoint[];
}

/**
 * Pools the bits-per-byte buckets of every ok row that has them, one curve per model × backend × dtype ×
 * task, sorted by task, model, backend, dtype. `severalTasks` (whether the run has several tasks) makes
 * the labels match the line charts' series.
 *
 * @example
 * ```ts
 * for (const c of bpbCurves(rows, false)) console.log(c.label, c.points.map((p) => p.bpb));
 * ```
 */
export function bpbCurves(rows: readonly ResultRow[], severalTasks: boolean): BpbCurve[] {
  const scored = rows.filter((row) => row.status === "ok" && row.bpb_buckets && row.bpb_buckets.length > 0);
  return rowsByVariant(scored).map((mine) => {
    const { model, backend, dtype, task } = mine[0];
    return { label: variantLabel(mine[0], severalTasks), model, backend, dtype, task, points: pool(mine) };
  });
}

/** 1. Sum bytes, bits and bytes × middle per bucket start; 2. divide by the bytes. */
function pool(rows: ResultRow[]): BpbPoint[] {
  const sums = new Map<number, { end: number; bytes: number; bits: number; moment: number; rows: number }>();
  for (const row of rows) {
    for (const b of row.bpb_buckets!) {
      if (!(b.bytes > 0) || !Number.isFinite(b.bpb)) continue;
      const s = sums.get(b.start) ?? { end: b.end, bytes: 0, bits: 0, moment: 0, rows: 0 };
      s.end = Math.max(s.end, b.end);
      s.bytes += b.bytes;
      s.bits += b.bpb * b.bytes;
      s.moment += ((b.start + b.end) / 2) * b.bytes;
      s.rows++;
      sums.set(b.start, s);
    }
  }
  return [...sums.entries()].sort(([a], [b]) => a - b).map(([start, s]) => ({
    start,
    end: s.end,
    x: s.moment / s.bytes,
    bytes: s.bytes,
    rows: s.rows,
    bpb: s.bits / s.bytes,
    range: `${formatLength(start)}–${formatLength(s.end)}`,
  }));
}

/**
 * Ticks of the position axis: every bucket bound the curves have (0 left out: the axis is logarithmic),
 * ascending, each with its label ("4K").
 *
 * @example
 * ```ts
 * bpbTicks(curves); // [{ value: 1024, label: "1K" }, { value: 2048, label: "2K" }, …]
 * ```
 */
export function bpbTicks(curves: readonly BpbCurve[]): { value: number; label: string }[] {
  const bounds = new Set(curves.flatMap((c) => c.points.flatMap((p) => [p.start, p.end])));
  bounds.delete(0);
  return [...bounds].sort((a, b) => a - b).map((value) => ({ value, label: formatLength(value) }));
}
