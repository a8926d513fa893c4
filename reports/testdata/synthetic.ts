/**
 * Synthetic result rows and run info for the printers' tests: one full ResultRow with overrides,
 * a small sweep (4 models × 2 backend/dtype × 4 lengths) with failures and one hostile output, and a
 * mixed-task run with partial credit (niah_multivalue) and bits per byte (lm_bpb).
 *
 * @module
 */

import { type BpbBucket, type ResultRow, type RunInfo, SCHEMA_VERSION } from "../../runner/result.ts";

/** A model output that tries to break out of a <script> block and run code. */
export const HOSTILE = "</script><img src=x onerror=alert(1)>";

/**
 * A complete, valid `ok` row; `overrides` replace any field. Keys follow the identifying fields, and the
 * score follows `correct` (1, 0 or null) unless overridden.
 */
export function makeRow(overrides: Partial<ResultRow> = {}): ResultRow {
  const row: ResultRow = {
    schema_version: SCHEMA_VERSION,
    key: "",
    cell_key: "",
    sample_key: "",
    status: "ok",
    message: "",
    model: "ramba",
    architecture: "ramba",
    model_parameters: 12_000_000,
    config_hash: "0123456789abcdef",
    weights_sha256: "random:0",
    trained: false,
    backend: "reference",
    device: "CPU (test)",
    dtype: "f32",
    segment_tokens: 4096,
    task: "passkey",
    task_params: { digits: 5 },
    generator_version: 1,
    length_requested: 4096,
    length_actual: 4096,
    depth: 0.5,
    depth_actual: 0.5,
    needle_depths: null,
    seed: 0,
    sample: 0,
    expected: "12345",
    output: "12345",
    correct: true,
    score: 1,
    correct_teacher_forced: true,
    answer_token_accuracy: 1,
    answer_logits: [{ expected_logit: 3.5, argmax_id: 49, logsumexp: 4.25 }],
    bpb: null,
    bpb_buckets: null,
    prefill_ms: 100,
    prefill_tokens_per_s: 40960,
    decode_ms_per_token: 2.5,
    timing_method: "performance.now after synchronize",
    peak_device_bytes: 1 << 20,
    peak_device_reported_bytes: null,
    peak_host_bytes: 64 << 20,
    peak_host_method: "Deno.memoryUsage().rss",
    session_bytes: 1 << 16,
    started_at: "2025-01-01T00:00:00.000Z",
    wall_ms: 120,
    ...overrides,
  };
  const cell = `${row.model}|${row.backend}|${row.dtype}|${row.segment_tokens}|${row.task}`;
  const sample = `${row.task}|${row.length_requested}|${row.depth}|${row.seed}|${row.sample}`;
  return {
    ...row,
    score: "score" in overrides ? overrides.score : row.correct === null ? null : row.correct ? 1 : 0,
    key: overrides.key ?? `${cell}#${sample}`,
    cell_key: overrides.cell_key ?? cell,
    sample_key: overrides.sample_key ?? sample,
  };
}

/** A failed row: numbers null, `status` and `message` set. */
export function makeFailedRow(
  status: ResultRow["status"],
  message: string,
  overrides: Partial<ResultRow> = {},
): ResultRow {
  return makeRow({
    status,
    message,
    length_actual: null,
    depth_actual: null,
    output: null,
    correct: null,
    correct_teacher_forced: null,
    answer_token_accuracy: null,
    answer_logits: null,
    prefill_ms: null,
    prefill_tokens_per_s: null,
    decode_ms_per_token: null,
    peak_device_bytes: null,
    peak_host_bytes: null,
    session_bytes: null,
    wall_ms: null,
    ...overrides,
  });
}

/** A complete RunInfo; `overrides` replace any top-level field. */
export function makeRunInfo(overrides: Partial<RunInfo> = {}): RunInfo {
  return {
    schema_version: SCHEMA_VERSION,
    run_id: "2025-01-01T00-00-00Z-test",
    created_at: "2025-01-01T00:00:00.000Z",
    config: { models: ["ramba"], backends: ["reference"], lengths: [4096], seeds: [0] },
    environment: {
      cpu: "Test CPU",
      cores: 8,
      memory_bytes: 16 * 2 ** 30,
      os: "linux",
      deno: "2.9.6",
      v8: "15.0",
      typescript: "6.0",
      devices: ["CPU"],
    },
    op_support: {
      reference: { embedding: true, ssdScan: true, attention: true },
      webgpu: { embedding: true, ssdScan: true, attention: false },
    },
    backends: {
      reference: { available: true, reason: "always" },
      webgpu: { available: true, reason: "adapter found" },
    },
    commit: { sha: "0123456789abcdef0123456789abcdef01234567", dirty: false, source: "git" },
    ...overrides,
  };
}

/** Models of the synthetic sweep. */
export const SYNTHETIC_MODELS = ["ramba", "transformer", "mamba2", "swa-hsa"] as const;
/** Backend/dtype pairs of the synthetic sweep. */
export const SYNTHETIC_VARIANTS = [
  { backend: "reference", dtype: "f32" },
  { backend: "webgpu", dtype: "f16" },
] as const;
/** Lengths of the synthetic sweep (4K .. 16M). */
export const SYNTHETIC_LENGTHS = [4096, 65_536, 1_048_576, 16_777_216] as const;

/** Needle depths of the synthetic sweep: samples alternate between them. */
export const SYNTHETIC_DEPTHS = [0.25, 0.75] as const;

/**
 * A sweep of 4 models × 2 backend/dtype × 4 lengths × 4 samples (two per depth). The transformer runs
 * out of memory at the longest length, one mamba2 sample times out, swa-hsa on webgpu is unsupported
 * at the longest length, and one ramba output is {@link HOSTILE}. The webgpu rows' logits differ from
 * the reference's by a little, growing with length.
 */
export function syntheticRun(): { info: RunInfo; rows: ResultRow[] } {
  const rows: ResultRow[] = [];
  SYNTHETIC_MODELS.forEach((model, m) => {
    SYNTHETIC_VARIANTS.forEach(({ backend, dtype }, v) => {
      SYNTHETIC_LENGTHS.forEach((length, l) => {
        for (let sample = 0; sample < 4; sample++) {
          const depth = SYNTHETIC_DEPTHS[sample % 2];
          const base = {
            model,
            architecture: model,
            backend,
            dtype,
            length_requested: length,
            depth,
            sample,
          };
          if (model === "transformer" && l === 3) {
            rows.push(makeFailedRow("oom", `Out of memory: KV cache needs ${length * 512} bytes`, base));
            continue;
          }
          if (model === "mamba2" && backend === "webgpu" && l === 2 && sample === 3) {
            rows.push(makeFailedRow("timeout", "Cell exceeded 600 s", base));
            continue;
          }
          if (model === "swa-hsa" && backend === "webgpu" && l === 3) {
            rows.push(makeFailedRow("unsupported", "Backend webgpu does not implement hsaTopK", base));
            continue;
          }
          // Accuracy falls with length, faster for weaker models; teacher forcing is a bit kinder.
          const nCorrect = Math.max(0, 4 - Math.floor((l * (m + 1)) / 3));
          const correct = sample < nCorrect;
          const tf = sample < Math.min(4, nCorrect + 1);
          const hostile = model === "ramba" && v === 1 && l === 1 && sample === 0;
          const rate = (2_000_000 / (m + 1)) * (v === 0 ? 1 : 6) / (1 + length / 2 ** (22 - m));
          rows.push(makeRow({
            ...base,
            output: hostile ? HOSTILE : correct ? "12345" : "12945",
            correct: hostile ? false : correct,
            correct_teacher_forced: tf,
            answer_token_accuracy: correct ? 1 : 0.8,
            length_actual: length + 3,
            prefill_tokens_per_s: rate * (1 + sample / 100),
            prefill_ms: (length / rate) * 1000,
            decode_ms_per_token: 1 + m + l / 2,
            peak_host_bytes: (64 << 20) + length * 8,
            peak_device_bytes: length * 16 * (m + 1),
            answer_logits: [{ expected_logit: 3.5 + v * 0.001 * (l + 1), argmax_id: 49, logsumexp: 4.25 }],
          }));
        }
      });
    });
  });
  const info = makeRunInfo({
    config: {
      models: [...SYNTHETIC_MODELS],
      backends: SYNTHETIC_VARIANTS.map((v) => v.backend),
      lengths: [...SYNTHETIC_LENGTHS],
      samples: 4,
    },
  });
  return { info, rows };
}

/**
 * The position buckets of a likelihood-scored prompt of `length` bytes, as runner/bits_per_byte.ts makes
 * them ([0, 1024) without position 0, then doubling, the last cut at `length`); `at(start)` gives each
 * bucket's bits per byte.
 */
export function makeBuckets(length: number, at: (start: number) => number): BpbBucket[] {
  const buckets: BpbBucket[] = [];
  for (let start = 0, end = 1024; start < length; start = end, end *= 2) {
    const stop = Math.min(end, length);
    buckets.push({ start, end: stop, bytes: stop - start - (start === 0 ? 1 : 0), bpb: at(start) });
  }
  return buckets;
}

/**
 * An ok lm_bpb row: no answer, buckets from `at` over the prompt's length_actual, and `bpb` their
 * byte-weighted mean.
 */
export function makeBpbRow(
  overrides: Partial<ResultRow> = {},
  at: (start: number) => number = () => 2,
): ResultRow {
  const length = overrides.length_actual ?? overrides.length_requested ?? 4096;
  const buckets = makeBuckets(length, at);
  const bytes = buckets.reduce((sum, b) => sum + b.bytes, 0);
  return makeRow({
    task: "lm_bpb",
    task_params: { corpus: "austen", split: "eval" },
    length_actual: length,
    expected: "",
    output: null,
    correct: null,
    score: null,
    correct_teacher_forced: null,
    answer_token_accuracy: null,
    answer_logits: null,
    decode_ms_per_token: null,
    bpb: buckets.reduce((sum, b) => sum + b.bpb * b.bytes, 0) / bytes,
    bpb_buckets: buckets,
    ...overrides,
  });
}

/** Models of the mixed-task run. */
export const TASK_RUN_MODELS = ["ramba", "transformer"] as const;
/** Tasks of the mixed-task run: exact match, partial credit, bits per byte. */
export const TASK_RUN_TASKS = ["lm_bpb", "niah_multivalue", "passkey"] as const;
/** Lengths of the mixed-task run. */
export const TASK_RUN_LENGTHS = [4096, 65_536] as const;

/** Bits per byte at a bucket start: ramba keeps improving with context, transformer degrades past 2K. */
export function taskRunBpb(model: string, start: number): number {
  const octaves = Math.log2(1 + start / 1024);
  return model === "ramba" ? 2.5 - 0.1 * octaves : 2.2 + (start >= 2048 ? 0.3 * octaves : 0);
}

/**
 * 2 models × reference/f32 × 3 tasks × 2 lengths × 4 samples (two per depth). passkey is exact match;
 * niah_multivalue names 4 − sample (ramba) or 3 − sample (transformer) of its 4 values, at 64K one fewer
 * (never below 0), so partial scores differ from exact match; lm_bpb has buckets by
 * {@link taskRunBpb}, and the transformer runs out of memory at 64K.
 */
export function syntheticTaskRun(): { info: RunInfo; rows: ResultRow[] } {
  const values = ["1111111", "2222222", "3333333", "4444444"];
  const rows: ResultRow[] = [];
  TASK_RUN_MODELS.forEach((model, m) => {
    TASK_RUN_LENGTHS.forEach((length, l) => {
      for (let sample = 0; sample < 4; sample++) {
        const depth = SYNTHETIC_DEPTHS[sample % 2];
        const base = {
          model,
          architecture: model,
          length_requested: length,
          length_actual: length,
          depth,
          sample,
        };
        rows.push(makeRow({ ...base, task: "passkey", correct: sample < 3 - m - l }));
        const named = Math.max(0, 4 - sample - m - l);
        rows.push(makeRow({
          ...base,
          task: "niah_multivalue",
          expected: values.join(", "),
          output: values.slice(0, named).join(", "),
          correct: named === 4,
          score: named / 4,
          needle_depths: [0.1, 0.35, 0.6, 0.85],
        }));
        if (model === "transformer" && length === 65_536) {
          rows.push(
            makeFailedRow("oom", "Out of memory: KV cache", { ...base, task: "lm_bpb", length_actual: null }),
          );
        } else {
          rows.push(makeBpbRow({ ...base }, (start) => taskRunBpb(model, start)));
        }
      }
    });
  });
  const info = makeRunInfo({
    config: { models: [...TASK_RUN_MODELS], tasks: [...TASK_RUN_TASKS], lengths: [...TASK_RUN_LENGTHS] },
  });
  return { info, rows };
}
