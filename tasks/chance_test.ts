// Tests of the tasks' chance levels (Task.chance): the formulas for every registered answer task, read
// against the knobs their samples record; kept by withHaystack; and, for the word tasks, a Monte Carlo of
// uniform guesses scored by scoreAnswer against real samples.
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { createRng, seedFrom } from "../datasets/prng.ts";
import { encode } from "../datasets/tokenizer.ts";
import { wordList } from "../datasets/words.ts";
import { listTasks } from "./registry.ts";
import { scoreAnswer } from "./score.ts";
import type { Task, TaskChance } from "./task.ts";
import { req } from "./test_helpers.ts";

/** Relative closeness: the formulas may multiply in another order than the task does. */
function near(actual: number, expected: number, what: string): void {
  ok(expected > 0 && Math.abs(actual - expected) <= 1e-12 * expected, `${what}: ${actual} ≠ ${expected}`);
}

function checkChance(task: Task, want: TaskChance): void {
  ok(task.chance !== undefined, `${task.name} has a chance level`);
  near(task.chance.exact, want.exact, `${task.name} exact`);
  near(task.chance.score, want.score, `${task.name} score`);
}

/** A sample of `task` at a length it can build, for its recorded knobs and answer values. */
function sampleOf(task: Task) {
  return task.generate(req(Math.max(task.minLength, 8192)));
}

Deno.test("every registered answer task has the chance level of its formula; lm_bpb has none", () => {
  const seen: string[] = [];
  for (const task of listTasks()) {
    if (task.name === "lm_bpb") {
      strictEqual(task.chance, undefined);
      continue;
    }
    const s = sampleOf(task);
    const p = s.taskParams;
    seen.push(task.name);
    if (task.name === "passkey") {
      deepStrictEqual([p.key_digits_min, p.key_digits_max], [5, 7]);
      checkChance(task, { exact: (1 / 3) * (1 / (9 * 10 ** 4)), score: (1 / 3) * (1 / (9 * 10 ** 4)) });
    } else if (task.name.startsWith("niah_")) {
      strictEqual(p.value_digits, 7);
      const m = (p.values_per_key as number) * (p.queries as number);
      strictEqual(s.expectedValues?.length, m, `${task.name}: the answer lists m values`);
      const one = 1 / (9 * 10 ** 6);
      checkChance(task, m === 1 ? { exact: one, score: one } : { exact: one ** m, score: m * one });
    } else if (task.name === "variable_tracking") {
      const n = (p.hops as number) + 1;
      strictEqual(s.expectedValues?.length, n, "the answer lists hops + 1 names");
      strictEqual(n, 5);
      const names = 26 ** (p.name_letters as number);
      checkChance(task, { exact: (1 / names) ** n, score: n / names });
    } else if (task.name === "common_words" || task.name === "frequent_words") {
      const v = p.vocabulary as number;
      const k = (task.name === "common_words" ? p.common_words : p.answer_words) as number;
      strictEqual(s.expectedValues?.length, k);
      let tuples = 1;
      for (let i = 0; i < k; i++) tuples *= v - i;
      checkChance(task, { exact: 1 / tuples, score: k / v });
    } else {
      throw new Error(`No chance formula checked for task ${task.name}`);
    }
  }
  deepStrictEqual(seen, [
    "passkey",
    "niah_single",
    "niah_multikey",
    "niah_multivalue",
    "niah_multiquery",
    "variable_tracking",
    "common_words",
    "frequent_words",
  ]);
  // The values the model card quotes.
  near(listTasks()[0].chance!.exact, 1 / 270000, "passkey");
  near(listTasks()[3].chance!.score, 4 / 9e6, "niah_multivalue score");
  near(listTasks()[6].chance!.score, 0.01, "common_words score");
  near(listTasks()[7].chance!.score, 0.003, "frequent_words score");
  near(listTasks()[7].chance!.exact, 1 / (1000 * 999 * 998), "frequent_words exact");
});

Deno.test("a task over another haystack keeps its chance level", () => {
  for (const task of listTasks()) {
    if (task.withHaystack === undefined) continue;
    deepStrictEqual(task.withHaystack("random-words").chance, task.chance, task.name);
  }
});

Deno.test("word tasks: uniform guesses scored by scoreAnswer average chance.score, within 3 standard errors", () => {
  for (const task of listTasks().filter((t) => t.name.endsWith("_words"))) {
    const samples = Array.from({ length: 20 }, (_, i) => task.generate(req(2048, 0.5, 0, i)));
    const v = samples[0].taskParams.vocabulary as number;
    const k = samples[0].expectedValues!.length;
    const vocabulary = wordList().slice(0, v);
    const rng = createRng(seedFrom(["chance_test", task.name]));
    const guesses = 2000;
    let sum = 0, sumSq = 0;
    for (let g = 0; g < guesses; g++) {
      // k distinct words, uniform over the vocabulary, in random order.
      const picked = new Set<number>();
      while (picked.size < k) picked.add(rng.uniformInt(0, v - 1));
      const guess = [...picked].map((i) => vocabulary[i]).join(", ") + ".";
      const { score } = scoreAnswer(samples[g % samples.length], encode(guess));
      sum += score;
      sumSq += score * score;
    }
    const mean = sum / guesses;
    const sd = Math.sqrt((sumSq - guesses * mean * mean) / (guesses - 1));
    const se = sd / Math.sqrt(guesses);
    ok(se > 0, `${task.name}: some guesses hit`);
    ok(
      Math.abs(mean - task.chance!.score) <= 3 * se,
      `${task.name}: mean score ${mean} is more than 3 standard errors (${se}) from ${task.chance!.score}`,
    );
  }
});
