/**
 * Backend agreement: the same model (same weights) run on the same samples (same `sample_key`) by two
 * backends or precisions should give the same answers. For each pair of variants of a model, over the
 * samples both ran ok: the fraction of identical greedy outputs, the first answer position at which
 * any pair of outputs diverges, and the largest difference of the teacher-forced logits. Rows without a
 * greedy output (likelihood-scored tasks such as lm_bpb) have no answer to agree on and are left out.
 *
 * @module
 */

import type { AnswerLogit, ResultRow } from "../runner/result.ts";
import { compareText } from "./aggregate.ts";

/** Agreement of two variants of one model. */
export interface AgreementPair {
  /** Model name. */
  model: string;
  /** The pair's first variant, "backend · dtype" (the one that sorts first). */
  a: string;
  /** The pair's second variant. */
  b: string;
  /** Samples both variants ran ok. */
  samples: number;
  /** Of those, samples whose greedy outputs are byte for byte equal. */
  identical: number;
  /** identical / samples; null when no sample is shared. */
  identical_fraction: number | null;
  /**
   * Earliest answer position (0-based byte = token of the byte-level tokenizer) where two greedy
   * outputs differ, over all shared samples; null when none differs.
   */
  first_divergence: number | null;
  /** sample_key of the sample with that earliest divergence. */
  first_divergence_sample: string | null;
  /** Answer positions compared under teacher forcing (both rows have answer_logits there). */
  positions: number;
  /** Of those, positions whose argmax token agrees. */
  argmax_agree: number;
  /**
   * Largest |Δ| over positions of the expected token's logit and of logsumexp; null when no position
   * was compared.
   */
  max_logit_diff: number | null;
  /** sample_key of the sample with the largest logit difference. */
  max_logit_diff_sample: string | null;
}

/**
 * Pairs up every two variants (backend × dtype) of each model that share ok samples. Rows are matched
 * on model name, weights and sample_key; a model run with other weights is another model here.
 *
 * @example
 * ```ts
 * for (const p of agreement(rows)) console.log(p.model, p.a, p.b, p.identical_fraction);
 * ```
 */
export function agreement(rows: readonly ResultRow[]): AgreementPair[] {
  return variantPairs(rows).flatMap(({ a, b, rowsA, rowsB }) => {
    const pair = comparePair(rowsA, rowsB);
    return pair.samples > 0 ? [{ ...pair, a, b }] : [];
  });
}

/** Two variants of one model, with their rows by sample_key. */
interface VariantPair {
  model: string;
  a: string;
  b: string;
  rowsA: Map<string, ResultRow>;
  rowsB: Map<string, ResultRow>;
}

/**
 * Every pair of variants ("backend · dtype") of each model (name + weights + config), over ok rows with an
 * output, sorted by model, then variant names.
 */
function variantPairs(rows: readonly ResultRow[]): VariantPair[] {
  // 1. model → variant → sample_key → row.
  const models = new Map<string, { name: string; variants: Map<string, Map<string, ResultRow>> }>();
  for (const row of rows) {
    if (row.status !== "ok" || row.output === null) continue;
    const model = JSON.stringify([row.model, row.weights_sha256, row.config_hash]);
    const variant = `${row.backend} · ${row.dtype}`;
    if (!models.has(model)) models.set(model, { name: row.model, variants: new Map() });
    const variants = models.get(model)!.variants;
    if (!variants.has(variant)) variants.set(variant, new Map());
    variants.get(variant)!.set(row.sample_key, row);
  }
  // 2. Every pair of variants.
  const pairs: VariantPair[] = [];
  for (const { name, variants } of models.values()) {
    const names = [...variants.keys()].sort(compareText);
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        const [a, b] = [names[i], names[j]];
        pairs.push({ model: name, a, b, rowsA: variants.get(a)!, rowsB: variants.get(b)! });
      }
    }
  }
  return pairs.sort((x, y) =>
    compareText(x.model, y.model) || compareText(x.a, y.a) || compareText(x.b, y.b)
  );
}

/** Compares the rows two variants hold for the same samples; `a` and `b` are filled in by the caller. */
function comparePair(a: Map<string, ResultRow>, b: Map<string, ResultRow>): AgreementPair {
  const pair: AgreementPair = {
    model: a.values().next().value?.model ?? "",
    a: "",
    b: "",
    samples: 0,
    identical: 0,
    identical_fraction: null,
    first_divergence: null,
    first_divergence_sample: null,
    positions: 0,
    argmax_agree: 0,
    max_logit_diff: null,
    max_logit_diff_sample: null,
  };
  const keys = [...a.keys()].filter((k) => b.has(k)).sort(compareText);
  for (const key of keys) {
    const [x, y] = [a.get(key)!, b.get(key)!];
    pair.samples++;
    const diverges = divergence(x.output ?? "", y.output ?? "");
    if (diverges === null) pair.identical++;
    else if (pair.first_divergence === null || diverges < pair.first_divergence) {
      pair.first_divergence = diverges;
      pair.first_divergence_sample = key;
    }
    const logits = compareLogits(x.answer_logits, y.answer_logits);
    pair.positions += logits.positions;
    pair.argmax_agree += logits.argmaxAgree;
    if (logits.maxDiff !== null && (pair.max_logit_diff === null || logits.maxDiff > pair.max_logit_diff)) {
      pair.max_logit_diff = logits.maxDiff;
      pair.max_logit_diff_sample = key;
    }
  }
  pair.identical_fraction = pair.samples === 0 ? null : pair.identical / pair.samples;
  return pair;
}

/** First byte index where two outputs differ (a prefix differs at its end); null when equal. */
export function divergence(x: string, y: string): number | null {
  const [p, q] = [new TextEncoder().encode(x), new TextEncoder().encode(y)];
  const n = Math.min(p.length, q.length);
  for (let i = 0; i < n; i++) if (p[i] !== q[i]) return i;
  return p.length === q.length ? null : n;
}

function compareLogits(
  x: AnswerLogit[] | null,
  y: AnswerLogit[] | null,
): { positions: number; argmaxAgree: number; maxDiff: number | null } {
  if (x === null || y === null) return { positions: 0, argmaxAgree: 0, maxDiff: null };
  const positions = Math.min(x.length, y.length);
  let argmaxAgree = 0;
  let maxDiff: number | null = null;
  for (let i = 0; i < positions; i++) {
    if (x[i].argmax_id === y[i].argmax_id) argmaxAgree++;
    const d = Math.max(
      Math.abs(x[i].expected_logit - y[i].expected_logit),
      Math.abs(x[i].logsumexp - y[i].logsumexp),
    );
    maxDiff = maxDiff === null ? d : Math.max(maxDiff, d);
  }
  return { positions, argmaxAgree, maxDiff };
}

/** One sample on which two variants of a model gave different greedy outputs. */
export interface Divergence {
  model: string;
  a: string;
  b: string;
  length: number;
  depth: number;
  seed: number;
  sample: number;
  expected: string;
  output_a: string;
  output_b: string;
  /** First byte (= token) index where the outputs differ. */
  position: number;
  /**
   * At that position, when it lies within the answer: the difference between the variants' teacher-forced
   * log-probabilities of the expected token (expected_logit − logsumexp), b minus a; else null.
   */
  logprob_gap: number | null;
  /** The variants' teacher-forced argmax tokens at that position (null beyond the answer). */
  argmax_a: number | null;
  argmax_b: number | null;
}

/** Every divergent sample of every pair of variants, in the order of {@link agreement}'s pairs. */
export function divergences(rows: readonly ResultRow[]): Divergence[] {
  const out: Divergence[] = [];
  for (const { model, a, b, rowsA: ra, rowsB: rb } of variantPairs(rows)) {
    for (const [key, x] of [...ra.entries()].sort(([p], [q]) => compareText(p, q))) {
      const y = rb.get(key);
      if (!y) continue;
      const position = divergence(x.output ?? "", y.output ?? "");
      if (position === null) continue;
      const lx = x.answer_logits?.[position], ly = y.answer_logits?.[position];
      out.push({
        model,
        a,
        b,
        length: x.length_requested,
        depth: x.depth,
        seed: x.seed,
        sample: x.sample,
        expected: x.expected,
        output_a: x.output ?? "",
        output_b: y.output ?? "",
        position,
        logprob_gap: lx && ly
          ? (ly.expected_logit - ly.logsumexp) - (lx.expected_logit - lx.logsumexp)
          : null,
        argmax_a: lx?.argmax_id ?? null,
        argmax_b: ly?.argmax_id ?? null,
      });
    }
  }
  return out;
}
