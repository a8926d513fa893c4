/**
 * The headline: per model × backend × dtype (× task), the longest length at which retrieval holds —
 * the greedy accuracy's Wilson 95% lower bound is at least 0.9 over at least 20 scored rows, at that
 * length and at every shorter one run — and what it costs at 4K, 1M and the longest length run. Tasks
 * scored by likelihood (lm_bpb) have no answer to retrieve and are left out.
 *
 * @module
 */

import { type Group, likelihoodTasks } from "./aggregate.ts";
import { formatLength, statusTally } from "./format.ts";

/** The rule's defaults: the lower bound to reach and the rows it needs. */
export const HEADLINE_RULE = { lower: 0.9, minRows: 20 } as const;

/** The lengths at which the headline shows cost. */
export const HEADLINE_LENGTHS = [4096, 1_048_576] as const;

/** Cost at one length. */
export interface HeadlineCost {
  /** Requested length (tokens). */
  length: number;
  /** Whether the variant ran this length at all. */
  run: boolean;
  /** Median prefill tokens/s over ok rows; null when none. */
  prefill_tokens_per_s: number | null;
  /** Largest backend allocator peak, bytes. */
  peak_device_bytes: number | null;
  /** Largest process RSS peak, bytes. */
  peak_host_bytes: number | null;
  /** Non-ok rows at this length, e.g. "4 oom"; empty when none. */
  failures: string;
}

/** One headline row. */
export interface HeadlineRow {
  model: string;
  backend: string;
  dtype: string;
  task: string;
  /** Longest length passing the rule with every shorter one; null when the shortest fails. */
  longest_passing: number | null;
  /** Why the next length (or the shortest) fails, e.g. "2K: n = 2 < 20"; empty when all pass. */
  stop_reason: string;
  /** Cost at 4K and 1M, then at the longest length run (which may repeat one of them). */
  costs: HeadlineCost[];
}

/** Options of {@link headline}. */
export interface HeadlineOptions {
  /** Wilson lower bound to reach (default 0.9). */
  lower?: number;
  /** Scored rows needed (default 20). */
  minRows?: number;
}

/**
 * Applies the headline rule to aggregated groups (as sorted by `aggregate`), leaving out the tasks
 * scored by likelihood (see {@link likelihoodTasks}).
 *
 * @example
 * ```ts
 * for (const h of headline(aggregate(rows))) console.log(h.model, h.longest_passing);
 * ```
 */
export function headline(groups: readonly Group[], options: HeadlineOptions = {}): HeadlineRow[] {
  const lower = options.lower ?? HEADLINE_RULE.lower;
  const minRows = options.minRows ?? HEADLINE_RULE.minRows;
  const byVariant = new Map<string, Group[]>();
  const likelihood = likelihoodTasks(groups);
  for (const g of groups) {
    if (likelihood.has(g.task)) continue;
    const key = JSON.stringify([g.task, g.model, g.backend, g.dtype]);
    const list = byVariant.get(key);
    if (list) list.push(g);
    else byVariant.set(key, [g]);
  }
  return [...byVariant.values()].map((mine) => {
    const sorted = [...mine].sort((a, b) => a.length - b.length);
    // 1. Walk up the lengths; the first that fails ends the run of passing ones.
    let longest: number | null = null;
    let stop = "";
    for (const g of sorted) {
      const why = failsRule(g, lower, minRows);
      if (why !== "") {
        stop = `${formatLength(g.length)}: ${why}`;
        break;
      }
      longest = g.length;
    }
    // 2. Cost at the fixed lengths and at the longest one run.
    const longestRun = sorted[sorted.length - 1].length;
    const costs = [...HEADLINE_LENGTHS, longestRun].map((length) =>
      cost(sorted.find((g) => g.length === length), length)
    );
    const { model, backend, dtype, task } = sorted[0];
    return { model, backend, dtype, task, longest_passing: longest, stop_reason: stop, costs };
  });
}

/** Why a group fails the rule, or "" when it passes. */
function failsRule(g: Group, lower: number, minRows: number): string {
  const { n, interval } = g.greedy;
  if (n === 0) return statusTally(g.status_counts) || "no scored row";
  if (n < minRows) return `n = ${n} < ${minRows}`;
  if (interval!.lower < lower) {
    return `Wilson lower bound ${interval!.lower.toFixed(3)} < ${lower} (${g.greedy.k}/${n})`;
  }
  return "";
}

function cost(g: Group | undefined, length: number): HeadlineCost {
  if (!g) {
    return {
      length,
      run: false,
      prefill_tokens_per_s: null,
      peak_device_bytes: null,
      peak_host_bytes: null,
      failures: "",
    };
  }
  return {
    length,
    run: true,
    prefill_tokens_per_s: g.prefill_tokens_per_s_median,
    peak_device_bytes: g.peak_device_bytes_max,
    peak_host_bytes: g.peak_host_bytes_max,
    failures: statusTally(g.status_counts),
  };
}
