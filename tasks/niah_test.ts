// Tests of the NIAH tasks: golden prompts (from the Python port), determinism, exact lengths, needle
// placement at sentence starts and distinct depths, answers recoverable by string search, the split rule,
// haystack choice, bad inputs and streaming speed.
import { deepStrictEqual, notStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { sentenceStarts } from "../datasets/cyclic.ts";
import { fnv1a32, type Split, splitOf } from "../datasets/prng.ts";
import {
  createNiahTask,
  NIAH_INTRO,
  niahMultikeyTask,
  niahMultiqueryTask,
  niahMultivalueTask,
  niahNeedle,
  niahSingleTask,
  type NiahTask,
} from "./niah.ts";
import type { SampleRequest } from "./task.ts";
import { promptBytes as prompt, req } from "./test_helpers.ts";

const TASKS: readonly NiahTask[] = [niahSingleTask, niahMultikeyTask, niahMultivalueTask, niahMultiqueryTask];
const HAYSTACKS = ["austen", "random-words", "repeated-filler"];

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** The answer a reader finds by string search: the question's keys, each key's needle values in text order. */
function solve(p: string): string {
  const asked = /\nWhat (?:is|are|are all) the special magic numbers? for (.+)\? /.exec(p)![1].split(
    /, | and /,
  );
  return asked.flatMap((key) =>
    [...p.matchAll(new RegExp(`One of the special magic numbers for ${key} is: (\\d{7})\\. `, "g"))].map((
      m,
    ) => m[1])
  ).join(", ");
}

Deno.test("NIAH prompts match the golden vectors of PRNG.md", () => {
  const golden: [NiahTask, SampleRequest, string, number[], number][] = [
    [niahSingleTask, req(4096, 0.5, 0, 0, "eval"), "2871911", [1903], 0xc869a133],
    [niahMultikeyTask, req(8192, 0.25, 1, 2, "train"), "9616575", [270, 1929, 6724, 7672], 0xa564fdbf],
    [
      niahMultivalueTask,
      req(10000, 0.9, 3, 0, "eval"),
      "4777172, 7068093, 6402299, 7867732",
      [1264, 2619, 8591, 9068],
      0x8bb80ecb,
    ],
    [
      niahMultiqueryTask,
      req(6000, 0, 0, 5, "train"),
      "8537218, 1554531, 1806583, 4667835",
      [0, 1309, 2230, 3229],
      0x1789c9a9,
    ],
  ];
  for (const [task, r, expected, offsets, hash] of golden) {
    const s = task.generate(r);
    strictEqual(s.expected, expected, `${task.name} answer`);
    deepStrictEqual(s.needleOffsets, offsets, `${task.name} needle offsets`);
    strictEqual(fnv1a32(prompt(s)), hash, `${task.name} prompt hash`);
  }
});

Deno.test("NIAH samples are deterministic, exactly as long as asked, and the same in any segment size", () => {
  for (const task of TASKS) {
    for (const haystack of HAYSTACKS) {
      const t = task.withHaystack(haystack);
      for (const length of [t.minLength, t.minLength + 1, 10_000, 65_539]) {
        const a = t.generate(req(length, 0.3, 4, 1));
        const bytes = prompt(a);
        strictEqual(a.lengthActual, length);
        strictEqual(a.lengthRequested, length);
        deepStrictEqual(prompt(t.generate(req(length, 0.3, 4, 1)), 777), bytes);
        deepStrictEqual(prompt(a, 1), bytes); // a second pass, one token a segment
        notStrictEqual(t.generate(req(length, 0.3, 4, 2)).expected, a.expected);
      }
    }
  }
});

Deno.test("every answer can be found in its prompt by string search", () => {
  for (const task of TASKS) {
    for (const haystack of HAYSTACKS) {
      for (let i = 0; i < 12; i++) {
        const s = task.withHaystack(haystack).generate(req(task.minLength + 997 * i, i / 11, i, i % 3));
        const p = text(prompt(s));
        strictEqual(solve(p), s.expected, `${task.name} over ${haystack}, sample ${i}`);
        strictEqual(s.expectedValues!.join(", "), s.expected);
        ok(p.startsWith(NIAH_INTRO) && p.endsWith(" "));
      }
    }
  }
});

Deno.test("needles sit at distinct sentence starts, the queried one at the first start from the depth", () => {
  for (const task of TASKS) {
    for (const haystack of HAYSTACKS) {
      for (
        const [depth, length] of [[0, 20_000], [0.1, task.minLength], [0.5, 9_000], [0.77, 50_000], [
          1,
          12_345,
        ]]
      ) {
        const s = task.withHaystack(haystack).generate(req(length, depth, 9, 0, "train"));
        const p = prompt(s);
        const where = `${task.name} over ${haystack} at depth ${depth}, length ${length}`;
        // Take the needles out again: what is left is the haystack, H bytes.
        const intro = NIAH_INTRO.length;
        const parts: Uint8Array[] = [];
        let at = intro, needleBytes = 0;
        s.needleStarts.forEach((start, i) => {
          strictEqual(start, intro + s.needleOffsets[i] + needleBytes, `${where}: needle start`);
          parts.push(p.subarray(at, start));
          const needle =
            /^One of the special magic numbers for \S+ is: \d{7}\. /.exec(text(p.subarray(start)))![0];
          needleBytes += needle.length;
          at = start + needle.length;
        });
        parts.push(p.subarray(at, p.lastIndexOf(10))); // up to the question's "\n"
        const hay = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
        strictEqual(hay.length, s.haystackBytes, where);
        parts.reduce((o, x) => (hay.set(x, o), o + x.length), 0);
        const starts = new Set([...sentenceStarts(hay), s.haystackBytes]);
        const needles = s.needleOffsets.length;
        strictEqual(new Set(s.needleOffsets).size, needles, `${where}: distinct offsets`);
        deepStrictEqual(s.needleOffsets, [...s.needleOffsets].sort((x, y) => x - y));
        for (const off of s.needleOffsets) {
          ok(starts.has(off), `${where}: needle at ${off} is not a sentence start`);
        }
        // The queried needle: the first start at or after floor(depth · H).
        const queried = s.depthActual * s.haystackBytes;
        const target = Math.floor(depth * s.haystackBytes);
        ok(queried >= target, where);
        for (const b of starts) {
          ok(b < target || b >= queried, `${where}: start ${b} lies between ${target} and ${queried}`);
        }
        deepStrictEqual(s.needleDepths, s.needleOffsets.map((x) => x / s.haystackBytes));
        ok(s.needleDepths.includes(s.depthActual));
      }
    }
  }
});

Deno.test("values are 7-digit, distinct and of the requested split; keys are distinct word pairs", () => {
  for (const task of [niahMultikeyTask, niahMultivalueTask, niahMultiqueryTask]) {
    for (const split of ["train", "eval"] as const) {
      for (let sample = 0; sample < 20; sample++) {
        const s = task.generate(req(task.minLength, 0.5, 0, sample, split));
        const p = text(prompt(s));
        const needles = [...p.matchAll(/magic numbers for ([a-z]+-[a-z]+) is: (\d{7})\. /g)];
        strictEqual(needles.length, 4);
        const values = needles.map((m) => m[2]);
        strictEqual(new Set(values).size, 4);
        for (const v of values) strictEqual(splitOf(v), split, `value ${v}`);
        const keys = new Set(needles.map((m) => m[1]));
        strictEqual(keys.size, task === niahMultivalueTask ? 1 : 4);
        for (const k of keys) notStrictEqual(k.split("-")[0], k.split("-")[1]);
      }
    }
  }
  strictEqual(niahNeedle("a-b", "1234567"), "One of the special magic numbers for a-b is: 1234567. ");
});

Deno.test("NIAH task params record the haystack and the counts", () => {
  const s = niahMultiqueryTask.generate(req(8000));
  deepStrictEqual(s.taskParams, {
    split: "eval",
    haystack: "austen",
    keys: 4,
    values_per_key: 1,
    queries: 4,
    value_digits: 7,
  });
  strictEqual(s.generatorVersion, 1);
  strictEqual(s.stopByte, 0x2e);
  strictEqual(
    niahSingleTask.withHaystack("random-words").generate(req(8000)).taskParams.haystack,
    "random-words",
  );
  ok(niahMultivalueTask.description.includes("austen haystack"));
});

Deno.test("bad requests, options and haystack files give errors naming the field or file", async () => {
  const t = niahMultikeyTask;
  throws(
    () => t.generate(req(t.minLength - 1)),
    new RegExp(`Length ${t.minLength - 1} is below the minimum`),
  );
  throws(() => t.generate(req(8000, 1.5)), /Depth 1.5 must be a number in \[0, 1\]/);
  throws(() => t.generate({ ...req(8000), seed: -1 }), /Seed -1/);
  throws(() => t.generate({ ...req(8000), sample: 0.5 }), /Sample 0.5/);
  throws(() => t.generate({ ...req(8000), split: "test" as Split }), /Split "test"/);
  const base = { name: "x", description: "x", keys: 2, valuesPerKey: 1, queries: 1 };
  throws(() => createNiahTask({ ...base, keys: 0 }), /Task x: keys 0 must be an integer ≥ 1/);
  throws(() => createNiahTask({ ...base, queries: 3 }), /queries 3 must be at most keys 2/);
  throws(() => createNiahTask({ ...base, valuesPerKey: 2, queries: 2 }), /several queries need one value/);
  throws(() => createNiahTask({ ...base, haystack: "pg19" }), /Unknown haystack "pg19"/);
  throws(() => t.withHaystack("file:/nonexistent/hay.txt"), /Haystack file \/nonexistent\/hay\.txt: /);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/one.txt`, "no sentence ends here ".repeat(1000)); // one start in 22 KB
    const s = niahSingleTask.withHaystack(`file:${dir}/one.txt`).generate(req(3000));
    strictEqual(s.taskParams.haystack, `file:${dir}/one.txt`);
    strictEqual(typeof s.taskParams.haystack_sha256, "string");
    // Four needles need four sentence starts in the haystack; this file has one in far more than H bytes.
    throws(
      () => niahMultikeyTask.withHaystack(`file:${dir}/one.txt`).generate(req(niahMultikeyTask.minLength)),
      new RegExp(`Haystack file:${dir}/one.txt has too few sentence starts`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// Speed and peak RSS are measured by `deno task bench:tasks` (one process per cell), not by tests.
Deno.test("every NIAH task streams a 16M-token prompt whole, in bounded segments", () => {
  for (const task of TASKS) {
    const s = task.generate(req(16 * 2 ** 20, 0.5));
    let n = 0;
    for (const seg of s.segments(1 << 16)) {
      ok(seg.length <= 1 << 16);
      n += seg.length;
    }
    strictEqual(n, 16 * 2 ** 20, task.name);
  }
});
