// Tests of the lm_bpb task: exact lengths, windows of distinct corpus text starting at a sentence start,
// determinism, the split's part, segment invariance, and the cap at the part's length.
import { deepStrictEqual, notDeepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { corpusText } from "../datasets/corpus.ts";
import type { Split } from "../datasets/prng.ts";
import { lmBpbTask } from "./lm_bpb.ts";
import type { SampleRequest, TaskSample } from "./task.ts";

function req(length: number, seed = 0, sample = 0, split: Split = "eval", depth = 0.5): SampleRequest {
  return { length, depth, seed, sample, split };
}

function prompt(s: TaskSample, segmentTokens = 1000): Uint8Array {
  const out = new Uint8Array(s.lengthActual);
  let pos = 0;
  for (const seg of s.segments(segmentTokens)) {
    ok(seg.length === segmentTokens || pos + seg.length === s.lengthActual, "only the last segment is short");
    out.set(seg, pos);
    pos += seg.length;
  }
  strictEqual(pos, s.lengthActual);
  return out;
}

/** Bytes [start, start + n) of a corpus part, read through its cyclic text. */
function partBytes(split: Split, start: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  corpusText(split).copy(start, out);
  return out;
}

Deno.test("lm_bpb samples are likelihood-scored windows of exactly the requested length", () => {
  for (const length of [2, 1000, 4096, 50_000]) {
    const s = lmBpbTask.generate(req(length));
    strictEqual(s.scoring, "likelihood");
    strictEqual(s.lengthRequested, length);
    strictEqual(s.lengthActual, length);
    strictEqual(prompt(s).length, length);
    strictEqual(s.expected, "");
    strictEqual(s.answerTokens.length, 0);
  }
});

Deno.test("a window is the corpus part's text from a sentence start, without wrapping around", () => {
  for (const split of ["eval", "train"] as const) {
    const text = corpusText(split);
    for (let sample = 0; sample < 5; sample++) {
      const s = lmBpbTask.generate(req(30_000, 1, sample, split));
      ok(text.starts.includes(s.offset), `offset ${s.offset} is a sentence start`);
      ok(s.offset + 30_000 <= text.period, "the window fits in the part");
      deepStrictEqual(prompt(s), partBytes(split, s.offset, 30_000));
      strictEqual(s.taskParams.offset, s.offset);
      strictEqual(s.taskParams.corpus_bytes, text.period);
      strictEqual(s.depthActual, s.offset / text.period);
    }
  }
});

Deno.test("lm_bpb is deterministic, and seed, sample, depth and split change the window", () => {
  const a = lmBpbTask.generate(req(5000, 3, 2));
  const b = lmBpbTask.generate(req(5000, 3, 2));
  deepStrictEqual(prompt(a), prompt(b));
  strictEqual(a.offset, b.offset);
  const offsets = new Set([
    a.offset,
    lmBpbTask.generate(req(5000, 4, 2)).offset,
    lmBpbTask.generate(req(5000, 3, 3)).offset,
    lmBpbTask.generate(req(5000, 3, 2, "eval", 0.25)).offset,
  ]);
  strictEqual(offsets.size, 4);
  notDeepStrictEqual(prompt(lmBpbTask.generate(req(5000, 3, 2, "train"))), prompt(a));
});

Deno.test("the prompt does not depend on the segment size", () => {
  const s = lmBpbTask.generate(req(10_001, 7));
  const whole = prompt(s, 10_001);
  for (const seg of [1, 333, 4096, 1 << 20]) deepStrictEqual(prompt(s, seg), whole);
  throws(() => s.segments(0), /Segment tokens 0 must be a positive integer/);
});

Deno.test("the length is capped at the distinct text of the split: the whole part fits, one byte more throws", () => {
  const part = corpusText("eval").period;
  const whole = lmBpbTask.generate(req(part, 5));
  strictEqual(whole.offset, 0);
  deepStrictEqual(prompt(whole, 65536), partBytes("eval", 0, part));
  throws(
    () => lmBpbTask.generate(req(part + 1)),
    new RegExp(`Length ${part + 1} exceeds the ${part} bytes of distinct text in the eval part`),
  );
  strictEqual(lmBpbTask.maxLength!("eval"), part);
  strictEqual(lmBpbTask.maxLength!("train"), corpusText("train").period);
  // The training part is longer: the same length is fine there.
  strictEqual(lmBpbTask.generate(req(part + 1, 0, 0, "train")).lengthActual, part + 1);
  const train = corpusText("train").period;
  throws(() => lmBpbTask.generate(req(train + 1, 0, 0, "train")), new RegExp(`${train} bytes .* train part`));
});

Deno.test("lm_bpb rejects bad requests, naming the field", () => {
  throws(() => lmBpbTask.generate(req(1)), /Length 1 is below the minimum length 2 of task lm_bpb/);
  throws(() => lmBpbTask.generate(req(100, -1)), /Seed -1 must be a non-negative integer/);
});
