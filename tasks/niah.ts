/**
 * Needle-in-a-haystack tasks after RULER (Hsieh et al. 2024): special magic numbers stated for named keys
 * inside a long haystack (natural text by default), asked for at the end. One generator covers the family:
 * `niah_single` (one key, one value), `niah_multikey` (one key asked among distractor keys),
 * `niah_multivalue` (one key with several values) and `niah_multiquery` (several keys asked at once). Every
 * byte is a deterministic function of (task, length, depth, seed, sample, split); PRNG.md ("NIAH samples")
 * lists every draw.
 *
 * @module
 */

import { createHaystack, type HaystackSource } from "../datasets/haystack.ts";
import { createRng, type Rng, seedFrom, type Split, splitOf } from "../datasets/prng.ts";
import { encode } from "../datasets/tokenizer.ts";
import { wordList } from "../datasets/words.ts";
import { type Piece, streamLayout } from "./layout.ts";
import { checkRequest, type SampleRequest, type Task, type TaskChance, type TaskSample } from "./task.ts";

/** Bytes before the haystack. */
export const NIAH_INTRO =
  "Some special magic numbers are hidden within the following text. Make sure to memorize them. " +
  "I will quiz you about them afterwards.\n";
/** Digits of every value. */
export const VALUE_DIGITS = 7;
/** Fewest letters of each of the two words of a key. */
export const KEY_WORD_MIN_LETTERS = 4;
/**
 * Haystack bytes each needle beyond the first needs at least, so that needles find distinct sentence
 * starts: sentence starts of the shipped corpus are at most 1,350 bytes apart.
 */
export const HAYSTACK_BYTES_PER_EXTRA_NEEDLE = 1536;

/** The needle stating that `value` is a magic number of `key`; it ends with ". " like a sentence. */
export function niahNeedle(key: string, value: string): string {
  return `One of the special magic numbers for ${key} is: ${value}. `;
}

/** "a", "a and b", "a, b and c": the keys of a question. */
function listKeys(keys: readonly string[]): string {
  return keys.length === 1 ? keys[0] : `${keys.slice(0, -1).join(", ")} and ${keys[keys.length - 1]}`;
}

/**
 * The question after the haystack, asking for the values of `asked` (the answer follows it, then "."):
 * one value of one key; all `valuesPerKey` values of one key, in text order; or one value of each asked
 * key, in the order asked.
 */
export function niahQuestion(asked: readonly string[], valuesPerKey: number): string {
  const keys = listKeys(asked);
  if (valuesPerKey > 1) {
    return `\nWhat are all the special magic numbers for ${keys}? In the order they appear in the text, ` +
      `the special magic numbers for ${keys} are `;
  }
  if (asked.length > 1) {
    return `\nWhat are the special magic numbers for ${keys}? In the order of the question, ` +
      `the special magic numbers for ${keys} are `;
  }
  return `\nWhat is the special magic number for ${keys}? The special magic number for ${keys} is `;
}

let keyWords: readonly string[] | undefined;

/** Words a key is made of: the word list's words of at least {@link KEY_WORD_MIN_LETTERS} letters. */
export function keyWordList(): readonly string[] {
  return keyWords ??= wordList().filter((w) => w.length >= KEY_WORD_MIN_LETTERS);
}

/**
 * Draws `n` distinct keys "a-b": a = choice(key words), b = choice(key words), drawn again (both) until
 * a ≠ b and the key is new.
 */
export function drawKeys(rng: Rng, n: number): string[] {
  const words = keyWordList();
  const keys: string[] = [];
  while (keys.length < n) {
    const a = rng.choice(words);
    const b = rng.choice(words);
    const key = `${a}-${b}`;
    if (a !== b && !keys.includes(key)) keys.push(key);
  }
  return keys;
}

/** Draws a 7-digit value of the split, not in `used`: uniformInt(10^6, 10^7 − 1) until both hold. */
export function drawValue(rng: Rng, split: Split, used: ReadonlySet<string>): string {
  for (;;) {
    const value = String(rng.uniformInt(10 ** (VALUE_DIGITS - 1), 10 ** VALUE_DIGITS - 1));
    if (splitOf(value) === split && !used.has(value)) return value;
  }
}

/**
 * Haystack offsets of `count` needles at distinct depths: the first at min(nextBoundary(floor(depth · h)),
 * h); each other at the sentence start q = nextBoundary(uniformInt(0, h − 1)) (0 when q ≥ h), moved while
 * taken to the next start (nextBoundary(q + 1), back to 0 when that is ≥ h). Throws when the first h
 * haystack bytes hold too few sentence starts.
 */
function placeNeedles(rng: Rng, source: HaystackSource, h: number, depth: number, count: number): number[] {
  const startAtOrAfter = (pos: number) => {
    const q = source.nextBoundary(pos);
    return q < h ? q : 0;
  };
  const offsets = [Math.min(source.nextBoundary(Math.floor(depth * h)), h)];
  const taken = new Set(offsets);
  while (offsets.length < count) {
    const first = startAtOrAfter(rng.uniformInt(0, h - 1));
    let q = first;
    while (taken.has(q)) {
      q = startAtOrAfter(q + 1);
      if (q === first) {
        throw new Error(
          `Haystack ${source.name} has too few sentence starts in its first ${h} bytes for ${count} needles ` +
            `at distinct depths; ask for a longer length`,
        );
      }
    }
    offsets.push(q);
    taken.add(q);
  }
  return offsets;
}

/**
 * Chance level ({@link Task.chance}) of a NIAH task whose answer lists m = valuesPerKey · queries values,
 * each uniform over the 9·10^6 numbers of {@link VALUE_DIGITS} digits: exact = (1/(9·10^6))^m; score =
 * m/(9·10^6), the expected fraction of the expected values that m uniform guesses name, to first order
 * (for m = 1 both are 1/(9·10^6)). The split filter and distinctness of the values are ignored.
 */
export function niahChance(options: Pick<NiahOptions, "valuesPerKey" | "queries">): TaskChance {
  const m = options.valuesPerKey * options.queries;
  const p = 1 / (9 * 10 ** (VALUE_DIGITS - 1));
  return { exact: p ** m, score: m * p };
}

/** A NIAH sample, with where its needles sit. */
export interface NiahSample extends TaskSample {
  /** Every needle's depth, in text order. */
  needleDepths: number[];
  /** Haystack bytes H (the prompt without intro, needles and question). */
  haystackBytes: number;
  /** Each needle's offset within the haystack, in text order. */
  needleOffsets: number[];
  /** Token index of each needle's first byte within the prompt, in text order. */
  needleStarts: number[];
}

/** A NIAH task, whose samples tell where the needles sit. */
export interface NiahTask extends Task {
  /** The sample of `req`, with its needle positions. */
  generate(req: SampleRequest): NiahSample;
  /** The same task over another haystack. */
  withHaystack(haystack: string): NiahTask;
}

/** Options of {@link createNiahTask}. */
export interface NiahOptions {
  /** Task name, also the first seed part. */
  name: string;
  /** One line for listings. */
  description: string;
  /** Distinct keys stated in the text (≥ 1). */
  keys: number;
  /** Needles (values) per key (≥ 1). */
  valuesPerKey: number;
  /** Keys asked, the first `queries` drawn (1 ≤ queries ≤ keys; more than one only with one value each). */
  queries: number;
  /** Haystack source name (default "austen"). */
  haystack?: string;
}

/**
 * A NIAH task. The registry holds the four of the family.
 *
 * Steps of generate (PRNG.md, "NIAH samples"):
 * 1. rng = createRng(seedFrom([name, length, depth, seed, sample, split])); keys = drawKeys(rng, keys);
 *    then the values, key by key, each drawValue(rng, split, values so far).
 * 2. H = length − |intro| − |needles| − |question|; offsets = placeNeedles (needle 0, key 0's first value,
 *    at the requested depth); depthActual = offset 0 / H (0 when H = 0).
 * 3. Prompt = intro, then the haystack with each needle at its offset, then the question.
 * 4. Answer: for each asked key (keys 0 … queries − 1), its values in text order; joined with ", ".
 *
 * @example
 * ```ts
 * import { createNiahTask } from "./niah.ts";
 * const task = createNiahTask({ name: "niah_pair", description: "two keys", keys: 2, valuesPerKey: 1,
 *   queries: 1 });
 * const s = task.generate({ length: 8192, depth: 0.5, seed: 0, sample: 0, split: "eval" });
 * ```
 */
export function createNiahTask(options: NiahOptions): NiahTask {
  const { name, keys, valuesPerKey, queries } = options;
  for (const [what, v] of [["keys", keys], ["valuesPerKey", valuesPerKey], ["queries", queries]] as const) {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new Error(`Task ${name}: ${what} ${v} must be an integer ≥ 1`);
    }
  }
  if (queries > keys) throw new Error(`Task ${name}: queries ${queries} must be at most keys ${keys}`);
  if (queries > 1 && valuesPerKey > 1) {
    throw new Error(`Task ${name}: several queries need one value per key (valuesPerKey ${valuesPerKey})`);
  }
  const haystackName = options.haystack ?? "austen";
  createHaystack(haystackName, 0, "eval"); // fail at construction on an unknown name or a bad file
  const intro = encode(NIAH_INTRO);
  const needles = keys * valuesPerKey;
  const longestKeyWord = Math.max(...keyWordList().map((w) => w.length));
  const longestKey = "x".repeat(2 * longestKeyWord + 1);
  const longestNeedle = encode(niahNeedle(longestKey, "9".repeat(VALUE_DIGITS))).length;
  const longestQuestion = encode(niahQuestion(Array(queries).fill(longestKey), valuesPerKey)).length;
  const minLength = intro.length + needles * longestNeedle + longestQuestion +
    HAYSTACK_BYTES_PER_EXTRA_NEEDLE * (needles - 1);
  const stopByte = ".".charCodeAt(0);
  const generatorVersion = 1;

  function generate(req: SampleRequest): NiahSample {
    checkRequest(req, name, minLength);
    const { length, depth, seed, sample, split } = req;
    const parts = [name, length, depth, seed, sample, split];
    const rng = createRng(seedFrom(parts));
    const keyNames = drawKeys(rng, keys);
    const used = new Set<string>();
    const values = keyNames.map(() =>
      Array.from({ length: valuesPerKey }, () => {
        const v = drawValue(rng, split, used);
        used.add(v);
        return v;
      })
    );
    // Needle n states value n % valuesPerKey of key floor(n / valuesPerKey).
    const needleBytes = values.flatMap((vs, k) => vs.map((v) => encode(niahNeedle(keyNames[k], v))));
    const asked = keyNames.slice(0, queries);
    const question = encode(niahQuestion(asked, valuesPerKey));
    const source = createHaystack(haystackName, seedFrom([...parts, "haystack"]), split);
    const h = length - intro.length - needleBytes.reduce((n, b) => n + b.length, 0) - question.length;
    const offsets = placeNeedles(rng, source, h, depth, needles);
    const order = offsets.map((_, n) => n).sort((a, b) => offsets[a] - offsets[b]); // needles in text order
    const pieces: Piece[] = [{ kind: "bytes", bytes: intro }];
    const needleStarts: number[] = [];
    let at = 0, tokens = intro.length;
    for (const n of order) {
      pieces.push({ kind: "haystack", source, start: at, end: offsets[n] });
      tokens += offsets[n] - at;
      needleStarts.push(tokens);
      pieces.push({ kind: "bytes", bytes: needleBytes[n] });
      tokens += needleBytes[n].length;
      at = offsets[n];
    }
    pieces.push({ kind: "haystack", source, start: at, end: h }, { kind: "bytes", bytes: question });
    const textOrder = (k: number) =>
      order.filter((n) => Math.floor(n / valuesPerKey) === k).map((n) => values[k][n % valuesPerKey]);
    const expectedValues = asked.flatMap((_, k) => textOrder(k));
    const expected = expectedValues.join(", ");
    const depthOf = (offset: number) => h > 0 ? offset / h : 0;
    return {
      task: name,
      taskParams: {
        split,
        haystack: haystackName,
        ...(source.digest === undefined ? {} : { haystack_sha256: source.digest }),
        keys,
        values_per_key: valuesPerKey,
        queries,
        value_digits: VALUE_DIGITS,
      },
      generatorVersion,
      lengthRequested: length,
      lengthActual: length,
      depth,
      depthActual: depthOf(offsets[0]),
      needleDepths: order.map((n) => depthOf(offsets[n])),
      seed,
      sample,
      expected,
      expectedValues,
      answerTokens: encode(expected),
      stopByte,
      haystackBytes: h,
      needleOffsets: order.map((n) => offsets[n]),
      needleStarts,
      segments: (segmentTokens: number) => streamLayout(pieces, segmentTokens),
    };
  }

  return {
    name,
    description: `${options.description} (${haystackName} haystack; the answer ends with ".")`,
    stopByte,
    generatorVersion,
    minLength,
    generate,
    chance: niahChance(options),
    withHaystack: (haystack: string) => createNiahTask({ ...options, haystack }),
  };
}

/** niah_single: one key with one 7-digit value in natural text; answer the value. */
export const niahSingleTask: NiahTask = createNiahTask({
  name: "niah_single",
  description: "NIAH single: one key's 7-digit magic number stated once at the requested depth",
  keys: 1,
  valuesPerKey: 1,
  queries: 1,
});

/** niah_multikey: four keys with one value each at distinct depths; the first, at the requested depth, is asked. */
export const niahMultikeyTask: NiahTask = createNiahTask({
  name: "niah_multikey",
  description:
    "NIAH multi-key: one key asked among 4 keys with a 7-digit magic number each, at distinct depths",
  keys: 4,
  valuesPerKey: 1,
  queries: 1,
});

/** niah_multivalue: one key with four values at distinct depths; answer all four, in text order. */
export const niahMultivalueTask: NiahTask = createNiahTask({
  name: "niah_multivalue",
  description: "NIAH multi-value: one key with 4 magic numbers at distinct depths; answer all, in text order",
  keys: 1,
  valuesPerKey: 4,
  queries: 1,
});

/** niah_multiquery: four keys with one value each; all four asked, answered in the order asked. */
export const niahMultiqueryTask: NiahTask = createNiahTask({
  name: "niah_multiquery",
  description: "NIAH multi-query: 4 keys with a magic number each, all asked; answer in the order asked",
  keys: 4,
  valuesPerKey: 1,
  queries: 4,
});
