/**
 * RULER-style word counting (Hsieh et al. 2024): `common_words` (CWE) and `frequent_words` (FWE). A sample
 * is a table of word counts fixed before any text exists, so its answer is known up front; the prompt
 * streams those words in a uniformly random order (urn sampling, `word_stream.ts`) from pre-encoded bytes, so
 * memory stays O(segment + vocabulary) at any length. Every byte is a deterministic function of (task,
 * length, depth, seed, sample, split); `training/data_words.py` is the Python port. There is no needle:
 * the requested depth only seeds the sample, and depthActual is NaN (null in a results row).
 *
 * @module
 */

import { createRng, type Rng, seedFrom, type Split, splitOf } from "../datasets/prng.ts";
import { encode } from "../datasets/tokenizer.ts";
import { wordList } from "../datasets/words.ts";
import { scoreAnswer } from "./score.ts";
import { checkRequest, type SampleRequest, type Task, type TaskChance, type TaskSample } from "./task.ts";
import { digitsSum, listBytes, shuffle, streamWords, Urn, type WordTable } from "./word_stream.ts";

export { drawBelow } from "./word_stream.ts";

const SPACE = 0x20, DOT = 0x2e;

/**
 * Partial credit for a list answer: the fraction of the expected items (joined by ", " in `expected`)
 * that `output` (the answer before the stop byte) names, in any order, each counted once. The rule of
 * {@link scoreAnswer}, which the runner applies to these tasks' samples through their `expectedValues`.
 *
 * @example
 * ```ts
 * import { partialScore } from "./words_tasks.ts";
 * partialScore("river, apple, apple", "apple, river, stone, cloud"); // 0.5
 * ```
 */
export function partialScore(output: string, expected: string): number {
  return scoreAnswer({ expected, expectedValues: expected.split(", "), stopByte: DOT }, encode(output)).score;
}

/**
 * Chance level ({@link Task.chance}) of a word task whose answer lists `k` distinct words of a vocabulary of
 * `vocabulary` words, in order: exact = 1/(V·(V−1)···(V−k+1)), one ordered k-tuple of distinct words; score
 * = k/V, the expected fraction of the answer's words that k distinct uniform guesses name.
 */
export function wordsChance(vocabulary: number, k: number): TaskChance {
  let exact = 1;
  for (let i = 0; i < k; i++) exact /= vocabulary - i;
  return { exact, score: k / vocabulary };
}

/** A word-counting sample, with its count table. */
export interface WordsSample extends TaskSample {
  /** How often each word occurs in the list (words that do not occur are left out). */
  wordCounts: ReadonlyMap<string, number>;
}

/** A word-counting task, whose samples carry their count tables. */
export interface WordsTask extends Task {
  /** The sample of `req`, with its count table. */
  generate(req: SampleRequest): WordsSample;
}

/** What a word task's generate needs besides its frame: the counts, the list order and the answer. */
interface Drawn {
  table: WordTable;
  orderSeed: number;
  /** The answer's words, in order. */
  answer: string[];
}

function checkKnob(what: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`${what} ${value} must be an integer in [${min}, ${max}]`);
  }
}

/** The first `vocabulary` words of {@link wordList}, checked to exist. */
function vocabularyOf(vocabulary: number): readonly string[] {
  const words = wordList();
  checkKnob("Vocabulary", vocabulary, 2, words.length);
  return words.slice(0, vocabulary);
}

/** What makes a word task: its frame, its knobs and how a sample's words are drawn. */
interface WordsTaskSpec {
  name: string;
  description: string;
  /** Text before the list. */
  intro: string;
  /** Text after the list and its padding; the answer follows it. */
  question: string;
  /** Bytes of the longest list that must fit in the shortest prompt. */
  minList: number;
  /** The knobs, recorded in every sample's task params. */
  taskParams: Record<string, unknown>;
  /** Draws a sample's counts, list order and answer, for a list of at most `budget` bytes. */
  draw(rng: Rng, split: Split, budget: number): Drawn;
  /** The chance level, from the knobs. */
  chance: TaskChance;
}

/** A word task from its spec: request checks, the frame, padding, streaming. */
function wordsTask(spec: WordsTaskSpec): WordsTask {
  const { name, description, minList, taskParams, draw } = spec;
  const introBytes = encode(spec.intro), questionBytes = encode(spec.question);
  const minLength = introBytes.length + minList + questionBytes.length;
  const stopByte = DOT;
  const generatorVersion = 1;

  function generate(req: SampleRequest): WordsSample {
    checkRequest(req, name, minLength);
    const { length, depth, seed, sample, split } = req;
    const rng = createRng(seedFrom([name, length, depth, seed, sample, split]));
    const budget = length - introBytes.length - questionBytes.length;
    const { table, orderSeed, answer } = draw(rng, split, budget);
    const expected = answer.join(", ");
    const tail = new Uint8Array(budget - listBytes(table) + questionBytes.length).fill(SPACE);
    tail.set(questionBytes, tail.length - questionBytes.length);
    const wordCounts = new Map<string, number>();
    for (let t = 0; t < table.words.length; t++) {
      if (table.counts[t] > 0) wordCounts.set(table.words[t], table.counts[t]);
    }
    return {
      task: name,
      taskParams: { split, ...taskParams },
      generatorVersion,
      lengthRequested: length,
      lengthActual: length,
      depth,
      depthActual: NaN, // no needle: the depth only seeds the sample (a results row records null)
      seed,
      sample,
      expected,
      expectedValues: answer,
      answerTokens: encode(expected),
      stopByte,
      wordCounts,
      segments: (segmentTokens: number) => streamWords(introBytes, table, orderSeed, tail, segmentTokens),
    };
  }

  return { name, description, stopByte, generatorVersion, minLength, generate, chance: spec.chance };
}

/** Options of {@link createCommonWordsTask}. */
export interface CommonWordsOptions {
  /** Task name, also the first seed part (default "common_words"). */
  name?: string;
  /** How many common words the question asks for (default 10). */
  commonWords?: number;
  /** A common word occurs about this many times as often as an uncommon one in long lists (default 10). */
  ratio?: number;
  /** How many of the most frequent words of {@link wordList} a sample draws from (default 1000). */
  vocabulary?: number;
}

/**
 * Common words extraction (RULER CWE): a numbered list "1. apple 2. river ..." in which K common words occur
 * many times and every other word of the vocabulary few times; the question asks for the K most common.
 *
 * Steps of generate:
 * 1. rng = createRng(seedFrom([name, length, depth, seed, sample, split])); V = vocabulary,
 *    B = length − |intro| − |question| (the list's byte budget).
 * 2. table = rng.shuffle([the V words]); the first K are the common words, the other M = V − K uncommon;
 *    orderSeed = rng.nextU32().
 * 3. Counts: the longest prefix that fits in B bytes of the schedule "level l = 1, 2, …: one occurrence of
 *    each common word, then q_l = min(K·l, floor(M / ratio)) occurrences of uncommon words, taken
 *    cyclically in table order"; the list has an item per occurrence. The B − |list| bytes left (less than
 *    one item) become spaces after the list. From level 3 on, every common word outnumbers every uncommon
 *    one (by about `ratio` times in long lists); minLength guarantees level 2's common words.
 * 4. The list's order: urn draws from createRng(orderSeed) (each item: uniformInt(0, remaining − 1), then
 *    the first word in table order whose cumulative remaining count exceeds it); items "{i}. {word}" joined
 *    by " ".
 * 5. expected = the common words by count, ties by first appearance in the list, joined by ", ".
 * 6. Steps 2–5 repeat until splitOf(expected) equals the split.
 *
 * @example
 * ```ts
 * import { createCommonWordsTask } from "./words_tasks.ts";
 * const task = createCommonWordsTask({ commonWords: 5 });
 * const s = task.generate({ length: 4096, depth: 0.5, seed: 0, sample: 0, split: "eval" });
 * ```
 */
export function createCommonWordsTask(options: CommonWordsOptions = {}): WordsTask {
  const name = options.name ?? "common_words";
  const k = options.commonWords ?? 10;
  const ratio = options.ratio ?? 10;
  const vocabulary = vocabularyOf(options.vocabulary ?? 1000);
  checkKnob("Common words", k, 1, vocabulary.length - 2);
  checkKnob("Ratio", ratio, 2, vocabulary.length - k);
  const m = vocabulary.length - k, q = Math.floor(m / ratio);
  // The longest list reaching level 2's common words: the K longest words twice, the next min(K, q) once.
  const lengths = vocabulary.map((w) => w.length).sort((a, b) => b - a);
  const first = Math.min(k, q), items = 2 * k + first;
  let letters = 0;
  for (let i = 0; i < k + first; i++) letters += lengths[i] * (i < k ? 2 : 1);
  const minList = letters + digitsSum(items) + 3 * items - 1;

  function draw(rng: Rng, split: Split, budget: number): Drawn {
    for (;;) {
      const words = shuffle(rng, [...vocabulary]);
      const orderSeed = rng.nextU32();
      const table: WordTable = { words, counts: commonCounts(words, k, q, budget), numbered: true };
      // Common words by count, ties by first appearance: a stable sort of them in order of appearance.
      const urn = new Urn(table.counts), order = createRng(orderSeed);
      const seen: number[] = [];
      while (seen.length < k) {
        const t = urn.draw(order);
        if (t < k && !seen.includes(t)) seen.push(t);
      }
      seen.sort((a, b) => table.counts[b] - table.counts[a]);
      const answer = seen.map((t) => words[t]);
      if (splitOf(answer.join(", ")) === split) return { table, orderSeed, answer };
    }
  }

  return wordsTask({
    name,
    description:
      `Common words: a numbered list over ${vocabulary.length} words, ${k} of them about ${ratio}× ` +
      `as frequent as the rest; answer those ${k}, most common first, then "." (depth only seeds)`,
    intro: "Below is a numbered list of words. In these words, some appear more often than others. " +
      "Memorize the ones that appear most often.\n",
    question:
      `\nQuestion: What are the ${k} most common words in the list above, from most to least common ` +
      `(ties in order of first appearance)? Answer: The ${k} most common words are: `,
    minList,
    taskParams: { vocabulary: vocabulary.length, common_words: k, ratio },
    draw,
    chance: wordsChance(vocabulary.length, k),
  });
}

/**
 * The counts of step 3 of {@link createCommonWordsTask}: the first levels (whose sizes grow) one by one, the
 * levels of the constant size k + q after them all at once (the most that fit, by a doubling then binary
 * search over their count: the cost of L such levels is O(1) from prefix sums of the uncommon words'
 * lengths), then the last level item by item.
 */
function commonCounts(words: readonly string[], k: number, q: number, budget: number): Int32Array {
  const m = words.length - k;
  const counts = new Int32Array(words.length);
  const prefix = new Float64Array(m + 1); // prefix[j] = letters of uncommon words 0..j−1
  for (let j = 0; j < m; j++) prefix[j + 1] = prefix[j] + words[k + j].length;
  let commonLetters = 0;
  for (let t = 0; t < k; t++) commonLetters += words[t].length;
  // Letters of the n uncommon occurrences after the first `from`, taken cyclically in table order.
  const uncommonLetters = (from: number, n: number) => {
    const a = from % m, b = n % m;
    const part = a + b <= m ? prefix[a + b] - prefix[a] : prefix[m] - prefix[a] + prefix[a + b - m];
    return Math.floor(n / m) * prefix[m] + part;
  };
  let items = 0, bytes = 0, levels = 0, uncommon = 0; // uncommon: occurrences of uncommon words so far
  // Bytes of `count` levels of `n` items each from here (each level: the k common words, n − k uncommon).
  const cost = (count: number, n: number) =>
    digitsSum(items + count * n) - digitsSum(items) + 3 * count * n - (items === 0 ? 1 : 0) +
    count * commonLetters + uncommonLetters(uncommon, count * (n - k));
  const take = (count: number, n: number) => {
    bytes += cost(count, n);
    items += count * n;
    uncommon += count * (n - k);
    levels += count;
  };
  while (k * (levels + 1) < q && bytes + cost(1, k + k * (levels + 1)) <= budget) {
    take(1, k + k * (levels + 1));
  }
  if (k * (levels + 1) >= q) {
    let lo = 0, hi = 1; // bytes + cost(lo) ≤ budget; bytes + cost(hi) > budget once the doubling ends
    while (bytes + cost(hi, k + q) <= budget) {
      lo = hi;
      hi *= 2;
    }
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (bytes + cost(mid, k + q) <= budget) lo = mid;
      else hi = mid;
    }
    if (lo > 0) take(lo, k + q);
  }
  counts.fill(levels, 0, k);
  for (let j = 0; j < m; j++) counts[k + j] = Math.floor(uncommon / m) + (j < uncommon % m ? 1 : 0);
  // The last, partial level: its common words, then its uncommon words, up to the first that does not fit.
  const n = k + Math.min(k * (levels + 1), q);
  for (let i = 0; i < n; i++) {
    const t = i < k ? i : k + (uncommon + i - k) % m;
    const itemCost = (items > 0 ? 1 : 0) + String(items + 1).length + 2 + words[t].length;
    if (bytes + itemCost > budget) break;
    items++;
    bytes += itemCost;
    counts[t]++;
  }
  return counts;
}

/** Options of {@link createFrequentWordsTask}. */
export interface FrequentWordsOptions {
  /** Task name, also the first seed part (default "frequent_words"). */
  name?: string;
  /** How many of the most frequent words the question asks for (default 3). */
  answerWords?: number;
  /** Zipf exponent, an integer so that counts are exact integer arithmetic (default 2). */
  alpha?: number;
  /** How many of the most frequent words of {@link wordList} a sample draws from (default 1000). */
  vocabulary?: number;
}

/** r^alpha for r = 1..n, by exact integer multiplication (n^alpha < 2^53). */
function powers(n: number, alpha: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    let p = 1;
    for (let a = 0; a < alpha; a++) p *= i + 1;
    return p;
  });
}

/**
 * Frequent words extraction (RULER FWE): a text of words whose counts follow Zipf's law over a random
 * ranking of the vocabulary; the question asks for the n most frequent words, most frequent first.
 *
 * Steps of generate:
 * 1. rng = createRng(seedFrom([name, length, depth, seed, sample, split]));
 *    B = length − |intro| − |question| (the text's byte budget).
 * 2. ranking = rng.shuffle([the V words]), repeated until splitOf(its first n words joined by ", ") equals
 *    the split; that text is expected. Then orderSeed = rng.nextU32().
 * 3. The word of rank r occurs floor(c / r^alpha) times (integer division), c the largest integer with a
 *    text of at most B bytes (c ≥ the least count keeping the first n + 1 counts strictly decreasing, which
 *    minLength guarantees). The top word then occurs once more for every |word| + 1 of the bytes left, and
 *    what remains (less than that) becomes spaces after the text.
 * 4. The text's order: urn draws from createRng(orderSeed), as in {@link createCommonWordsTask}; words joined
 *    by " ".
 *
 * @example
 * ```ts
 * import { createFrequentWordsTask } from "./words_tasks.ts";
 * const task = createFrequentWordsTask({ alpha: 1 });
 * const s = task.generate({ length: 4096, depth: 0.5, seed: 0, sample: 0, split: "eval" });
 * ```
 */
export function createFrequentWordsTask(options: FrequentWordsOptions = {}): WordsTask {
  const name = options.name ?? "frequent_words";
  const n = options.answerWords ?? 3;
  const alpha = options.alpha ?? 2;
  const vocabulary = vocabularyOf(options.vocabulary ?? 1000);
  checkKnob("Answer words", n, 1, vocabulary.length - 1);
  checkKnob("Alpha", alpha, 1, 4);
  const pow = powers(vocabulary.length, alpha);
  const strict = (c: number) =>
    pow.slice(0, n + 1).every((p, r) => r === 0 || Math.floor(c / p) < Math.floor(c / pow[r - 1]));
  // The least top count c from which the first n + 1 counts strictly decrease: c/r^α − c/(r+1)^α ≥ 1
  // (so the floors differ) once c ≥ r^α (r+1)^α / ((r+1)^α − r^α); below that, check c by c.
  let least = 1;
  for (let r = 0; r < n; r++) least = Math.max(least, Math.ceil(pow[r] * pow[r + 1] / (pow[r + 1] - pow[r])));
  while (least > 1 && strict(least - 1)) least--;
  const zipf = (words: readonly string[], c: number): WordTable => ({
    words,
    counts: Int32Array.from(pow, (p) => Math.floor(c / p)),
    numbered: false,
  });
  const longest = vocabulary.toSorted((a, b) => b.length - a.length);

  function draw(rng: Rng, split: Split, budget: number): Drawn {
    let words: string[];
    do words = shuffle(rng, [...vocabulary]); while (splitOf(words.slice(0, n).join(", ")) !== split);
    const orderSeed = rng.nextU32();
    const lengths = words.map((w) => w.length);
    // listBytes(zipf(words, c)) without building the table; counts only fall with the rank.
    const bytesAt = (c: number) => {
      let items = 0, letters = 0;
      for (let r = 0; r < pow.length; r++) {
        const count = Math.floor(c / pow[r]);
        if (count === 0) break;
        items += count;
        letters += count * lengths[r];
      }
      return items === 0 ? 0 : letters + items - 1;
    };
    let lo = least, hi = budget + 1; // listBytes(c) ≤ budget at lo, > budget at hi
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (bytesAt(mid) <= budget) lo = mid;
      else hi = mid;
    }
    const table = zipf(words, lo);
    table.counts[0] += Math.floor((budget - listBytes(table)) / (words[0].length + 1));
    return { table, orderSeed, answer: words.slice(0, n) };
  }

  return wordsTask({
    name,
    description: `Frequent words: a text over ${vocabulary.length} words with Zipf(${alpha}) counts in a ` +
      `random ranking; answer the ${n} most frequent, most frequent first, then "." (depth only seeds)`,
    intro:
      `Read the following text and track how often each word appears. Find the ${n} most frequent words.\n`,
    question: `\nQuestion: What are the ${n} most frequent words in the text above, from most to least ` +
      `frequent? Answer: The ${n} most frequent words are: `,
    minList: listBytes(zipf(longest, least)),
    taskParams: { vocabulary: vocabulary.length, answer_words: n, alpha },
    draw,
    chance: wordsChance(vocabulary.length, n),
  });
}

/** The registered common_words task: 10 common words, ratio 10, the 1,000 most frequent words. */
export const commonWordsTask: WordsTask = createCommonWordsTask();

/** The registered frequent_words task: the 3 most frequent words, Zipf exponent 2, 1,000 words. */
export const frequentWordsTask: WordsTask = createFrequentWordsTask();
