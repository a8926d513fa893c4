/**
 * The random-words haystack: sentences of words drawn from the word list, in blocks of 4,096 bytes whose
 * content is a function of the seed and the block index alone, so any offset is reachable without
 * generating what comes before it. PRNG.md ("Random-words haystack") specifies every draw.
 *
 * @module
 */

import type { HaystackSource } from "./haystack.ts";
import { checkOffset } from "./cyclic.ts";
import { createRng, type Rng, seedFrom } from "./prng.ts";
import { wordList } from "./words.ts";

/** Bytes of one block; every block starts a sentence. */
export const BLOCK_BYTES = 4096;
/** Sentences in the shared pool that blocks draw from. */
export const POOL_SENTENCES = 4096;
/** Fewest and most words of a pool sentence. */
export const SENTENCE_WORDS = [4, 12] as const;

const encoder = new TextEncoder();

function capitalise(word: string): string {
  return word[0].toUpperCase() + word.slice(1);
}

/** The sentence pool and the word list by length, built once from the word list. */
interface Pool {
  /** The pool sentences' bytes, views into one buffer (no view is made while filling). */
  sentences: Uint8Array[];
  /** Words of each length (index = length). */
  byLength: string[][];
  /** Largest L such that the list has words of every length 1..L. */
  shortMax: number;
}

let pool: Pool | undefined;

/**
 * The pool: rng = createRng(seedFrom(["random-words", "pool"])); for each of 4,096 sentences, n =
 * uniformInt(4, 12) words, each choice(words); the first capitalised; joined with " ", then ". ".
 */
function sentencePool(): Pool {
  if (pool !== undefined) return pool;
  const words = wordList();
  const rng = createRng(seedFrom(["random-words", "pool"]));
  const sentences: string[] = [];
  for (let i = 0; i < POOL_SENTENCES; i++) {
    const n = rng.uniformInt(SENTENCE_WORDS[0], SENTENCE_WORDS[1]);
    const picked = Array.from({ length: n }, () => rng.choice(words));
    picked[0] = capitalise(picked[0]);
    sentences.push(picked.join(" ") + ". ");
  }
  const bytes = encoder.encode(sentences.join(""));
  let start = 0;
  const views = sentences.map((t) => bytes.subarray(start, start += t.length));
  const byLength: string[][] = [];
  for (const w of words) (byLength[w.length] ??= []).push(w);
  let shortMax = 0;
  while (byLength[shortMax + 1] !== undefined) shortMax++;
  pool = { sentences: views, byLength, shortMax };
  return pool;
}

/**
 * A sentence of exactly `bytes` bytes (≥ 3), ending ". ": with m = bytes − 2 letters and spaces left, while
 * m > shortMax draw w = choice(words) until |w| ≤ m − 2, take it and m −= |w| + 1; then a last word
 * choice(words of length m). The first word is capitalised.
 */
function exactSentence(rng: Rng, bytes: number, p: Pool): string {
  const words = wordList();
  const picked: string[] = [];
  let m = bytes - 2;
  while (m > p.shortMax) {
    let w = rng.choice(words);
    while (w.length > m - 2) w = rng.choice(words);
    picked.push(w);
    m -= w.length + 1;
  }
  picked.push(rng.choice(p.byLength[m]));
  picked[0] = capitalise(picked[0]);
  return picked.join(" ") + ". ";
}

/**
 * Random words from the word list, as capitalised sentences ending ". ". Block b (bytes [4096·b,
 * 4096·b + 4096)) uses rng = createRng(seedFrom(["random-words", seed, b])): with R bytes left, take pool
 * sentence uniformInt(0, 4095) when it leaves 0 or at least 3 bytes, else end the block with an exact
 * sentence of R bytes. Holds one block.
 *
 * @example
 * ```ts
 * import { RandomWords } from "./random_words.ts";
 * const hay = new RandomWords(7);
 * const out = new Uint8Array(64);
 * hay.fill(10_000_000, out); // the same bytes whatever was read before
 * ```
 */
export class RandomWords implements HaystackSource {
  readonly name = "random-words";
  /** The haystack seed. */
  readonly seed: number;
  #block = new Uint8Array(BLOCK_BYTES);
  #starts: number[] = [];
  #index = -1;

  /** The random-words haystack of `seed` (a u32). */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
      throw new Error(`Haystack seed ${seed} must be an integer in [0, 2^32)`);
    }
    this.seed = seed;
  }

  /** Generates block `b` into the held block, unless it is already there. */
  #load(b: number): void {
    if (b === this.#index) return;
    const p = sentencePool();
    const rng = createRng(seedFrom(["random-words", this.seed, b]));
    const out = this.#block;
    const starts: number[] = [];
    let pos = 0;
    while (pos < BLOCK_BYTES) {
      starts.push(pos);
      const left = BLOCK_BYTES - pos;
      const sentence = p.sentences[rng.uniformInt(0, POOL_SENTENCES - 1)];
      const n = sentence.length;
      if (n === left || n <= left - 3) {
        out.set(sentence, pos);
        pos += n;
      } else {
        out.set(encoder.encode(exactSentence(rng, left, p)), pos);
        pos = BLOCK_BYTES;
      }
    }
    this.#starts = starts;
    this.#index = b;
  }

  /** Writes bytes [offset, offset + out.length) of the haystack into `out`. */
  fill(offset: number, out: Uint8Array): void {
    checkOffset("offset", offset);
    let done = 0;
    while (done < out.length) {
      const pos = offset + done;
      const b = Math.floor(pos / BLOCK_BYTES);
      const within = pos - b * BLOCK_BYTES;
      const n = Math.min(out.length - done, BLOCK_BYTES - within);
      this.#load(b);
      out.set(this.#block.subarray(within, within + n), done);
      done += n;
    }
  }

  /** The first sentence start at or after `pos`. */
  nextBoundary(pos: number): number {
    checkOffset("position", pos);
    const b = Math.floor(pos / BLOCK_BYTES);
    const within = pos - b * BLOCK_BYTES;
    this.#load(b);
    const s = this.#starts.find((x) => x >= within);
    return s === undefined ? (b + 1) * BLOCK_BYTES : b * BLOCK_BYTES + s;
  }
}
