/**
 * Haystack sources: unbounded byte streams with random access, so a task can stream a haystack of any
 * length (64M tokens and beyond) in segments without ever holding it whole. Sources: the repeated passkey
 * filler, random words, the shipped natural-text corpus and a user's text file.
 *
 * @module
 */

import { checkOffset, CyclicText, TextHaystack } from "./cyclic.ts";
import { corpusText, fileText } from "./corpus.ts";
import { createRng, type Split } from "./prng.ts";
import { RandomWords } from "./random_words.ts";

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
  /** The first sentence start at or after `pos` (0 is one; each source says where the others are). */
  nextBoundary(pos: number): number;
  /** sha256 of the text the source repeats, for sources read from a user's file; recorded in task params. */
  readonly digest?: string;
}

/** The classic passkey filler (Mohtashami & Jaggi 2023): five sentences, 90 bytes. */
export const FILLER_TEXT =
  "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again. ";

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
  #text: CyclicText;

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
    this.#text = new CyclicText(bytes, Int32Array.from(starts));
  }

  /** Writes bytes [offset, offset + out.length) into `out`, copying from a prebuilt tile. */
  fill(offset: number, out: Uint8Array): void {
    checkOffset("offset", offset);
    this.#text.copy(offset, out);
  }

  /** The first sentence start at or after `pos`. */
  nextBoundary(pos: number): number {
    checkOffset("position", pos);
    return this.#text.nextStart(pos);
  }
}

/** Names of the haystack sources {@link createHaystack} knows, besides "file:PATH". */
export const HAYSTACK_NAMES: readonly string[] = ["repeated-filler", "random-words", "austen"];

/** Prefix of a haystack name that streams a user's text file: "file:notes.txt". */
export const FILE_PREFIX = "file:";

/**
 * A haystack source by name, for the sample whose haystack seed is `seed` (a u32) and whose split is
 * `split`:
 * - "repeated-filler": {@link FILLER_TEXT} repeated; ignores seed and split.
 * - "random-words": {@link RandomWords} of `seed`; ignores split.
 * - "austen": the corpus part of `split` (training never sees the held-out part), repeated.
 * - "file:PATH": the text file PATH, repeated (read once; errors name the file).
 *
 * A text source starts at sentence start number createRng(seed).uniformInt(0, starts − 1) of its text
 * and wraps around.
 *
 * @example
 * ```ts
 * import { createHaystack } from "./haystack.ts";
 * const hay = createHaystack("austen", 12345, "eval");
 * ```
 */
export function createHaystack(name: string, seed: number, split: Split): HaystackSource {
  if (name === "repeated-filler") return new RepeatedFiller();
  if (name === "random-words") return new RandomWords(seed);
  let text: CyclicText, digest: string | undefined;
  if (name === "austen") text = corpusText(split);
  else if (name.startsWith(FILE_PREFIX)) {
    ({ text, sha256: digest } = fileText(name.slice(FILE_PREFIX.length)));
  } else {
    throw new Error(
      `Unknown haystack ${JSON.stringify(name)}; known: ${HAYSTACK_NAMES.join(", ")}, ${FILE_PREFIX}PATH`,
    );
  }
  const origin = text.starts[createRng(seed).uniformInt(0, text.starts.length - 1)];
  return new TextHaystack(name, text, origin, digest);
}
