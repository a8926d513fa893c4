/**
 * Runs one sample on one model session, as the sample's scoring asks:
 * - generate: streamed segment prefill, then from that one prefill both scorings — teacher-forced logits
 *   over the answer, and greedy generation up to the stop byte — with prefill and decode timed apart;
 * - likelihood: the prompt scored segment by segment on the device (each position's log-probability of the
 *   next byte; logits never leave the device), summed into bits per byte, overall and by position bucket.
 *
 * @module
 */
import type { Backend, DeviceTimer, Tensor } from "../backends/backend.ts";
import type { Model } from "../models/session.ts";
import { scoreTargets } from "../models/score.ts";
import type { TaskSample } from "../tasks/task.ts";
import { scoreAnswer } from "../tasks/score.ts";
import type { AnswerLogit, BpbBucket } from "./result.ts";
import { BitsPerByte } from "./bits_per_byte.ts";
import type { HostPeak } from "./env.ts";

/** Thrown when a sample passes its deadline; the runner records a `timeout` row. */
export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TimeoutError";
  }
}

/** Thrown when the backend lacks an op the sample's scoring needs; the runner records `unsupported`. */
export class UnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsupportedError";
  }
}

/** What one sample measured. The answer fields are null for likelihood scoring, the bpb fields otherwise. */
export interface SampleOutcome {
  outputBytes: Uint8Array | null;
  correct: boolean | null;
  /** Partial credit in [0, 1] (tasks/score.ts scoreAnswer): share of the answer's values recalled. */
  score: number | null;
  correctTeacherForced: boolean | null;
  answerTokenAccuracy: number | null;
  answerLogits: AnswerLogit[] | null;
  /** Bits per byte of the prompt (every byte but the first, given the bytes before it). */
  bpb: number | null;
  /** The same by position bucket. */
  bpbBuckets: BpbBucket[] | null;
  /** Prefill time; for likelihood scoring, of the forwards with logits at every position and the scoring op. */
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

/**
 * Runs the sample as its scoring asks ("generate" when it names none): see the module doc.
 *
 * @example
 * ```ts
 * const r = await runSample(model, sample, { segmentTokens: 1024, deadline: Infinity, hostPeak: new HostPeak() });
 * ```
 */
export function runSample(model: Model, sample: TaskSample, opts: RunSampleOptions): Promise<SampleOutcome> {
  return sample.scoring === "likelihood"
    ? runLikelihood(model, sample, opts)
    : runGenerate(model, sample, opts);
}

/** Throws a TimeoutError naming `where` once the deadline has passed. */
function deadlineCheck(deadline: number): (where: string) => void {
  return (where) => {
    if (performance.now() > deadline) throw new TimeoutError(`Cell timeout reached during ${where}`);
  };
}

/** Prefills the sample's prompt and scores the answer both ways. */
async function runGenerate(model: Model, sample: TaskSample, opts: RunSampleOptions): Promise<SampleOutcome> {
  const b = model.backend;
  const V = model.dims.vocab;
  const check = deadlineCheck(opts.deadline);
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
        bpb: null,
        bpbBuckets: null,
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
 * Scores the prompt by likelihood. The stream is read one segment ahead: a segment's targets are its own
 * bytes shifted by one plus the next segment's first byte; the prompt's last byte predicts nothing, and
 * its first is predicted by nothing (no beginning-of-text token), so L − 1 bytes are scored.
 */
async function runLikelihood(
  model: Model,
  sample: TaskSample,
  opts: RunSampleOptions,
): Promise<SampleOutcome> {
  const b = model.backend;
  if (!b.supports("targetLogProbs")) {
    throw new UnsupportedError(
      `Backend ${b.name} does not implement targetLogProbs (needed by ${sample.task})`,
    );
  }
  const check = deadlineCheck(opts.deadline);
  const clock = new Stopwatch(b);
  const session = model.session();
  const bits = new BitsPerByte(sample.lengthActual);
  let prefillMs = 0, done = 0;
  /** Scores `seg` (prompt positions done .. done + |seg| − 1); `next` is the byte after it, if any. */
  const score = async (seg: Uint8Array, next: number | null) => {
    check(`likelihood scoring at token ${done}`);
    const targets = new Int32Array(next === null ? seg.length - 1 : seg.length);
    targets.set(seg.subarray(1, 1 + targets.length));
    if (next !== null) targets[seg.length - 1] = next;
    const [lp, ms] = await clock.time(() => scoreTargets(session, Int32Array.from(seg), targets));
    prefillMs += ms;
    try {
      bits.add(done + 1, (await b.download(lp)) as Float64Array);
    } finally {
      b.dispose(lp);
    }
    done += seg.length;
    opts.hostPeak.sample();
    opts.onProgress?.(done);
  };
  try {
    let pending: Uint8Array | null = null;
    for (const seg of sample.segments(opts.segmentTokens)) {
      if (pending) await score(pending, seg[0]);
      pending = seg;
    }
    if (!pending) throw new Error("The task produced an empty prompt");
    await score(pending, null);
    return {
      outputBytes: null,
      correct: null,
      score: null,
      correctTeacherForced: null,
      answerTokenAccuracy: null,
      answerLogits: null,
      bpb: bits.total(),
      bpbBuckets: bits.buckets(),
      prefillMs,
      decodeMsPerToken: null,
      sessionBytes: session.bytes(),
    };
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
