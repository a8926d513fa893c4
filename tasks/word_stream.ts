/**
 * Word-list streaming, the machinery of the word tasks (`words_tasks.ts`): a count table drawn without
 * replacement in a seeded random order (urn sampling), written as a list "1. apple 2. river …" or
 * "apple river …" from pre-encoded bytes one block at a time, so memory stays O(segment + vocabulary) at
 * any length. Every draw is PRNG.md's; `training/data_words.py` is the Python port.
 *
 * @module
 */

import { createRng, type Rng } from "../datasets/prng.ts";
import { encode } from "../datasets/tokenizer.ts";

const SPACE = 0x20, ZERO = 0x30, NINE = 0x39;
/** Index of the last digit in a {@link ListWriter}'s number buffer: up to 19 digits. */
const LAST_DIGIT = 20;
const TWO_POW_32 = 4294967296;
/** Bytes of list text generated per refill of a stream's block. */
const BLOCK_BYTES = 1 << 16;

/**
 * rng.uniformInt(0, n − 1) of PRNG.md, for 1 ≤ n ≤ 2^32, draw for draw and faster: the rejection limit
 * 2^32 − (2^32 mod n) is only computed when x is within n of 2^32, and floor(x / n) in binary64 is exact
 * for x ≤ 2^32, so no float modulo runs on the hot path.
 *
 * @example
 * ```ts
 * import { createRng } from "../datasets/prng.ts";
 * import { drawBelow } from "./word_stream.ts";
 * drawBelow(createRng(42), 3); // createRng(42).uniformInt(0, 2)
 * ```
 */
export function drawBelow(rng: Rng, n: number): number {
  for (;;) {
    const x = rng.nextU32();
    if (x < TWO_POW_32 - n || x < Math.floor(TWO_POW_32 / n) * n) return x - Math.floor(x / n) * n;
  }
}

/**
 * rng.shuffle(items) of PRNG.md, draw for draw, with {@link drawBelow} for its uniformInt(0, i).
 *
 * @example
 * ```ts
 * import { createRng } from "../datasets/prng.ts";
 * import { shuffle } from "./word_stream.ts";
 * shuffle(createRng(42), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // 3 6 8 7 5 0 9 2 1 4, as PRNG.md's vector
 * ```
 */
export function shuffle<T>(rng: Rng, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = drawBelow(rng, i + 1);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

/**
 * Σ digits(i) for i = 1..n: the bytes of the decimal numbers 1 to n.
 *
 * @example
 * ```ts
 * import { digitsSum } from "./word_stream.ts";
 * digitsSum(12); // 15: nine 1-digit numbers and three 2-digit ones
 * ```
 */
export function digitsSum(n: number): number {
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
 *
 * @example
 * ```ts
 * import { Urn } from "./word_stream.ts";
 * const urn = new Urn([2, 0, 1]);
 * urn.take(2); // 2 (kind 0 covers x = 0, 1; kind 2 covers x = 2)
 * urn.take(1); // 0
 * ```
 */
export class Urn {
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
    x |= 0; // x < remaining < 2^31: an int32 keeps the scans' subtraction chain in integer registers
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
export interface WordTable {
  /** The words, in table order (the order urn draws resolve in). */
  words: readonly string[];
  /** (words.length,) occurrences of each word in the list. */
  counts: Int32Array;
  /** "1. apple 2. river" when true, "apple river" when false. */
  numbered: boolean;
}

/** encode(text) of each of `texts`, in one encoder call when all are ASCII (a byte per character). */
function encodeEach(texts: readonly string[]): Uint8Array[] {
  const all = encode(texts.join(""));
  let chars = 0;
  for (const t of texts) chars += t.length;
  if (all.length !== chars) return texts.map((t) => encode(t));
  let at = 0;
  return texts.map((t) => all.subarray(at, at += t.length));
}

/**
 * Bytes of the list: items joined by single spaces, each "{i}. {word}" when numbered, else "{word}".
 *
 * @example
 * ```ts
 * import { listBytes } from "./word_stream.ts";
 * listBytes({ words: ["a", "bc"], counts: Int32Array.of(1, 1), numbered: true }); // 10: "1. a 2. bc"
 * ```
 */
export function listBytes(table: WordTable): number {
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
  // The item number in ASCII, right-aligned at LAST_DIGIT with a space before it and 4 bytes of slack
  // after, so that " {number}" is copied 4 bytes at a time (the ending copied next overwrites the slack).
  #number = new DataView(Uint8Array.of(...Array(LAST_DIGIT - 1).fill(ZERO), SPACE, ZERO, 0, 0, 0, 0).buffer);
  #numberStart = LAST_DIGIT;
  #items = 0;
  #block: Uint8Array;
  #view: DataView;
  #start = 0;
  #end = 0;

  constructor(table: WordTable, orderSeed: number) {
    this.#urn = new Urn(table.counts);
    this.#rng = createRng(orderSeed);
    this.#numbered = table.numbered;
    const endings = encodeEach(table.words.map((w) => table.numbered ? `. ${w}` : w));
    this.#lengths = Int32Array.from(endings, (e) => e.length);
    this.#stride = 4 * Math.ceil(Math.max(...this.#lengths) / 4);
    const rows = new Uint8Array(endings.length * this.#stride);
    endings.forEach((e, t) => rows.set(e, t * this.#stride));
    this.#endings = new DataView(rows.buffer);
    this.#block = new Uint8Array(BLOCK_BYTES + 1 + this.#number.byteLength + this.#stride);
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
    const stride = this.#stride;
    let p = 0, items = this.#items, first = this.#numberStart;
    for (; p < BLOCK_BYTES && urn.remaining > 0; items++) {
      const t = urn.draw(rng);
      if (numbered) {
        let i = LAST_DIGIT;
        while (number.getUint8(i) === NINE) number.setUint8(i--, ZERO);
        if (i >= first) number.setUint8(i, number.getUint8(i) + 1);
        else { // a new leading digit: "1" where the space was, the space before it
          number.setUint8(i, ZERO + 1);
          number.setUint8(i - 1, SPACE);
          first = i;
        }
        const from = items > 0 ? first - 1 : first, n = LAST_DIGIT + 1 - from;
        for (let j = 0; j < n; j += 4) view.setUint32(p + j, number.getUint32(from + j));
        p += n;
      } else if (items > 0) block[p++] = SPACE;
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
 *
 * @example
 * ```ts
 * import { streamWords } from "./word_stream.ts";
 * const table = { words: ["a", "bc"], counts: Int32Array.of(2, 1), numbered: false };
 * const bytes = (s: string) => new TextEncoder().encode(s);
 * for (const seg of streamWords(bytes("> "), table, 7, bytes("?"), 4)) console.log(seg); // "> a bc a?" in 4s
 * ```
 */
export function streamWords(
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
