/**
 * Haystack sources: unbounded byte streams with random access, so a task can stream a haystack of any
 * length (64M tokens and beyond) in segments without ever holding it whole.
 *
 * @module
 */

/**
 * A haystack source: bytes defined at every offset ≥ 0, read by absolute offset. Sources are pure
 * functions of their construction arguments, so the same offset always yields the same bytes. A source
 * drawn at random (random words, say) must be seekable: derive each block's content from a seed and the
 * block index, never from a stream position.
 */
export interface HaystackSource {
  /** Name recorded in task params, e.g. "repeated-filler". */
  readonly name: string;
  /** Writes bytes [offset, offset + out.length) of the haystack into `out`. */
  fill(offset: number, out: Uint8Array): void;
  /** The first sentence start at or after `pos` (a sentence starts at 0 and right after ". "). */
  nextBoundary(pos: number): number;
}

/** The classic passkey filler (Mohtashami & Jaggi 2023): five sentences, 90 bytes. */
export const FILLER_TEXT =
  "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again. ";

/** Bytes of the repeated tile a {@link RepeatedFiller} copies from; big enough for few copies per fill. */
const TILE_BYTES = 1 << 16;

function checkOffset(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`Haystack ${what} ${value} must be a non-negative integer`);
  }
}

/**
 * A text repeated forever. Sentence starts are offset 0 and every offset right after ". "; the text must
 * end with ". " so that they repeat with the text.
 *
 * @example
 * ```ts
 * import { RepeatedFiller } from "./haystack.ts";
 * const hay = new RepeatedFiller();
 * const out = new Uint8Array(20);
 * hay.fill(85, out); // "ain. The grass is gr"
 * hay.nextBoundary(21); // 37, the start of "The sun is yellow."
 * ```
 */
export class RepeatedFiller implements HaystackSource {
  readonly name: string;
  /** The repeated text. */
  readonly text: string;
  /** Bytes of one repetition. */
  readonly period: number;
  /** Sentence starts within one period, ascending, starting with 0. */
  readonly starts: readonly number[];
  #tile: Uint8Array;

  /** A filler repeating `text` (default {@link FILLER_TEXT}), named `name` in task params. */
  constructor(text: string = FILLER_TEXT, name = "repeated-filler") {
    if (!text.endsWith(". ")) throw new Error(`Filler text ${JSON.stringify(text)} must end with ". "`);
    const bytes = new TextEncoder().encode(text);
    this.name = name;
    this.text = text;
    this.period = bytes.length;
    const starts = [0];
    for (let i = 2; i < bytes.length; i++) if (bytes[i - 2] === 0x2e && bytes[i - 1] === 0x20) starts.push(i);
    this.starts = starts;
    // Whole periods covering TILE_BYTES, plus one, so a copy may start anywhere in the first period.
    const reps = Math.ceil(TILE_BYTES / bytes.length) + 1;
    this.#tile = new Uint8Array(reps * bytes.length);
    for (let r = 0; r < reps; r++) this.#tile.set(bytes, r * bytes.length);
  }

  /** Writes bytes [offset, offset + out.length) into `out`, copying from a prebuilt tile. */
  fill(offset: number, out: Uint8Array): void {
    checkOffset("offset", offset);
    const maxRun = this.#tile.length - this.period;
    let pos = 0;
    let r = offset % this.period;
    while (pos < out.length) {
      const n = Math.min(out.length - pos, maxRun);
      out.set(this.#tile.subarray(r, r + n), pos);
      pos += n;
      r = (r + n) % this.period;
    }
  }

  /** The first sentence start at or after `pos`. */
  nextBoundary(pos: number): number {
    checkOffset("position", pos);
    const base = pos - (pos % this.period);
    const r = pos - base;
    for (const s of this.starts) if (s >= r) return base + s;
    return base + this.period;
  }
}

/** Names of the haystack sources {@link createHaystack} knows. */
export const HAYSTACK_NAMES: readonly string[] = ["repeated-filler"];

/**
 * A haystack source by name. `seed` is for sources drawn at random; "repeated-filler" ignores it.
 *
 * @example
 * ```ts
 * import { createHaystack } from "./haystack.ts";
 * const hay = createHaystack("repeated-filler", 0);
 * ```
 */
export function createHaystack(name: string, _seed: number): HaystackSource {
  if (name === "repeated-filler") return new RepeatedFiller();
  throw new Error(`Unknown haystack ${JSON.stringify(name)}; known: ${HAYSTACK_NAMES.join(", ")}`);
}
