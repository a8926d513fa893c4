// Tests of the word counting tasks (common_words, frequent_words): exact lengths, answers recovered from the
// prompt by plain counting, count shapes, determinism, the split rule, partial credit, the fast uniform draw,
// 64M-token streaming speed and memory, bad inputs.
import { deepStrictEqual, notStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { createRng, splitOf } from "../datasets/prng.ts";
import { wordList } from "../datasets/words.ts";
import type { TaskSample } from "./task.ts";
import {
  commonWordsTask,
  createCommonWordsTask,
  createFrequentWordsTask,
  drawBelow,
  frequentWordsTask,
  partialScore,
  type WordsSample,
  type WordsTask,
} from "./words_tasks.ts";
import { promptText as prompt, req } from "./test_helpers.ts";

/** The list between intro and question, as items; the spaces padding it; checks the frame on the way. */
function listOf(task: WordsTask, s: TaskSample): { items: string[]; pad: number } {
  const text = prompt(s, 997);
  const intro = text.slice(0, text.indexOf("\n") + 1);
  const q = text.lastIndexOf("\nQuestion: ");
  ok(intro.length > 0 && q > intro.length, "intro line and question");
  ok(text.endsWith("words are: "), "the question ends where the answer starts");
  const body = text.slice(intro.length, q);
  const list = body.trimEnd();
  const items = list.split(" ");
  if (task.name.startsWith("common")) {
    // "1. apple 2. river ...": pairs of number and word, numbered from 1 without a gap.
    const words: string[] = [];
    for (let i = 0; i < items.length; i += 2) {
      strictEqual(items[i], `${i / 2 + 1}.`, `item number ${i / 2 + 1}`);
      words.push(items[i + 1]);
    }
    return { items: words, pad: body.length - list.length };
  }
  return { items, pad: body.length - list.length };
}

/** Counts of the items, and the items ranked by count, ties by first appearance. */
function rank(items: string[]): { counts: Map<string, number>; ranked: string[] } {
  const counts = new Map<string, number>();
  for (const w of items) counts.set(w, (counts.get(w) ?? 0) + 1);
  // A stable sort keeps words of equal count in order of first appearance.
  const ranked = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)!);
  return { counts, ranked };
}

/** Checks a sample against a plain count of its prompt; returns the counts. */
function checkAnswer(task: WordsTask, s: WordsSample, answerItems: number): Map<string, number> {
  const { items, pad } = listOf(task, s);
  const vocabulary = new Set(wordList().slice(0, 1000));
  ok(items.every((w) => vocabulary.has(w)), "every item is a vocabulary word");
  const { counts, ranked } = rank(items);
  deepStrictEqual(
    counts,
    new Map([...s.wordCounts].filter(([, c]) => c > 0)),
    "the count table is the prompt's",
  );
  const answer = s.expected.split(", ");
  strictEqual(answer.length, answerItems);
  deepStrictEqual(s.expectedValues, answer);
  deepStrictEqual(ranked.slice(0, answerItems), answer, `ranking of ${JSON.stringify(s.expected)}`);
  // The answer is unambiguous: the last answer word occurs more often than any other word.
  const after = ranked[answerItems] === undefined ? 0 : counts.get(ranked[answerItems])!;
  ok(
    counts.get(answer[answerItems - 1])! > after,
    `answer separated from the rest at length ${s.lengthActual}`,
  );
  // The padding is shorter than the list's longest item could be.
  ok(pad <= 24, `${pad} spaces of padding at length ${s.lengthActual}`);
  strictEqual(new TextDecoder().decode(s.answerTokens), s.expected);
  return counts;
}

Deno.test("common_words: the answer is the ranking a plain count of the prompt finds, at any length", () => {
  const lengths = [commonWordsTask.minLength, commonWordsTask.minLength + 1, 900, 1000, 1024, 2000, 4096];
  for (let n = 5000; n <= 70000; n += 6151) lengths.push(n);
  lengths.push(131072, 400_000);
  for (const length of lengths) {
    for (const split of ["train", "eval"] as const) {
      const s = commonWordsTask.generate(req(length, 0.5, 1, length, split));
      strictEqual(s.lengthActual, length);
      const counts = checkAnswer(commonWordsTask, s, 10);
      strictEqual(splitOf(s.expected), split);
      // Common words outnumber the others by about the ratio once lists are long.
      const common = s.expected.split(", ").map((w) => counts.get(w)!);
      const rest = [...counts].filter(([w]) => !s.expected.split(", ").includes(w)).map(([, c]) => c);
      if (length >= 100_000) {
        const ratio = Math.min(...common) / Math.max(...rest);
        ok(ratio > 7 && ratio < 11, `common/uncommon ${ratio} at ${length}`);
      }
      if (length >= 4096) ok(rest.length >= 200, `${rest.length} uncommon words at ${length}`);
    }
  }
});

Deno.test("frequent_words: Zipf counts, and the answer is the plain count's top three", () => {
  const lengths = [frequentWordsTask.minLength, frequentWordsTask.minLength + 1, 700, 1000, 4096];
  for (let n = 5000; n <= 70000; n += 6151) lengths.push(n);
  lengths.push(131072, 400_000);
  for (const length of lengths) {
    for (const split of ["train", "eval"] as const) {
      const s = frequentWordsTask.generate(req(length, 0.25, 2, length, split));
      const counts = checkAnswer(frequentWordsTask, s, 3);
      strictEqual(splitOf(s.expected), split);
      // Zipf counts floor(c / r²) from rank 2 on, for one c; the top word has c plus a few extra occurrences.
      const byRank = [...counts.values()].sort((a, b) => b - a);
      const zipf = (c: number) => byRank.every((n, i) => i === 0 || n === Math.floor(c / (i + 1) ** 2));
      const c = [0, 1, 2, 3].map((d) => 4 * byRank[1] + d).find(zipf);
      ok(c !== undefined && byRank[0] >= c, `counts ${byRank.slice(0, 8)} at length ${length}`);
    }
  }
  // Other options: five answers, Zipf exponent 1, 300 words.
  const task = createFrequentWordsTask({ answerWords: 5, alpha: 1, vocabulary: 300 });
  for (const length of [task.minLength, 3000, 50000]) checkAnswer(task, task.generate(req(length)), 5);
});

Deno.test("other options: fewer common words, a smaller ratio and vocabulary", () => {
  const task = createCommonWordsTask({ commonWords: 3, ratio: 4, vocabulary: 100 });
  strictEqual(task.generate(req(50000)).taskParams.common_words, 3);
  for (const length of [task.minLength, 2000, 50000]) {
    const s = task.generate(req(length, 0.5, 3));
    checkAnswer(task, s, 3);
    strictEqual(s.wordCounts.size, length === task.minLength ? s.wordCounts.size : 100);
  }
  deepStrictEqual(commonWordsTask.generate(req(5000)).taskParams, {
    split: "eval",
    vocabulary: 1000,
    common_words: 10,
    ratio: 10,
  });
});

Deno.test("samples are deterministic, differ across request fields, stream the same in any segments", () => {
  for (const task of [commonWordsTask, frequentWordsTask]) {
    const a = task.generate(req(20000, 0.3, 5, 17));
    const b = task.generate(req(20000, 0.3, 5, 17));
    strictEqual(a.expected, b.expected);
    const whole = prompt(a, 20000);
    strictEqual(prompt(b, 1), whole);
    for (const size of [7, 4096, 19999, 1 << 20]) strictEqual(prompt(a, size), whole, `segments of ${size}`);
    for (const other of [req(20000, 0.3, 6, 17), req(20000, 0.3, 5, 18), req(20000, 0.4, 5, 17)]) {
      notStrictEqual(prompt(task.generate(other)), whole);
    }
    notStrictEqual(task.generate(req(20000, 0.3, 5, 17, "train")).expected, a.expected);
    ok(Number.isNaN(a.depthActual), "no needle, no depth");
    throws(() => a.segments(0), /Segment tokens 0 must be a positive integer/);
  }
});

Deno.test("train and eval never share an answer", () => {
  for (const task of [commonWordsTask, frequentWordsTask]) {
    const answers = { train: new Set<string>(), eval: new Set<string>() };
    for (let sample = 0; sample < 300; sample++) {
      for (const split of ["train", "eval"] as const) {
        const s = task.generate(req(1024, 0.5, 0, sample, split));
        strictEqual(splitOf(s.expected), split);
        answers[split].add(s.expected);
      }
    }
    for (const a of answers.eval) ok(!answers.train.has(a), `${task.name} answer ${a} in both splits`);
    ok(answers.eval.size >= 290, `${answers.eval.size} distinct eval answers of ${task.name}`);
  }
});

Deno.test("partialScore: the fraction of expected items named, in any order, each once", () => {
  const expected = "apple, river, stone, cloud";
  strictEqual(partialScore(expected, expected), 1);
  strictEqual(partialScore("cloud, stone, river, apple", expected), 1);
  strictEqual(partialScore("river, apple, apple, apple", expected), 0.5);
  strictEqual(partialScore(" river ,apple, pear", expected), 0.5);
  strictEqual(partialScore("", expected), 0);
  strictEqual(partialScore("rivers, app", expected), 0);
  strictEqual(partialScore("ABCDE, FGHIJ", "FGHIJ, KLMNO, ABCDE"), 2 / 3);
});

Deno.test("drawBelow draws what uniformInt(0, n − 1) draws, rejections included", () => {
  const sizes = [1, 2, 3, 10, 1000, 12345, 2 ** 31 - 1, 2 ** 31 + 1, 3 * 2 ** 30 + 7, 2 ** 32 - 1, 2 ** 32];
  for (const [seed, n] of sizes.entries()) {
    const a = createRng(seed), b = createRng(seed);
    for (let i = 0; i < 2000; i++) {
      strictEqual(
        drawBelow(a, n),
        b.uniformInt(0, n - 1),
        `draw ${i} below ${n}`,
      );
    }
    strictEqual(a.nextU32(), b.nextU32(), `the same number of draws below ${n}`);
  }
});

// Speed and peak RSS are measured by `deno task bench:tasks` (one process per cell), not by tests.
Deno.test("a 64M-token prompt streams whole, in bounded segments, the question last", () => {
  for (const task of [commonWordsTask, frequentWordsTask]) {
    const length = 64 * 2 ** 20, segment = 1 << 16;
    const s = task.generate(req(length));
    let n = 0, questionAt = -1;
    for (const seg of s.segments(segment)) {
      ok(seg.length <= segment);
      if (n + seg.length === length) questionAt = String.fromCharCode(...seg).lastIndexOf("\nQuestion: ");
      n += seg.length;
    }
    strictEqual(n, length);
    ok(questionAt >= 0, "the question closes the prompt");
  }
});

Deno.test("bad requests and options throw errors naming the input", () => {
  for (const task of [commonWordsTask, frequentWordsTask]) {
    const min = task.minLength;
    throws(
      () => task.generate(req(min - 1)),
      new RegExp(`Length ${min - 1} is below the minimum length ${min} of task ${task.name}`),
    );
    throws(() => task.generate(req(1000.5)), /Length 1000.5 must be an integer/);
    throws(() => task.generate(req(1000, 1.5)), /Depth 1.5/);
    throws(() => task.generate(req(1000, 0.5, -1)), /Seed -1/);
    throws(() => task.generate(req(1000, 0.5, 0, 2.5)), /Sample 2.5/);
    throws(() => task.generate({ ...req(1000), split: "test" as "eval" }), /Split "test"/);
  }
  throws(() => createCommonWordsTask({ commonWords: 0 }), /Common words 0 must be an integer in \[1, 998\]/);
  throws(() => createCommonWordsTask({ ratio: 1 }), /Ratio 1 must be an integer in \[2, 990\]/);
  throws(
    () => createCommonWordsTask({ vocabulary: 10 ** 6 }),
    /Vocabulary 1000000 must be an integer in \[2, /,
  );
  throws(() => createFrequentWordsTask({ alpha: 1.5 }), /Alpha 1.5 must be an integer in \[1, 4\]/);
  throws(() => createFrequentWordsTask({ answerWords: 0 }), /Answer words 0 must be an integer/);
});
