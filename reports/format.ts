/**
 * Number and text formatting shared by the Markdown and HTML printers, so both show the same values
 * the same way. Lengths use binary units where exact (4K = 4096 tokens); rates use decimal ones
 * (1.2k tok/s).
 *
 * @module
 */

import { type RunInfo, type Status, STATUSES } from "../runner/result.ts";
import type { Accuracy, BitsPerByte, MeanScore } from "./aggregate.ts";

/**
 * A token count: binary units where exact to two decimals (4096 → "4K", 1536 → "1.5K", 2^20 → "1M"),
 * else decimal ones as in {@link formatCompact} (4000 → "4k"); below 1024 the plain number.
 *
 * @example
 * ```ts
 * formatLength(64 * 2 ** 20); // "64M"
 * ```
 */
export function formatLength(tokens: number): string {
  if (Math.abs(tokens) < 1024) return String(tokens);
  for (const [unit, size] of [["G", 2 ** 30], ["M", 2 ** 20], ["K", 2 ** 10]] as const) {
    if (Math.abs(tokens) >= size && Number.isInteger((tokens * 100) / size)) return `${tokens / size}${unit}`;
  }
  return formatCompact(tokens);
}

/**
 * A rate or count with three significant digits and a decimal suffix: 40960 → "41k", 1234567 → "1.23M".
 *
 * @example
 * ```ts
 * formatCompact(12.345); // "12.3"
 * ```
 */
export function formatCompact(value: number | null): string {
  if (value === null) return "–";
  for (const [unit, size] of [["G", 1e9], ["M", 1e6], ["k", 1e3]] as const) {
    if (Math.abs(value) >= size) return `${significant(value / size)}${unit}`;
  }
  return significant(value);
}

/**
 * Bytes in IEC units with three significant digits: 1536 → "1.5 KiB".
 *
 * @example
 * ```ts
 * formatBytes(3 * 2 ** 30); // "3 GiB"
 * ```
 */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return "–";
  for (
    const [unit, size] of [["TiB", 2 ** 40], ["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]] as const
  ) {
    if (Math.abs(bytes) >= size) return `${significant(bytes / size)} ${unit}`;
  }
  return `${bytes} B`;
}

/**
 * An accuracy as "rate (k/n)", e.g. "0.90 (9/10)"; "–" when nothing was scored.
 *
 * @example
 * ```ts
 * formatAccuracy({ k: 9, n: 10, rate: 0.9, interval: null }); // "0.90 (9/10)"
 * ```
 */
export function formatAccuracy(accuracy: Accuracy): string {
  if (accuracy.rate === null) return "–";
  return `${accuracy.rate.toFixed(2)} (${accuracy.k}/${accuracy.n})`;
}

/**
 * A mean partial credit as "mean (n=rows)", e.g. "0.63 (n=4)"; "–" when no row has a score.
 *
 * @example
 * ```ts
 * formatMeanScore({ n: 4, mean: 0.625, partial: 2 }); // "0.63 (n=4)"
 * ```
 */
export function formatMeanScore(score: MeanScore): string {
  if (score.mean === null) return "–";
  return `${score.mean.toFixed(2)} (n=${score.n})`;
}

/**
 * Bits per byte with three decimals, e.g. "1.234 (n=3)" over three rows; "–" when none has one.
 *
 * @example
 * ```ts
 * formatBpb({ n: 3, bytes: 12285, bpb: 1.2341 }); // "1.234 (n=3)"
 * ```
 */
export function formatBpb(bpb: BitsPerByte): string {
  if (bpb.bpb === null) return "–";
  return `${bpb.bpb.toFixed(3)} (n=${bpb.n})`;
}

/**
 * A fraction as a percentage with one decimal: 0.5958 → "59.6%".
 *
 * @example
 * ```ts
 * formatPercent(0.9); // "90.0%"
 * ```
 */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/**
 * Text on one line (runs of whitespace become one space), cut to `max` characters with "…".
 *
 * @example
 * ```ts
 * truncate("a\nb  c", 80); // "a b c"
 * ```
 */
export function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ").trim();
  const chars = [...line]; // by code point, so a cut never splits a surrogate pair
  return chars.length <= max ? line : `${chars.slice(0, Math.max(0, max - 1)).join("")}…`;
}

function significant(value: number): string {
  return String(Number(value.toPrecision(3)));
}

/**
 * A commit as "sha (source[, dirty])", or "unknown (source)" when the sha was not found.
 *
 * @example
 * ```ts
 * formatCommit({ sha: "abc123", dirty: true, source: "git" }); // "abc123 (git, dirty)"
 * ```
 */
export function formatCommit(commit: RunInfo["commit"]): string {
  if (commit.sha === null) return `unknown (${commit.source})`;
  const dirty = commit.dirty === true ? ", dirty" : commit.dirty === null ? ", dirty unknown" : "";
  return `${commit.sha} (${commit.source}${dirty})`;
}

/**
 * Counts of the non-ok statuses, in STATUSES order: "4 oom, 1 timeout"; empty when all are ok.
 *
 * @example
 * ```ts
 * statusTally({ ok: 3, oom: 1, timeout: 0, error: 0, unsupported: 0, skipped: 0 }); // "1 oom"
 * ```
 */
export function statusTally(counts: Record<Status, number>): string {
  return STATUSES.filter((s) => s !== "ok" && counts[s] > 0).map((s) => `${counts[s]} ${s}`).join(", ");
}

/** A chance level, compactly: two significant digits, in exponent form below 0.001 (e.g. "1.1e-7"). */
export function formatChance(v: number): string {
  if (v === 0) return "0";
  return v >= 1e-3 ? String(Number(v.toPrecision(2))) : v.toExponential(1);
}

/**
 * A task's chance level for a table cell: one number when exact match and mean score agree (single-answer
 * tasks), else "exact / score"; "–" without one.
 *
 * @example
 * ```ts
 * formatChanceCell({ exact: 1e-30, score: 0.01 }); // "1.0e-30 / 0.01"
 * ```
 */
export function formatChanceCell(chance: { exact: number; score: number } | null | undefined): string {
  if (!chance) return "–";
  const exact = formatChance(chance.exact), score = formatChance(chance.score);
  return exact === score ? exact : `${exact} / ${score}`;
}
