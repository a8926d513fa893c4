/**
 * The word list: 2,000 distinct lowercase English words (ASCII a–z), most frequent first, counted over the
 * shipped Jane Austen corpus (`corpus/README.md` gives the source, the counting rule and how to rebuild
 * `words.txt`). Tasks draw words from it; the Python port reads the same file.
 *
 * @module
 */

/** The word list file: one word a line, most frequent first. */
export const WORDS_FILE: URL = new URL("./words.txt", import.meta.url);

let cached: readonly string[] | undefined;

/**
 * The word list, most frequent first (ties alphabetical). Read once from {@link WORDS_FILE}; the same array
 * is returned on every call.
 *
 * @example
 * ```ts
 * import { wordList } from "./words.ts";
 * wordList()[0]; // "the"
 * ```
 */
export function wordList(): readonly string[] {
  if (cached === undefined) {
    const words = Deno.readTextFileSync(WORDS_FILE).split("\n").filter((w) => w !== "");
    for (const w of words) {
      if (!/^[a-z]+$/.test(w)) {
        throw new Error(`Word list ${WORDS_FILE.pathname} has a bad word ${JSON.stringify(w)}`);
      }
    }
    if (new Set(words).size !== words.length) {
      throw new Error(`Word list ${WORDS_FILE.pathname} repeats a word`);
    }
    cached = Object.freeze(words);
  }
  return cached;
}
