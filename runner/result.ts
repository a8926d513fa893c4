/**
 * The Result row: one per (cell, sample), appended to results.jsonl. This file is the documented
 * schema; every printer and the resume logic read rows through it. Field names are snake_case.
 *
 * @module
 */

/** Bump when a field is added, removed or changes meaning. */
export const SCHEMA_VERSION = 1;

/** Outcome of a row. Anything but `ok` carries a `message`. */
export type Status = "ok" | "oom" | "timeout" | "error" | "unsupported" | "skipped";

/** Every status, in display order. */
export const STATUSES: readonly Status[] = ["ok", "oom", "timeout", "error", "unsupported", "skipped"];

/** Teacher-forced view of one answer position. */
export interface AnswerLogit {
  /** Logit of the expected token. */
  expected_logit: number;
  /** Token id with the largest logit. */
  argmax_id: number;
  /** log Σ exp(logits). */
  logsumexp: number;
}

/**
 * Bits per byte of the bytes at prompt positions [start, end): the buckets are [0, 1024), [1024, 2048),
 * [2048, 4096), … doubling, the last one ending at the prompt's length. Position 0 is never scored.
 */
export interface BpbBucket {
  /** First position (0-based, inclusive). */
  start: number;
  /** End position (exclusive). */
  end: number;
  /** Bytes scored in the bucket. */
  bytes: number;
  /** −Σ log₂ p over them, divided by `bytes`. */
  bpb: number;
}

/** One result row. Numeric fields that could not be measured (failed cells) are null. */
export interface ResultRow {
  schema_version: number;
  /** Unique row key: hash of cell_key and sample_key. */
  key: string;
  /** Everything defining the cell: model config and weights hash, backend, dtype, segment, task. */
  cell_key: string;
  /** Task, task params, length, depth, seed, sample, generator version: no model, no backend. */
  sample_key: string;
  status: Status;
  /** Empty for `ok`. */
  message: string;
  /** Model name (folder name, or the path given). */
  model: string;
  architecture: string;
  model_parameters: number;
  /** sha256 of the canonical config JSON (hex, 16 chars). */
  config_hash: string;
  /** sha256 of model.safetensors, or "random:<seed>" for --random-weights. */
  weights_sha256: string;
  trained: boolean;
  backend: string;
  device: string;
  dtype: string;
  segment_tokens: number;
  task: string;
  task_params: Record<string, unknown>;
  generator_version: number;
  length_requested: number;
  length_actual: number | null;
  depth: number;
  depth_actual: number | null;
  /**
   * Tasks with several needles (niah_multikey, niah_multivalue, niah_multiquery, variable_tracking): where
   * each really starts, as fractions of the haystack, in text order. Null for single-needle tasks; absent
   * in rows written before it existed.
   */
  needle_depths?: number[] | null;
  seed: number;
  sample: number;
  expected: string;
  /** Greedy output before the stop byte, decoded as UTF-8 (lossy). */
  output: string | null;
  /** Greedy output equals the expected answer exactly. */
  correct: boolean | null;
  /**
   * Greedy partial credit in [0, 1]: for answers listing several values, the share of them the output
   * names (order-insensitive); otherwise 1 or 0 as `correct`. Absent in rows written before it existed.
   */
  score?: number | null;
  /** Every answer token is the argmax under teacher forcing. */
  correct_teacher_forced: boolean | null;
  /** Fraction of answer tokens that are the teacher-forced argmax. */
  answer_token_accuracy: number | null;
  answer_logits: AnswerLogit[] | null;
  /**
   * Likelihood-scored tasks (lm_bpb): bits per byte of the prompt, −Σ log₂ p(byte | bytes before) over
   * every byte but the first (which has no context), divided by their count. Null for other tasks and
   * failed rows; absent in rows written before it existed.
   */
  bpb?: number | null;
  /** The same by position of the scored byte, in power-of-two buckets (see {@link BpbBucket}). */
  bpb_buckets?: BpbBucket[] | null;
  prefill_ms: number | null;
  prefill_tokens_per_s: number | null;
  decode_ms_per_token: number | null;
  /** How times were taken, e.g. "performance.now after synchronize". */
  timing_method: string;
  /** Peak bytes of the backend's own allocator during the cell. */
  peak_device_bytes: number | null;
  /** What the device reported as used at the peak (null where the device cannot tell). */
  peak_device_reported_bytes: number | null;
  /** Peak resident set size of the process during the cell. */
  peak_host_bytes: number | null;
  /** How peak_host_bytes was measured. */
  peak_host_method: string;
  /** Session state size in bytes at the end of prefill. */
  session_bytes: number | null;
  /** ISO 8601 time the cell started. */
  started_at: string;
  /** Wall time of the whole row (generation, prefill, scoring), milliseconds. */
  wall_ms: number | null;
}

/** The run's description, written once to run.json. */
export interface RunInfo {
  schema_version: number;
  run_id: string;
  created_at: string;
  /** The resolved RunConfig. */
  config: Record<string, unknown>;
  environment: {
    cpu: string;
    cores: number;
    memory_bytes: number;
    os: string;
    deno: string;
    v8: string;
    typescript: string;
    devices: string[];
  };
  /** backend name → op name → supported. */
  op_support: Record<string, Record<string, boolean>>;
  /** backend name → availability reason. */
  backends: Record<string, { available: boolean; reason: string }>;
  commit: { sha: string | null; dirty: boolean | null; source: "git" | "flag" | "unknown" };
  /**
   * Task name → its description and chance level (`Task.chance`: exact match and mean partial-credit
   * score of a blind uniform guess; null for tasks without an answer). Absent in runs written before it.
   */
  tasks?: Record<string, { description: string; chance: { exact: number; score: number } | null }>;
}
