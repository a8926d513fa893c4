/**
 * Texts repeated forever, the basis of every text haystack: a {@link CyclicText} holds one copy of a text
 * (shared by all samples) and its sentence starts; a {@link TextHaystack} streams it from a chosen start.
 *
 * @module
 */

import type { HaystackSource } from "./haystack.ts";

/** Smallest tile a {@link CyclicText} copies from, so a fill of a short text needs few copies. */
const TILE_BYTES = 1 << 16;

/**
 * Throws unless `value` is a non-negative safe integer; `what` names it ("offset", "position").
 */
export function checkOffset(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`Haystack ${what} ${value} must be a non-negative integer`);
  }
}

/**
 * The sentence starts of a text, by this rule (PRNG.md, "Text haystacks"): 0, and the end of every match
 * of `[.?!]["']?[ \n\t\r]+` that is followed by an uppercase letter A–Z, or by `"` and then A–Z; a match
 * ending at the text's end is not a start. Ascending.
 *
 * @example
 * ```ts
 * import { sentenceStarts } from "./cyclic.ts";
 * sentenceStarts(new TextEncoder().encode('No. "Yes," she said. etc. Fine.\n')); // [0, 4, 26]
 * ```
 */
export function sentenceStarts(bytes: Uint8Array): Int32Array {
  if (bytes.length >= 2 ** 31) throw new Error(`A text of ${bytes.length} bytes is too long to index`);
  const text = new TextDecoder("latin1").decode(bytes); // one character per byte
  const starts = [0];
  for (const m of text.matchAll(/[.?!]["']?[ \n\t\r]+(?="?[A-Z])/g)) starts.push(m.index + m[0].length);
  return Int32Array.from(starts);
}

/**
 * One text, repeated forever, with its sentence starts. Holds the text once (short texts as a tile of a
 * few copies), so many {@link TextHaystack}s can share it.
 */
export class CyclicText {
  /** Bytes of one repetition. */
  readonly period: number;
  /** Sentence starts within one period, ascending, starting with 0. */
  readonly starts: Int32Array;
  #tile: Uint8Array;

  /** A cyclic `bytes` (non-empty) with sentence starts `starts` (ascending, within it, starting with 0). */
  constructor(bytes: Uint8Array, starts: Int32Array) {
    if (bytes.length === 0) throw new Error("A cyclic text must not be empty");
    if (starts[0] !== 0) throw new Error("A cyclic text's sentence starts must begin with 0");
    this.period = bytes.length;
    this.starts = starts;
    const reps = bytes.length >= TILE_BYTES ? 1 : Math.ceil(TILE_BYTES / bytes.length) + 1;
    this.#tile = reps === 1 ? bytes : new Uint8Array(reps * bytes.length);
    for (let r = 0; reps > 1 && r < reps; r++) this.#tile.set(bytes, r * bytes.length);
  }

  /** Writes bytes [pos, pos + out.length) of the endless repetition into `out`. */
  copy(pos: number, out: Uint8Array): void {
    let done = 0;
    let r = pos % this.period;
    while (done < out.length) {
      const n = Math.min(out.length - done, this.#tile.length - r);
      out.set(this.#tile.subarray(r, r + n), done);
      done += n;
      r = (r + n) % this.period;
    }
  }

  /** The first sentence start at or after `pos` in the endless repetition. */
  nextStart(pos: number): number {
    const base = pos - (pos % this.period);
    const r = pos - base;
    const s = this.starts;
    if (r > s[s.length - 1]) return base + this.period;
    let lo = 0, hi = s.length - 1; // s[hi] ≥ r
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid] >= r) hi = mid;
      else lo = mid + 1;
    }
    return base + s[lo];
  }
}

/**
 * A haystack that streams a {@link CyclicText} from sentence start `origin`: haystack offset 0 is text
 * position `origin`. Sentence starts are the text's, shifted.
 */
export class TextHaystack implements HaystackSource {
  readonly name: string;
  readonly digest: string | undefined;
  /** The text streamed. */
  readonly text: CyclicText;
  /** Text position of haystack offset 0; a sentence start. */
  readonly origin: number;

  /** `text` from `origin` (one of its sentence starts), named `name`, with the text's `digest` if any. */
  constructor(name: string, text: CyclicText, origin: number, digest?: string) {
    if (text.nextStart(origin) !== origin) throw new Error(`Origin ${origin} is not a sentence start`);
    this.name = name;
    this.text = text;
    this.origin = origin;
    this.digest = digest;
  }

  /** Writes bytes [offset, offset + out.length) of the haystack into `out`. */
  fill(offset: number, out: Uint8Array): void {
    checkOffset("offset", offset);
    this.text.copy(this.origin + offset, out);
  }

  /** The first sentence start at or after `pos`. */
  nextBoundary(pos: number): number {
    checkOffset("position", pos);
    return this.text.nextStart(this.origin + pos) - this.origin;
  }
}
