/**
 * RULER-style word counting (Hsieh et al. 2024): `common_words` (CWE) and `frequent_words` (FWE). A sample
 * is a table of word counts fixed before any text exists, so its answer is known up front; the prompt
 * streams those words in a uniformly random order (urn sampling) from pre-encoded bytes, block by block, so
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
import { checkRequest, type SampleRequest, type Task, type TaskSample } from "./task.ts";

const SPACE = 0x20, DOT = 0x2e, ZERO = 0x30;
const TWO_POW_32 = 4294967296;
/** Bytes of list text generated per refill of a stream's block. */
const BLOCK_BYTES = 1 << 16;

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
 * rng.uniformInt(0, n − 1) of PRNG.md, for 1 ≤ n ≤ 2^32, draw for draw and faster: the rejection limit
 * 2^32 − (2^32 mod n) is only computed when x is within n of 2^32, and floor(x / n) in binary64 is exact
 * for x ≤ 2^32, so no float modulo runs on the hot path.
 */
export function drawBelow(rng: Rng, n: number): number {
  for (;;) {
    const x = rng.nextU32();
    if (x < TWO_POW_32 - n || x < Math.floor(TWO_POW_32 / n) * n) return x - Math.floor(x / n) * n;
  }
}

/** Σ digits(i) for i = 1..n: the bytes of the decimal numbers 1 to n. */
function digitsSum(n: number): number {
  let sum = 0;
  for (let d = 1, lo = 1; lo <= n; d++, lo *= 10) sum += (Math.min(n, lo * 10 - 1) - lo + 1) * d;
  return sum;
}

/** Kinds per bucket of an {@link Urn}. */
const BUCKET = 32;

/**
 * Word counts drawn without replacement: take(x), for x in [0, remaining), removes and returns the first
 * kind, in table order, whose cumulative count exceeds x. Counts sit in buckets of {@link BUCKET} kinds
 * with a running sum each, so a take scans at most all the bucket sums and one bucket, predictably.
 */
class Urn {
  remaining = 0;
  #counts: Int32Array; // (buckets · BUCKET,) remaining count of each kind, zero past the last kind
  #sums: Int32Array; // (buckets,) remaining count of each bucket

  constructor(counts: ArrayLike<number>) {
    const buckets = Math.ceil(counts.length / BUCKET);
    this.#counts = new Int32Array(buckets * BUCKET);
    this.#sums = new Int32Array(buckets);
    for (let t = 0; t < counts.length; t++) {
      this.#counts[t] = counts[t];
      this.#sums[Math.floor(t / BUCKET)] += counts[t];
      this.remaining += counts[t];
    }
  }

  take(x: number): number {
    const counts = this.#counts, sums = this.#sums;
    let b = 0;
    while (x >= sums[b]) x -= sums[b++];
    let t = b * BUCKET;
    while (x >= counts[t]) x -= counts[t++];
    counts[t]--;
    sums[b]--;
    this.remaining--;
    return t;
  }

  /** The next kind of the list whose order `rng` draws: take(rng.uniformInt(0, remaining − 1)). */
  draw(rng: Rng): number {
    return this.take(drawBelow(rng, this.remaining));
  }
}

/** A sample's words: its vocabulary in table order, each word's count, and how the list is written. */
interface WordTable {
  /** The words, in table order (the order urn draws resolve in). */
  words: readonly string[];
  /** (words.length,) occurrences of each word in the list. */
  counts: Int32Array;
  /** "1. apple 2. river" when true, "apple river" when false. */
  numbered: boolean;
}

/** Bytes of the list: items joined by single spaces, each "{i}. {word}" when numbered, else "{word}". */
function listBytes(table: WordTable): number {
  let items = 0, bytes = 0;
  for (let t = 0; t < table.words.length; t++) {
    items += table.counts[t];
    bytes += table.counts[t] * table.words[t].length;
  }
  if (items === 0) return 0;
  return bytes + items - 1 + (table.numbered ? digitsSum(items) + 2 * items : 0);
}

/**
 * Writes the list's bytes in order, one block of whole items at a time. Each kind's item ending (". word"
 * or "word") sits in a row of `stride` bytes, a multiple of 4, copied whole 4 bytes at a time whatever its
 * length (the bytes past the ending are overwritten by the next item), which avoids a data-dependent loop.
 */
class ListWriter {
  #urn: Urn;
  #rng: Rng;
  #numbered: boolean;
  #endings: DataView; // (kinds · stride,) item endings, zero-padded
  #lengths: Int32Array; // (kinds,) bytes of each ending
  #stride: number;
  #number = new Uint8Array(20).fill(ZERO); // the item number in ASCII, right-aligned
  #numberStart = 19;
  #items = 0;
  #block: Uint8Array;
  #view: DataView;
  #start = 0;
  #end = 0;

  constructor(table: WordTable, orderSeed: number) {
    this.#urn = new Urn(table.counts);
    this.#rng = createRng(orderSeed);
    this.#numbered = table.numbered;
    const endings = table.words.map((w) => encode(table.numbered ? `. ${w}` : w));
    this.#lengths = Int32Array.from(endings, (e) => e.length);
    this.#stride = 4 * Math.ceil(Math.max(...this.#lengths) / 4);
    const rows = new Uint8Array(endings.length * this.#stride);
    endings.forEach((e, t) => rows.set(e, t * this.#stride));
    this.#endings = new DataView(rows.buffer);
    this.#block = new Uint8Array(BLOCK_BYTES + 1 + this.#number.length + this.#stride);
    this.#view = new DataView(this.#block.buffer);
  }

  /** Fills `out` with the next out.length bytes of the list. */
  write(out: Uint8Array): void {
    for (let pos = 0; pos < out.length;) {
      if (this.#start === this.#end) this.#refill();
      const n = Math.min(out.length - pos, this.#end - this.#start);
      out.set(this.#block.subarray(this.#start, this.#start + n), pos);
      this.#start += n;
      pos += n;
    }
  }

  #refill(): void {
    const block = this.#block, view = this.#view, endings = this.#endings, lengths = this.#lengths;
    const number = this.#number, urn = this.#urn, rng = this.#rng, numbered = this.#numbered;
    const stride = this.#stride, last = number.length - 1;
    let p = 0, items = this.#items, first = this.#numberStart;
    for (; p < BLOCK_BYTES && urn.remaining > 0; items++) {
      const t = urn.draw(rng);
      if (items > 0) block[p++] = SPACE;
      if (numbered) {
        let i = last;
        while (number[i] === ZERO + 9) number[i--] = ZERO;
        number[i]++;
        if (i < first) first = i;
        for (let j = first; j <= last; j++) block[p++] = number[j];
      }
      for (let j = 0, row = t * stride; j < stride; j += 4) view.setUint32(p + j, endings.getUint32(row + j));
      p += lengths[t];
    }
    this.#items = items;
    this.#numberStart = first;
    this.#start = 0;
    this.#end = p;
  }
}

/**
 * Streams intro + list + `pad` spaces + question in segments of `segmentTokens` bytes; the list order is
 * drawn from a fresh generator seeded with `orderSeed` on every call, so every call yields the same bytes.
 */
function streamWords(
  intro: Uint8Array,
  table: WordTable,
  orderSeed: number,
  tail: Uint8Array,
  segmentTokens: number,
): Iterable<Uint8Array> {
  if (!Number.isSafeInteger(segmentTokens) || segmentTokens < 1) {
    throw new Error(`Segment tokens ${segmentTokens} must be a positive integer`);
  }
  const listEnd = intro.length + listBytes(table);
  const total = listEnd + tail.length;
  return (function* () {
    const list = new ListWriter(table, orderSeed);
    for (let done = 0; done < total;) {
      const out = new Uint8Array(Math.min(segmentTokens, total - done));
      let pos = 0;
      if (done < intro.length) {
        pos = Math.min(intro.length - done, out.length);
        out.set(intro.subarray(done, done + pos));
      }
      if (pos < out.length && done + pos < listEnd) {
        const n = Math.min(listEnd - done - pos, out.length - pos);
        list.write(out.subarray(pos, pos + n));
        pos += n;
      }
      if (pos < out.length) out.set(tail.subarray(done + pos - listEnd, done + out.length - listEnd), pos);
      done += out.length;
      yield out;
    }
  })();
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

  return { name, description, stopByte, generatorVersion, minLength, generate };
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
      const words = rng.shuffle([...vocabulary]);
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
  });
}

/**
 * The counts of step 3 of {@link createCommonWordsTask}: whole levels in O(1) each (prefix sums of the
 * uncommon words' lengths), then the last level item by item.
 */
function commonCounts(words: readonly string[], k: number, q: number, budget: number): Int32Array {
  const m = words.length - k;
  const counts = new Int32Array(words.length);
  const prefix = new Float64Array(m + 1); // prefix[j] = letters of uncommon words 0..j−1
  for (let j = 0; j < m; j++) prefix[j + 1] = prefix[j] + words[k + j].length;
  let commonLetters = 0;
  for (let t = 0; t < k; t++) commonLetters += words[t].length;
  const cyclic = (from: number, n: number) =>
    from + n <= m ? prefix[from + n] - prefix[from] : prefix[m] - prefix[from] + prefix[from + n - m];
  let items = 0, bytes = 0, levels = 0, uncommon = 0; // uncommon: occurrences of uncommon words so far
  for (;; levels++) {
    const n = k + Math.min(k * (levels + 1), q);
    const cost = digitsSum(items + n) - digitsSum(items) + 3 * n - (items === 0 ? 1 : 0) + commonLetters +
      cyclic(uncommon % m, n - k);
    if (bytes + cost > budget) break;
    items += n;
    bytes += cost;
    uncommon += n - k;
  }
  counts.fill(levels, 0, k);
  for (let j = 0; j < m; j++) counts[k + j] = Math.floor(uncommon / m) + (j < uncommon % m ? 1 : 0);
  // The last, partial level: its common words, then its uncommon words, up to the first that does not fit.
  const n = k + Math.min(k * (levels + 1), q);
  for (let i = 0; i < n; i++) {
    const t = i < k ? i : k + (uncommon + i - k) % m;
    const cost = (items > 0 ? 1 : 0) + String(items + 1).length + 2 + words[t].length;
    if (bytes + cost > budget) break;
    items++;
    bytes += cost;
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
    do words = rng.shuffle([...vocabulary]); while (splitOf(words.slice(0, n).join(", ")) !== split);
    const orderSeed = rng.nextU32();
    let lo = least, hi = budget + 1; // listBytes(c) ≤ budget at lo, > budget at hi
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (listBytes(zipf(words, mid)) <= budget) lo = mid;
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
  });
}

/** The registered common_words task: 10 common words, ratio 10, the 1,000 most frequent words. */
export const commonWordsTask: WordsTask = createCommonWordsTask();

/** The registered frequent_words task: the 3 most frequent words, Zipf exponent 2, 1,000 words. */
export const frequentWordsTask: WordsTask = createFrequentWordsTask();
