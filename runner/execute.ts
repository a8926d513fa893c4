/**
 * Runs one sample on one model session: streamed segment prefill, then from that one prefill both
 * scorings — teacher-forced logits over the answer, and greedy generation up to the stop byte —
 * with prefill and decode timed apart.
 *
 * @module
 */
import type { Backend, DeviceTimer, Tensor } from "../backends/backend.ts";
import type { Model } from "../models/session.ts";
import type { TaskSample } from "../tasks/task.ts";
import { scoreAnswer } from "../tasks/score.ts";
import type { AnswerLogit } from "./result.ts";
import type { HostPeak } from "./env.ts";

/** Thrown when a sample passes its deadline; the runner records a `timeout` row. */
export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

/** What one sample measured. */
export interface SampleOutcome {
  outputBytes: Uint8Array;
  correct: boolean;
  /** Partial credit in [0, 1] (tasks/score.ts scoreAnswer): share of the answer's values recalled. */
  score: number;
  correctTeacherForced: boolean;
  answerTokenAccuracy: number;
  answerLogits: AnswerLogit[];
  prefillMs: number;
  decodeMsPerToken: number | null;
  sessionBytes: number;
}

/** Options of {@link runSample}. */
export interface RunSampleOptions {
  segmentTokens: number;
  /** performance.now() value after which the sample is abandoned; Infinity = none. */
  deadline: number;
  hostPeak: HostPeak;
  /** Called after each prefill segment with tokens done so far. */
  onProgress?: (tokensDone: number) => void;
}

/** Row statistics of a logits row. */
function rowStats(logits: Float64Array, expected: number): AnswerLogit {
  let max = -Infinity, arg = 0;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) [max, arg] = [logits[i], i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  return { expected_logit: logits[expected], argmax_id: arg, logsumexp: max + Math.log(sum) };
}

/** Prefills the sample's prompt and scores the answer both ways. */
export async function runSample(
  model: Model,
  sample: TaskSample,
  opts: RunSampleOptions,
): Promise<SampleOutcome> {
  const b = model.backend;
  const V = model.dims.vocab;
  const check = (where: string) => {
    if (performance.now() > opts.deadline) throw new TimeoutError(`Cell timeout reached during ${where}`);
  };
  const clock = new Stopwatch(b);
  const session = model.session();
  try {
    // 1. Prefill, segment by segment; only the last segment's last-position logits are kept.
    let last: Tensor | null = null;
    let prefillMs = 0, done = 0;
    for (const seg of sample.segments(opts.segmentTokens)) {
      check(`prefill at token ${done}`);
      const ids = Int32Array.from(seg);
      const [logits, ms] = await clock.time(() => session.forward(ids));
      prefillMs += ms;
      if (last) b.dispose(last);
      last = logits;
      done += ids.length;
      opts.hostPeak.sample();
      opts.onProgress?.(done);
    }
    if (!last) throw new Error("The task produced an empty prompt");
    const first = (await b.download(last)) as Float64Array;
    b.dispose(last);
    const sessionBytes = session.bytes();
    const answer = sample.answerTokens;
    const n = answer.length;
    const cp = session.checkpoint();
    try {
      // 2. Teacher forcing: one forward over answer[0..n-2] gives the logits of positions 1..n-1.
      const stats: AnswerLogit[] = [rowStats(first, answer[0])];
      if (n > 1) {
        check("teacher-forced scoring");
        const tf = session.forward(Int32Array.from(answer.subarray(0, n - 1)), { allLogits: true });
        const all = (await b.download(tf)) as Float64Array;
        b.dispose(tf);
        for (let i = 1; i < n; i++) stats.push(rowStats(all.subarray((i - 1) * V, i * V), answer[i]));
        session.restore(cp);
      }
      const hits = stats.filter((s, i) => s.argmax_id === answer[i]).length;
      // 3. Greedy generation from the same prefill, until the stop byte or n + 4 tokens.
      const out: number[] = [];
      let tok = stats[0].argmax_id;
      let stepMs = 0, steps = 0;
      while (tok !== sample.stopByte && out.length < n + 4) {
        out.push(tok);
        if (out.length >= n + 4) break;
        check("greedy decoding");
        const [logits, ms] = await clock.time(() => session.step(tok));
        const row = (await b.download(logits)) as Float64Array;
        stepMs += ms;
        steps++;
        b.dispose(logits);
        tok = rowStats(row, 0).argmax_id;
        opts.hostPeak.sample();
      }
      const outputBytes = Uint8Array.from(out);
      return {
        outputBytes,
        correct: out.length === n && out.every((t, i) => t === answer[i]),
        score: scoreAnswer(sample, outputBytes).score,
        correctTeacherForced: hits === n,
        answerTokenAccuracy: hits / n,
        answerLogits: stats,
        prefillMs,
        decodeMsPerToken: steps > 0 ? stepMs / steps : null,
        sessionBytes,
      };
    } finally {
      session.disposeCheckpoint(cp);
    }
  } finally {
    session.dispose();
    clock.dispose();
  }
}

/**
 * Times enqueued device work: with the backend's device timer (CUDA events) where it has one, else with
 * the host clock between two `synchronize()` calls.
 */
class Stopwatch {
  #backend: Backend;
  #timer: DeviceTimer | null;

  constructor(backend: Backend) {
    this.#backend = backend;
    this.#timer = backend.createTimer?.() ?? null;
  }

  /** Runs `work` (which enqueues device work) and returns its result with the milliseconds it took. */
  async time<T>(work: () => T): Promise<[T, number]> {
    const timer = this.#timer;
    if (timer) {
      timer.start();
      const result = work();
      timer.stop();
      return [result, timer.elapsedMs()];
    }
    await this.#backend.synchronize();
    const t0 = performance.now();
    const result = work();
    await this.#backend.synchronize();
    return [result, performance.now() - t0];
  }

  /** Releases the device timer. */
  dispose(): void {
    this.#timer?.dispose();
  }
}
