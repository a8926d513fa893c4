/**
 * The texts behind the text haystacks: the shipped natural-text corpus (Jane Austen's novels, a training
 * part and a held-out part; `corpus/README.md`), and text files named by the user. Each is read once per
 * process and shared by every sample (the corpus when this module loads).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { CyclicText, sentenceStarts } from "./cyclic.ts";
import type { Split } from "./prng.ts";

/** The corpus part file of each split: training reads only "train", evaluation only "eval". */
export const CORPUS_FILES: Readonly<Record<Split, URL>> = {
  train: new URL("./corpus/austen-train.txt.gz", import.meta.url),
  eval: new URL("./corpus/austen-eval.txt.gz", import.meta.url),
};

async function gunzip(url: URL): Promise<Uint8Array> {
  const file = await Deno.open(url);
  const stream = file.readable.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function load(split: Split): Promise<CyclicText> {
  const bytes = await gunzip(CORPUS_FILES[split]);
  return new CyclicText(bytes, sentenceStarts(bytes));
}

// Both parts are decompressed when this module loads (about 2 MB), so haystacks can be made synchronously.
const corpus: Readonly<Record<Split, CyclicText>> = { train: await load("train"), eval: await load("eval") };

/**
 * The corpus part of `split`, as a cyclic text with its sentence starts.
 *
 * @example
 * ```ts
 * import { corpusText } from "./corpus.ts";
 * corpusText("eval").period; // bytes of the held-out part
 * ```
 */
export function corpusText(split: Split): CyclicText {
  return corpus[split];
}

/** A user text file, read once: its cyclic text and the sha256 of the file's bytes. */
export interface FileText {
  text: CyclicText;
  /** sha256 of the file's bytes, hex. */
  sha256: string;
}

const files = new Map<string, FileText>();

/**
 * The text file at `path`, read once per process: it must be non-empty UTF-8 text without NUL bytes and
 * hold more than whitespace; errors name the file. A "\n" is appended when it does not end with one, so
 * its repetitions do not run words together.
 *
 * @example
 * ```ts
 * import { fileText } from "./corpus.ts";
 * const { text, sha256 } = fileText("notes.txt");
 * ```
 */
export function fileText(path: string): FileText {
  const cached = files.get(path);
  if (cached !== undefined) return cached;
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (e) {
    throw new Error(`Haystack file ${path}: ${(e as Error).message}`);
  }
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`Haystack file ${path} is not UTF-8 text`);
  }
  if (bytes.includes(0)) throw new Error(`Haystack file ${path} is not text: it has NUL bytes`);
  if (!/\S/.test(new TextDecoder().decode(bytes))) {
    throw new Error(`Haystack file ${path} is empty (or only whitespace)`);
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  let text = bytes;
  if (bytes[bytes.length - 1] !== 0x0a) {
    text = new Uint8Array(bytes.length + 1);
    text.set(bytes);
    text[bytes.length] = 0x0a;
  }
  const entry = { text: new CyclicText(text, sentenceStarts(text)), sha256 };
  files.set(path, entry);
  return entry;
}
