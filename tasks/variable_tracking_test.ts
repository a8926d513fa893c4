// Tests of the variable tracking task: exact lengths, the answer recovered from the prompt by following the
// assignments, statement placement (depth, spacing, the haystack untouched between statements), determinism,
// the split rule, other haystacks, 64M-token streaming, bad inputs.
import { deepStrictEqual, notStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { FILLER_TEXT } from "../datasets/haystack.ts";
import { splitOf } from "../datasets/prng.ts";
import {
  createVariableTrackingTask,
  variableTrackingTask,
  VT_INTRO,
  vtQuestion,
} from "./variable_tracking.ts";
import { promptText as prompt, req } from "./test_helpers.ts";

const STATEMENT = /VAR ([A-Z]{5}) = (?:VAR ([A-Z]{5})|([0-9]{5}))\. /g;

/**
 * Reads a prompt the plain way: the statements in text order with their haystack offsets, the haystack
 * without them, the asked value, and the variables that hold it (following every assignment), in order.
 */
function read(text: string) {
  ok(text.startsWith(VT_INTRO), "intro");
  const value = text.match(/assigned the value ([0-9]{5}) in the text above/)![1];
  const question = vtQuestion(value);
  ok(text.endsWith(question), "question");
  const body = text.slice(VT_INTRO.length, text.length - question.length);
  const holds = new Map<string, string>(); // variable → value
  const holders: string[] = [];
  const offsets: number[] = [];
  let haystack = "", last = 0;
  for (const m of body.matchAll(STATEMENT)) {
    haystack += body.slice(last, m.index);
    last = m.index + m[0].length;
    offsets.push(haystack.length);
    ok(!holds.has(m[1]), `${m[1]} is assigned once`);
    const v = m[3] ?? holds.get(m[2]);
    ok(v !== undefined, `${m[2]} is assigned before ${m[1]} reads it`);
    holds.set(m[1], v);
    if (v === value) holders.push(m[1]);
  }
  haystack += body.slice(last);
  return { value, holders, offsets, haystack, statements: holds.size };
}

Deno.test("the answer is every variable a plain reading finds holding the value, in order", () => {
  const filler = FILLER_TEXT.repeat(1200);
  const lengths = [variableTrackingTask.minLength, variableTrackingTask.minLength + 1, 600, 1000, 4096];
  for (let n = 5000; n <= 100000; n += 9973) lengths.push(n);
  for (const length of lengths) {
    for (const depth of [0, 0.1, 0.37, 0.5, 0.9, 1]) {
      for (const split of ["train", "eval"] as const) {
        const s = variableTrackingTask.generate(req(length, depth, 1, length, split));
        strictEqual(s.lengthActual, length);
        const r = read(prompt(s, 333));
        strictEqual(r.statements, 15, "3 chains of 5 variables");
        strictEqual(r.holders.join(", "), s.expected);
        deepStrictEqual(s.expectedValues, r.holders);
        strictEqual(splitOf(r.value), split, "the value decides the split");
        strictEqual(r.haystack, filler.slice(0, s.haystackBytes), "the haystack is the filler, untouched");
        // Every statement sits at a sentence start (or the haystack's end).
        for (const p of r.offsets) ok(p === 0 || p === s.haystackBytes || filler.slice(p - 2, p) === ". ");
        // The recorded depths are the statements' real offsets.
        const h = s.haystackBytes;
        const all = [...s.needleDepths, ...s.distractorDepths.flat()].map((d) => Math.round(d * h)).sort((
          a,
          b,
        ) => a - b);
        deepStrictEqual(all, r.offsets, `offsets at ${length}, depth ${depth}`);
        strictEqual(s.depthActual, s.needleDepths[0]);
      }
    }
  }
});

Deno.test("the chain starts at the requested depth and spreads evenly after it", () => {
  for (const depth of [0, 0.1, 0.25, 0.5, 0.73, 0.9, 1]) {
    for (const length of [20000, 100000]) {
      const s = variableTrackingTask.generate(req(length, depth, 2));
      const slack = 90 / s.haystackBytes; // floors take up to 2 bytes; the next sentence start adds < 90
      s.needleDepths.forEach((d, j) => {
        const want = depth + (j * (1 - depth)) / 5;
        ok(
          d >= want - 2 / s.haystackBytes && d <= want + slack,
          `statement ${j} at ${d}, wanted ${want} (depth ${depth})`,
        );
      });
      for (const chain of s.distractorDepths) deepStrictEqual(chain, chain.toSorted((a, b) => a - b));
    }
  }
});

Deno.test("samples are deterministic, differ across request fields, names and values are distinct", () => {
  const a = variableTrackingTask.generate(req(8192, 0.3, 5, 17));
  const b = variableTrackingTask.generate(req(8192, 0.3, 5, 17));
  strictEqual(a.expected, b.expected);
  const whole = prompt(a, 8192);
  for (const size of [1, 7, 4096, 1 << 20]) strictEqual(prompt(b, size), whole, `segments of ${size}`);
  for (const other of [req(8192, 0.3, 6, 17), req(8192, 0.3, 5, 18), req(8192, 0.4, 5, 17)]) {
    notStrictEqual(prompt(variableTrackingTask.generate(other)), whole);
  }
  notStrictEqual(variableTrackingTask.generate(req(8192, 0.3, 5, 17, "train")).expected, a.expected);
  const values = { train: new Set<string>(), eval: new Set<string>() };
  for (let sample = 0; sample < 500; sample++) {
    for (const split of ["train", "eval"] as const) {
      const text = prompt(variableTrackingTask.generate(req(700, 0.5, 0, sample, split)));
      const names = [...text.matchAll(STATEMENT)].map((m) => m[1]);
      strictEqual(new Set(names).size, 15, "names are distinct");
      const assigned = [...text.matchAll(STATEMENT)].flatMap((m) => m[3] ?? []);
      strictEqual(new Set(assigned).size, 3, "chain values are distinct");
      values[split].add(read(text).value);
    }
  }
  for (const v of values.eval) ok(!values.train.has(v), `value ${v} asked in both splits`);
});

Deno.test("options: hops, distractors and another haystack", () => {
  const task = createVariableTrackingTask({ hops: 2, distractors: 0 });
  strictEqual(task.minLength, VT_INTRO.length + 19 + 2 * 23 + vtQuestion("12345").length);
  const s = task.generate(req(3000, 0.2, 4));
  const r = read(prompt(s));
  strictEqual(r.statements, 3);
  strictEqual(s.expected.split(", ").length, 3);
  deepStrictEqual(s.distractorDepths, []);
  deepStrictEqual(s.taskParams, {
    split: "eval",
    haystack: "repeated-filler",
    hops: 2,
    distractors: 0,
    name_letters: 5,
    value_digits: 5,
  });
  const words = variableTrackingTask.withHaystack("random-words");
  const w = words.generate(req(5000, 0.5, 1));
  strictEqual(w.taskParams.haystack, "random-words");
  strictEqual(prompt(w).length, 5000);
  strictEqual(read(prompt(w)).holders.join(", "), w.expected);
});

// Speed and peak RSS are measured by `deno task bench:tasks` (one process per cell), not by tests.
Deno.test("a 64M-token prompt streams whole, in bounded segments", () => {
  const length = 64 * 2 ** 20;
  const s = variableTrackingTask.generate(req(length, 0.5));
  let n = 0;
  for (const seg of s.segments(1 << 16)) {
    ok(seg.length <= 1 << 16);
    n += seg.length;
  }
  strictEqual(n, length);
});

Deno.test("bad requests and options throw errors naming the input", () => {
  const min = variableTrackingTask.minLength;
  throws(
    () => variableTrackingTask.generate(req(min - 1)),
    new RegExp(`Length ${min - 1} is below the minimum length ${min} of task variable_tracking`),
  );
  throws(() => variableTrackingTask.generate(req(1000.5)), /Length 1000.5 must be an integer/);
  throws(() => variableTrackingTask.generate(req(1000, -0.1)), /Depth -0.1/);
  throws(() => variableTrackingTask.generate(req(1000, 0.5, -1)), /Seed -1/);
  throws(() => variableTrackingTask.generate(req(1000, 0.5, 0, 2.5)), /Sample 2.5/);
  throws(() => variableTrackingTask.generate({ ...req(1000), split: "test" as "eval" }), /Split "test"/);
  throws(() => createVariableTrackingTask({ hops: 0 }), /Hops 0 must be an integer in \[1, 100\]/);
  throws(() => createVariableTrackingTask({ distractors: -1 }), /Distractors -1 must be an integer/);
  throws(() => createVariableTrackingTask({ haystack: "pg19" }), /Unknown haystack "pg19"/);
});
