/**
 * The Task contract: a task turns a request (length, depth, seed, sample, split) into one deterministic
 * sample whose prompt is streamed in segments, so host memory stays flat from 4K to 64M tokens.
 *
 * @module
 */

import type { Split } from "../datasets/prng.ts";

/** What defines one sample, besides the task. */
export interface SampleRequest {
  /** Prompt tokens, up to and including the question (the answer is not counted). */
  length: number;
  /** Fraction of the haystack before the needle, in [0, 1]. */
  depth: number;
  /** User seed, a non-negative integer. */
  seed: number;
  /** Sample index within a cell, a non-negative integer. */
  sample: number;
  /** Which partition the secret is drawn from; train and eval never share a secret. */
  split: Split;
}

/**
 * How the runner scores a sample. "generate": the prompt ends in a question whose answer is scored
 * teacher-forced and by greedy generation (exact match). "likelihood": there is no answer; the runner
 * scores the prompt itself, the log-probability of every byte given the ones before (bits per byte).
 */
export type Scoring = "generate" | "likelihood";

/** One generated sample. Its prompt exists only as a stream: call {@link TaskSample.segments}. */
export interface TaskSample {
  /** Task name. */
  task: string;
  /** How the runner scores it; absent means "generate". */
  scoring?: Scoring;
  /** Parameters defining the sample beyond length/depth/seed (e.g. haystack name, key digits range). */
  taskParams: Record<string, unknown>;
  /** Version of the generator that produced it. */
  generatorVersion: number;
  /** The requested length. */
  lengthRequested: number;
  /** Tokens the prompt really has; equals lengthRequested for passkey. */
  lengthActual: number;
  /** The requested depth. */
  depth: number;
  /** Where the needle really starts, as a fraction of the haystack (the queried needle, when several). */
  depthActual: number;
  /** Tasks with several needles: where each really starts, as fractions of the haystack, in text order. */
  needleDepths?: number[];
  /** The request's seed. */
  seed: number;
  /** The request's sample index. */
  sample: number;
  /** Answer text (e.g. "4821937"). */
  expected: string;
  /**
   * Tasks whose answer lists several values: the values, in the answer's order (`expected` is them joined
   * with ", "). Scoring gives partial credit for each value recalled.
   */
  expectedValues?: string[];
  /** Tokenized expected, without the stop byte. */
  answerTokens: Uint8Array;
  /** Generation stops when the model emits it. */
  stopByte: number;
  /**
   * Streams the prompt tokens in order, `segmentTokens` per chunk (last may be shorter); total =
   * lengthActual; host memory O(segmentTokens). May be called more than once, yielding the same bytes.
   * Each chunk is a fresh array the caller may keep.
   */
  segments(segmentTokens: number): Iterable<Uint8Array>;
}

/** Chance level of an answer task: see {@link Task.chance}. */
export interface TaskChance {
  /** Probability that the best guess made without reading the prompt is an exact match. */
  exact: number;
  /** Expected partial-credit score of a guess drawn uniformly from the answer space. */
  score: number;
}

/** A benchmark task: a name, its fixed properties and a deterministic sample generator. */
export interface Task {
  /** Registry name, also the first seed part. */
  name: string;
  /** One line for listings and reports. */
  description: string;
  /** Byte that ends the answer. */
  stopByte: number;
  /** Bumped whenever the same request would produce different bytes. */
  generatorVersion: number;
  /** Shortest length the task can build; shorter requests throw. */
  minLength: number;
  /**
   * Longest length the task can build for `split`, where there is a limit (lm_bpb: the distinct text of
   * the split's corpus part); longer requests throw. Absent: no limit.
   */
  maxLength?(split: Split): number;
  /** The sample of `req`; a bad request throws an error naming the field. */
  generate(req: SampleRequest): TaskSample;
  /**
   * Chance level of an answer task, computed from the task's knobs: `exact`, the expected exact match of
   * the best guess made without reading the prompt (e.g. passkey: any 5-digit key); `score`, the expected
   * partial-credit score (the semantics of `scoreAnswer` in score.ts) of a guess drawn uniformly from the
   * task's answer space without reading the prompt (list answers: to first order in the odds of one value).
   * Rejection filters on the secret (the train/eval split rule, distinct values) are ignored. Absent for
   * tasks without an answer (lm_bpb).
   */
  chance?: TaskChance;
  /**
   * Tasks with a haystack: the same task over haystack source `haystack` (a name createHaystack knows);
   * an unknown name or a bad file throws.
   */
  withHaystack?(haystack: string): Task;
}

function checkCount(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${what} ${value} must be a non-negative integer`);
  }
}

/**
 * Throws an error naming the first bad field of `req`: length (an integer ≥ the task's minimum), depth (a
 * number in [0, 1]), seed and sample (non-negative integers), split ("train" or "eval").
 *
 * @example
 * ```ts
 * import { checkRequest } from "./task.ts";
 * checkRequest({ length: 4096, depth: 0.5, seed: 0, sample: 0, split: "eval" }, "passkey", 168);
 * ```
 */
export function checkRequest(req: SampleRequest, task: string, minLength: number): void {
  if (!Number.isSafeInteger(req.length)) throw new Error(`Length ${req.length} must be an integer`);
  if (req.length < minLength) {
    throw new Error(`Length ${req.length} is below the minimum length ${minLength} of task ${task}`);
  }
  if (typeof req.depth !== "number" || !(req.depth >= 0 && req.depth <= 1)) {
    throw new Error(`Depth ${req.depth} must be a number in [0, 1]`);
  }
  checkCount("Seed", req.seed);
  checkCount("Sample", req.sample);
  if (req.split !== "train" && req.split !== "eval") {
    throw new Error(`Split ${JSON.stringify(req.split)} must be "train" or "eval"`);
  }
}
