/**
 * lm_bpb: language modelling on natural text. A sample is a window of the Austen corpus exactly `length`
 * bytes long, scored by likelihood: bits per byte over the window and by position bucket (the
 * length-extrapolation curve). There is no question and no answer. Every byte is a deterministic function
 * of (length, depth, seed, sample, split).
 *
 * @module
 */

import { corpusText } from "../datasets/corpus.ts";
import type { CyclicText } from "../datasets/cyclic.ts";
import { createRng, seedFrom } from "../datasets/prng.ts";
import { checkRequest, type SampleRequest, type Task, type TaskSample } from "./task.ts";

/** The corpus the windows come from (datasets/corpus/README.md). */
export const LM_BPB_CORPUS = "austen";

/** A lm_bpb sample, with where its window sits in the corpus part. */
export interface LmBpbSample extends TaskSample {
  /** Text position of the window's first byte in the corpus part of the split (a sentence start). */
  offset: number;
}

/** The lm_bpb task, whose samples tell where their window sits. */
export interface LmBpbTask extends Task {
  /** The sample of `req`; a length beyond the split's distinct text throws. */
  generate(req: SampleRequest): LmBpbSample;
}

/**
 * The lm_bpb task. The eval split reads the held-out part of the corpus, the train split the training part.
 * A window never wraps around: a request longer than the part throws an error naming both lengths, since a
 * model that has seen the text once could score repeated text by copying it.
 *
 * Steps of generate:
 * 1. P = the corpus part of the split (bytes), with its sentence starts s_0 = 0 < s_1 < ….
 * 2. Throw unless length ≤ |P|.
 * 3. rng = createRng(seedFrom(["lm_bpb", length, depth, seed, sample, split])); k = the number of sentence
 *    starts s_i with s_i + length ≤ |P| (at least 1: s_0 = 0); offset = s_{rng.uniformInt(0, k − 1)}.
 * 4. Prompt = P[offset, offset + length). depthActual = offset / |P|. (Depth only seeds the draw: other
 *    depths give other windows.)
 *
 * @example
 * ```ts
 * import { createLmBpbTask } from "./lm_bpb.ts";
 * const s = createLmBpbTask().generate({ length: 4096, depth: 0.5, seed: 0, sample: 0, split: "eval" });
 * s.scoring; // "likelihood"
 * ```
 */
export function createLmBpbTask(): LmBpbTask {
  const name = "lm_bpb";
  const generatorVersion = 1;
  const minLength = 2; // the first byte is only context: at least one byte to score
  const stopByte = 0x0a; // unused: likelihood samples generate nothing

  function generate(req: SampleRequest): LmBpbSample {
    checkRequest(req, name, minLength);
    const { length, depth, seed, sample, split } = req;
    // 1–2. The part, and the cap.
    const text = corpusText(split);
    const part = text.period;
    if (length > part) {
      throw new Error(
        `Length ${length} exceeds the ${part} bytes of distinct text in the ${split} part of the ` +
          `${LM_BPB_CORPUS} corpus: task ${name} never repeats text (that would measure copying); ` +
          `request at most ${part}`,
      );
    }
    // 3. A sentence start whose window fits: starts are ascending, so the fitting ones are a prefix.
    const starts = text.starts;
    let lo = 1, hi = starts.length; // count of starts ≤ part − length lies in [lo, hi]
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (starts[mid - 1] <= part - length) lo = mid;
      else hi = mid - 1;
    }
    const rng = createRng(seedFrom([name, length, depth, seed, sample, split]));
    const offset = starts[rng.uniformInt(0, lo - 1)];
    // 4. The window, streamed straight from the part (offset + length ≤ part: no wrap-around).
    const segments = (segmentTokens: number): Iterable<Uint8Array> => {
      if (!Number.isSafeInteger(segmentTokens) || segmentTokens < 1) {
        throw new Error(`Segment tokens ${segmentTokens} must be a positive integer`);
      }
      return streamWindow(text, offset, length, segmentTokens);
    };
    return {
      task: name,
      scoring: "likelihood",
      taskParams: { split, corpus: LM_BPB_CORPUS, corpus_bytes: part, offset },
      generatorVersion,
      lengthRequested: length,
      lengthActual: length,
      depth,
      depthActual: offset / part,
      seed,
      sample,
      expected: "",
      answerTokens: new Uint8Array(0),
      stopByte,
      offset,
      segments,
    };
  }

  return {
    name,
    description:
      `Language modelling: bits per byte of a window of ${LM_BPB_CORPUS} text (eval: the held-out ` +
      `part, ${corpusText("eval").period} bytes at most), overall and by position bucket; no answer`,
    stopByte,
    generatorVersion,
    minLength,
    maxLength: (split) => corpusText(split).period,
    generate,
  };
}

function* streamWindow(
  text: CyclicText,
  offset: number,
  length: number,
  segment: number,
): Generator<Uint8Array> {
  for (let done = 0; done < length; done += segment) {
    const out = new Uint8Array(Math.min(segment, length - done));
    text.copy(offset + done, out);
    yield out;
  }
}

/** The registered lm_bpb task. */
export const lmBpbTask: LmBpbTask = createLmBpbTask();
