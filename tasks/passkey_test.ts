// Tests of the passkey task: golden prompts (from a Python port of PRNG.md), exact lengths, needle placement,
// determinism, split disjointness, segment invariance, 64M-token streaming speed and memory, bad inputs.
import { deepStrictEqual, notStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { FILLER_TEXT } from "../datasets/haystack.ts";
import { fnv1a32, splitOf } from "../datasets/prng.ts";
import { createPasskeyTask, PASSKEY_INTRO, PASSKEY_QUESTION, passkeyNeedle, passkeyTask } from "./passkey.ts";
import type { SampleRequest, TaskSample } from "./task.ts";
import { promptBytes as prompt, req } from "./test_helpers.ts";

function streamedBytes(sample: TaskSample, segmentTokens: number): number {
  let n = 0;
  for (const seg of sample.segments(segmentTokens)) {
    ok(
      seg.length === segmentTokens || n + seg.length === sample.lengthActual,
      "only the last segment is short",
    );
    n += seg.length;
  }
  return n;
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("passkey prompts match the golden vectors of PRNG.md", () => {
  const golden: [SampleRequest, string, number, number][] = [
    [req(4096, 0.5, 0, 0, "eval"), "51397", 1980, 0xad9b82b5],
    [req(4096, 0.5, 0, 0, "train"), "9835974", 1980, 0x2037a11d],
    [req(200, 0, 7, 3, "eval"), "77429", 0, 0x0d3eeeb8],
    [req(100000, 1, 1, 2, "train"), "7199927", 99832, 0xf71fb6ff],
    [req(5000, 0.37, 3, 9, "eval"), "64625", 1800, 0x50286028],
  ];
  for (const [r, key, offset, hash] of golden) {
    const s = passkeyTask.generate(r);
    strictEqual(s.expected, key);
    strictEqual(s.needleOffset, offset);
    strictEqual(fnv1a32(prompt(s)), hash, `prompt hash of ${JSON.stringify(r)}`);
  }
});

Deno.test("the prompt is intro, haystack with the needle at the first boundary, question", () => {
  const filler = FILLER_TEXT.repeat(800);
  for (const length of [168, 169, 200, 257, 1000, 4096, 9999, 70000]) {
    for (const depth of [0, 0.1, 0.25, 0.333, 0.5, 0.77, 0.999, 1]) {
      const s = passkeyTask.generate(req(length, depth, 1, length));
      const p = text(prompt(s, 333));
      const needle = passkeyNeedle(s.expected);
      const h = s.haystackBytes;
      strictEqual(h, length - PASSKEY_INTRO.length - needle.length - PASSKEY_QUESTION.length);
      ok(p.startsWith(PASSKEY_INTRO) && p.endsWith(PASSKEY_QUESTION), `frame of ${length}`);
      strictEqual(p.slice(s.needleStart, s.needleStart + needle.length), needle);
      const hay = p.slice(PASSKEY_INTRO.length, s.needleStart) +
        p.slice(s.needleStart + needle.length, length - PASSKEY_QUESTION.length);
      strictEqual(hay, filler.slice(0, h), `haystack of ${length} without the needle is the filler`);
      // First sentence start at or after floor(depth·H), found by plain search; the end when none.
      const target = Math.floor(depth * h);
      let want = target === 0 ? 0 : filler.indexOf(". ", target - 2) + 2;
      if (want > h) want = h;
      strictEqual(s.needleOffset, want, `needle offset at length ${length}, depth ${depth}`);
      strictEqual(s.depthActual, h > 0 ? want / h : 0);
      ok(Math.abs(s.depthActual * h - depth * h) <= 22, `depth ${depth} vs actual ${s.depthActual}`);
      // The answer is recoverable by plain search and stated nowhere else.
      const m = [...p.matchAll(/The pass key is (\d+)\./g)];
      strictEqual(m.length, 1);
      strictEqual(m[0][1], s.expected);
      strictEqual(text(s.answerTokens), s.expected);
    }
  }
});

Deno.test("prompts have exactly the requested length, counted while streaming", () => {
  const lengths: number[] = [];
  for (let n = passkeyTask.minLength; n < 600; n++) lengths.push(n);
  for (let n = 600; n <= 70000; n += 997) lengths.push(n);
  lengths.push(65536, 131072, 1_000_000);
  for (const length of lengths) {
    for (const depth of [0, 0.5, 1]) {
      const s = passkeyTask.generate(req(length, depth, 2, length, length % 2 ? "train" : "eval"));
      strictEqual(s.lengthActual, length);
      strictEqual(s.lengthRequested, length);
      strictEqual(streamedBytes(s, length > 100_000 ? 65536 : 113), length, `streamed bytes at ${length}`);
    }
  }
  const plain = createPasskeyTask({ intro: false });
  strictEqual(plain.minLength, passkeyTask.minLength - PASSKEY_INTRO.length);
  const s = plain.generate(req(plain.minLength, 0));
  strictEqual(streamedBytes(s, 64), plain.minLength);
  ok(text(prompt(s)).startsWith("The pass key is "));
});

Deno.test("samples are deterministic and differ across seed, sample and split", () => {
  const a = passkeyTask.generate(req(8192, 0.3, 5, 17));
  const b = passkeyTask.generate(req(8192, 0.3, 5, 17));
  strictEqual(a.expected, b.expected);
  deepStrictEqual(prompt(a), prompt(b));
  deepStrictEqual(prompt(a, 1000), prompt(a, 1000)); // segments() may be called again
  notStrictEqual(passkeyTask.generate(req(8192, 0.3, 6, 17)).expected, a.expected);
  notStrictEqual(passkeyTask.generate(req(8192, 0.3, 5, 18)).expected, a.expected);
  notStrictEqual(passkeyTask.generate(req(8192, 0.3, 5, 17, "train")).expected, a.expected);
  const keys = new Set<string>();
  for (let sample = 0; sample < 200; sample++) {
    keys.add(passkeyTask.generate(req(4096, 0.5, 0, sample)).expected);
  }
  ok(keys.size >= 195, `${keys.size} distinct keys in 200 samples`);
});

Deno.test("train and eval never share a key, and keys have 5 to 7 digits", () => {
  const train = new Set<string>();
  const evalKeys = new Set<string>();
  const digits = [0, 0, 0];
  for (let sample = 0; sample < 3000; sample++) {
    for (const split of ["train", "eval"] as const) {
      const key = passkeyTask.generate(req(1024, 0.5, 0, sample, split)).expected;
      ok(/^[1-9][0-9]{4,6}$/.test(key), `key ${key}`);
      strictEqual(splitOf(key), split);
      (split === "train" ? train : evalKeys).add(key);
      digits[key.length - 5]++;
    }
  }
  for (const key of evalKeys) ok(!train.has(key), `key ${key} drawn for both splits`);
  for (const d of digits) ok(Math.abs(d / 6000 - 1 / 3) < 0.03, `digit counts ${digits}`);
});

Deno.test("segments of any size concatenate to the same bytes", () => {
  const s = passkeyTask.generate(req(20000, 0.61, 3, 1));
  const whole = prompt(s, s.lengthActual);
  for (const size of [1, 7, 90, 4096, 19999, 20000, 1 << 20]) {
    deepStrictEqual(prompt(s, size), whole, `size ${size}`);
  }
  throws(() => s.segments(0), /Segment tokens 0/);
  throws(() => s.segments(1.5), /Segment tokens 1.5/);
});

// Speed and peak RSS at 1M–64M tokens are measured by `deno task bench:tasks`, one process per cell; here
// only that a 64M prompt streams completely in segments of at most the requested size.
Deno.test("a 64M-token prompt streams whole, in bounded segments", () => {
  const length = 64 * 2 ** 20;
  const s = passkeyTask.generate(req(length, 0.5, 0, 0));
  const segment = 1 << 16;
  let n = 0;
  const needle = new Uint8Array(16); // the 16 bytes at needleStart, which may straddle two segments
  for (const seg of s.segments(segment)) {
    const from = Math.max(s.needleStart, n);
    const to = Math.min(s.needleStart + needle.length, n + seg.length);
    if (from < to) needle.set(seg.subarray(from - n, to - n), from - s.needleStart);
    ok(seg.length <= segment);
    n += seg.length;
  }
  strictEqual(n, length);
  strictEqual(text(needle), "The pass key is ");
});

Deno.test("bad requests throw errors naming the input", () => {
  const min = passkeyTask.minLength;
  throws(
    () => passkeyTask.generate(req(min - 1)),
    new RegExp(`Length ${min - 1} is below the minimum length ${min}`),
  );
  throws(() => passkeyTask.generate(req(1000.5)), /Length 1000.5 must be an integer/);
  throws(() => passkeyTask.generate(req(Infinity)), /Length Infinity/);
  throws(() => passkeyTask.generate(req(1000, -0.1)), /Depth -0.1 must be a number in \[0, 1\]/);
  throws(() => passkeyTask.generate(req(1000, 1.5)), /Depth 1.5/);
  throws(() => passkeyTask.generate(req(1000, NaN)), /Depth NaN/);
  throws(() => passkeyTask.generate(req(1000, 0.5, -1)), /Seed -1/);
  throws(() => passkeyTask.generate(req(1000, 0.5, 0, 2.5)), /Sample 2.5/);
  throws(() => passkeyTask.generate({ ...req(1000), split: "test" as "eval" }), /Split "test"/);
  throws(() => createPasskeyTask({ haystack: "pg19" }), /Unknown haystack "pg19"/);
});
