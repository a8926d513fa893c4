/**
 * Scoring helpers shared by every task: greedy exact match (output up to the stop byte) and teacher-forced
 * exact match (argmax at each answer position).
 *
 * @module
 */

import { decode, encode } from "../datasets/tokenizer.ts";

/** Outcome of a greedy decode. */
export interface GreedyScore {
  /** The output before the first stop byte equals the expected answer. */
  correct: boolean;
  /** The model emitted the stop byte. */
  stopped: boolean;
  /** Output before the first stop byte (all of it when none), decoded lossily. */
  output: string;
}

/**
 * Scores greedy output: the bytes before the first `stopByte` (or all bytes, when there is none) must
 * equal the UTF-8 bytes of `expected`. Decode at most {@link greedyBudget} tokens.
 *
 * @example
 * ```ts
 * import { scoreGreedy } from "./score.ts";
 * scoreGreedy("48213", new TextEncoder().encode("48213."), 0x2e).correct; // true
 * ```
 */
export function scoreGreedy(expected: string, outputBytes: Uint8Array, stopByte: number): GreedyScore {
  const stop = outputBytes.indexOf(stopByte);
  const answer = stop >= 0 ? outputBytes.subarray(0, stop) : outputBytes;
  const want = encode(expected);
  let correct = answer.length === want.length;
  for (let i = 0; correct && i < want.length; i++) correct = answer[i] === want[i];
  return { correct, stopped: stop >= 0, output: decode(answer) };
}

/**
 * Tokens a greedy decode needs at most: the answer plus the stop byte. Past that a correct answer is
 * impossible.
 */
export function greedyBudget(sample: { answerTokens: Uint8Array }): number {
  return sample.answerTokens.length + 1;
}

/** Outcome of teacher-forced scoring. */
export interface TeacherForcedScore {
  /** Every answer token is the argmax. */
  correct: boolean;
  /** Fraction of answer tokens that are the argmax. */
  accuracy: number;
}

/**
 * Scores teacher-forced predictions: `argmaxIds[i]` is the argmax of the logits at the position before
 * answer token i (prompt's last position for i = 0).
 *
 * @example
 * ```ts
 * import { scoreTeacherForced } from "./score.ts";
 * scoreTeacherForced(new Uint8Array([52, 56]), [52, 57]); // { correct: false, accuracy: 0.5 }
 * ```
 */
export function scoreTeacherForced(
  answerTokens: Uint8Array,
  argmaxIds: ArrayLike<number>,
): TeacherForcedScore {
  if (argmaxIds.length !== answerTokens.length) {
    throw new Error(
      `Argmax ids length ${argmaxIds.length} must equal the answer length ${answerTokens.length}`,
    );
  }
  let hits = 0;
  for (let i = 0; i < answerTokens.length; i++) if (argmaxIds[i] === answerTokens[i]) hits++;
  const n = answerTokens.length;
  return { correct: hits === n, accuracy: n === 0 ? 1 : hits / n };
}

/** Outcome of {@link scoreAnswer}. */
export interface AnswerScore {
  /** The answer before the first stop byte equals the expected answer exactly. */
  correct: boolean;
  /**
   * In [0, 1]: for answers listing several values, the fraction of expected values the answer names
   * (order-insensitive, each value counted once); otherwise 1 when correct, else 0.
   */
  score: number;
}

/**
 * Scores a greedy answer with partial credit. The output is cut at the first stop byte; `correct` is
 * exact match. When the sample lists `expectedValues`, the output is split at "," into trimmed items and
 * `score` is the fraction of distinct expected values among them.
 *
 * @example
 * ```ts
 * import { scoreAnswer } from "./score.ts";
 * const sample = { expected: "11, 22", expectedValues: ["11", "22"], stopByte: 0x2e };
 * scoreAnswer(sample, new TextEncoder().encode("22, 33.")); // { correct: false, score: 0.5 }
 * ```
 */
export function scoreAnswer(
  sample: { expected: string; expectedValues?: readonly string[]; stopByte: number },
  outputBytes: Uint8Array,
): AnswerScore {
  const { correct, output } = scoreGreedy(sample.expected, outputBytes, sample.stopByte);
  if (sample.expectedValues === undefined) return { correct, score: correct ? 1 : 0 };
  const named = new Set(output.split(",").map((item) => item.trim()));
  const wanted = new Set(sample.expectedValues);
  let hits = 0;
  for (const v of wanted) if (named.has(v)) hits++;
  return { correct, score: wanted.size === 0 ? (correct ? 1 : 0) : hits / wanted.size };
}
