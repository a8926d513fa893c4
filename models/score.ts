/**
 * Likelihood scoring on the device: a forward over a segment with logits at every position, then the
 * backend's targetLogProbs op, so that one number per position leaves the device instead of `[T, V]` logits.
 *
 * @module
 */
import type { Tensor } from "../backends/backend.ts";
import { takeRows } from "./blocks/util.ts";
import type { Session } from "./session.ts";

/**
 * Runs `ids` through the session (advancing it by `ids.length`) and enqueues the log-probability of
 * `targets[i]` at position i, where row i of the logits predicts the token after `ids[i]`. `targets` may be
 * shorter than `ids` (the last tokens of a text have nothing to predict): only its rows are scored.
 * Returns a `[targets.length]` float tensor the caller disposes; nothing is read back.
 *
 * @example
 * ```ts
 * const ids = Int32Array.from(new TextEncoder().encode("Hello"));
 * const lp = scoreTargets(session, ids, ids.subarray(1)); // log p(e | H), …, log p(o | Hell)
 * ```
 */
export function scoreTargets(session: Session, ids: Int32Array, targets: Int32Array): Tensor {
  if (targets.length > ids.length) {
    throw new Error(`scoreTargets: ${targets.length} targets for ${ids.length} ids (at most one per id)`);
  }
  const b = session.model.backend;
  const logits = session.forward(ids, { allLogits: true });
  try {
    if (targets.length === ids.length) return b.ops.targetLogProbs(logits, targets);
    const rows = takeRows(b, logits, 0, targets.length);
    try {
      return b.ops.targetLogProbs(rows, targets);
    } finally {
      b.dispose(rows);
    }
  } finally {
    b.dispose(logits);
  }
}

/**
 * {@link scoreTargets}, read back: the natural-log probabilities of the targets, `targets.length` values.
 *
 * @example
 * ```ts
 * const ids = Int32Array.from(new TextEncoder().encode("Hello"));
 * const lp = await logProbs(model.session(), ids, ids.subarray(1));
 * const bitsPerByte = -lp.reduce((a, b) => a + b, 0) / (lp.length * Math.LN2);
 * ```
 */
export async function logProbs(
  session: Session,
  ids: Int32Array,
  targets: Int32Array,
): Promise<Float64Array> {
  const b = session.model.backend;
  const t = scoreTargets(session, ids, targets);
  try {
    return (await b.download(t)) as Float64Array;
  } finally {
    b.dispose(t);
  }
}
