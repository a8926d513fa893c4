/**
 * Passkey retrieval: a 5-to-7-digit key stated once inside a long haystack, asked for at the end. Every
 * byte is a deterministic function of (task, length, depth, seed, sample, split).
 *
 * @module
 */

import { createHaystack } from "../datasets/haystack.ts";
import { createRng, type Rng, seedFrom, type Split, splitOf } from "../datasets/prng.ts";
import { encode } from "../datasets/tokenizer.ts";
import { type Piece, streamLayout } from "./layout.ts";
import { checkRequest, type SampleRequest, type Task, type TaskChance, type TaskSample } from "./task.ts";

/** Bytes before the haystack when the intro is on. */
export const PASSKEY_INTRO = "There is a pass key hidden in this text. Find it and remember it.\n";
/** Bytes after the haystack; the model answers with the key, then the stop byte ".". */
export const PASSKEY_QUESTION = "\nWhat is the pass key? The pass key is ";
/** Fewest and most digits of a key. */
export const KEY_DIGITS = [5, 7] as const;

/**
 * Chance level of passkey ({@link Task.chance}): digits are uniform over KEY_DIGITS[0]..KEY_DIGITS[1] and the
 * value uniform over the 9·10^(d−1) numbers of d digits, so the best blind guess is any key of the fewest
 * digits: exact = 1/(digit counts) · 1/(9·10^(d_min−1)) = (1/3)·1/(9·10^4). The split filter of
 * {@link drawKey} (which halves the candidates of each split) is ignored. score = exact: the answer is a
 * single value.
 */
export function passkeyChance(): TaskChance {
  const counts = KEY_DIGITS[1] - KEY_DIGITS[0] + 1;
  const exact = 1 / counts / (9 * 10 ** (KEY_DIGITS[0] - 1));
  return { exact, score: exact };
}

/** The needle stating `key`; it ends with ". " so the haystack after it starts a sentence. */
export function passkeyNeedle(key: string): string {
  return `The pass key is ${key}. Remember it. ${key} is the pass key. `;
}

/**
 * Draws a key of the split: digits = uniformInt(5, 7), then value = uniformInt(10^(digits−1), 10^digits − 1);
 * the whole draw repeats until splitOf(decimal text) equals `split`.
 */
export function drawKey(rng: Rng, split: Split): string {
  for (;;) {
    const digits = rng.uniformInt(KEY_DIGITS[0], KEY_DIGITS[1]);
    const key = String(rng.uniformInt(10 ** (digits - 1), 10 ** digits - 1));
    if (splitOf(key) === split) return key;
  }
}

/** A passkey sample, with where the needle sits. */
export interface PasskeySample extends TaskSample {
  /** Haystack bytes H (the prompt without intro, needle and question). */
  haystackBytes: number;
  /** Needle offset within the haystack, in [0, H]. */
  needleOffset: number;
  /** Token index of the needle's first byte within the prompt. */
  needleStart: number;
}

/** The passkey task, whose samples tell where the needle sits. */
export interface PasskeyTask extends Task {
  /** The sample of `req`, with its needle position. */
  generate(req: SampleRequest): PasskeySample;
}

/** Options of {@link createPasskeyTask}. */
export interface PasskeyOptions {
  /** Task name, also the first seed part (default "passkey"). */
  name?: string;
  /** Start with {@link PASSKEY_INTRO} (default true). */
  intro?: boolean;
  /** Haystack source name (default "repeated-filler"). */
  haystack?: string;
}

/**
 * A passkey task. The registry holds the default one, {@link passkeyTask}.
 *
 * Steps of generate (PRNG.md has the procedures):
 * 1. rng = createRng(seedFrom([name, length, depth, seed, sample, split])); key = drawKey(rng, split).
 * 2. H = length − |intro| − |needle| − |question|.
 * 3. Needle offset p = min(nextBoundary(floor(depth · H)), H); depthActual = p / H (0 when H = 0).
 * 4. Prompt = intro + haystack[0, p) + needle + haystack[p, H) + question.
 *
 * @example
 * ```ts
 * import { createPasskeyTask } from "./passkey.ts";
 * const task = createPasskeyTask({ intro: false });
 * const s = task.generate({ length: 4096, depth: 0.5, seed: 0, sample: 0, split: "eval" });
 * ```
 */
export function createPasskeyTask(options: PasskeyOptions = {}): PasskeyTask {
  const name = options.name ?? "passkey";
  const intro = encode(options.intro === false ? "" : PASSKEY_INTRO);
  const haystackName = options.haystack ?? "repeated-filler";
  createHaystack(haystackName, 0, "eval"); // fail at construction on an unknown name
  const question = encode(PASSKEY_QUESTION);
  const stopByte = ".".charCodeAt(0);
  const longestNeedle = encode(passkeyNeedle("9".repeat(KEY_DIGITS[1]))).length;
  const minLength = intro.length + longestNeedle + question.length;
  const generatorVersion = 1;

  function generate(req: SampleRequest): PasskeySample {
    checkRequest(req, name, minLength);
    const { length, depth, seed, sample, split } = req;
    const parts = [name, length, depth, seed, sample, split];
    const key = drawKey(createRng(seedFrom(parts)), split);
    const needle = encode(passkeyNeedle(key));
    const source = createHaystack(haystackName, seedFrom([...parts, "haystack"]), split);
    const h = length - intro.length - needle.length - question.length;
    const p = Math.min(source.nextBoundary(Math.floor(depth * h)), h);
    const pieces: Piece[] = [
      { kind: "bytes", bytes: intro },
      { kind: "haystack", source, start: 0, end: p },
      { kind: "bytes", bytes: needle },
      { kind: "haystack", source, start: p, end: h },
      { kind: "bytes", bytes: question },
    ];
    return {
      task: name,
      taskParams: {
        split,
        haystack: haystackName,
        ...(source.digest === undefined ? {} : { haystack_sha256: source.digest }),
        intro: intro.length > 0,
        key_digits_min: KEY_DIGITS[0],
        key_digits_max: KEY_DIGITS[1],
      },
      generatorVersion,
      lengthRequested: length,
      lengthActual: length,
      depth,
      depthActual: h > 0 ? p / h : 0,
      seed,
      sample,
      expected: key,
      answerTokens: encode(key),
      stopByte,
      haystackBytes: h,
      needleOffset: p,
      needleStart: intro.length + p,
      segments: (segmentTokens: number) => streamLayout(pieces, segmentTokens),
    };
  }

  return {
    name,
    description: `Passkey retrieval: a ${KEY_DIGITS[0]}-to-${
      KEY_DIGITS[1]
    }-digit key stated once in a ${haystackName} haystack at the requested depth; answer the key, then "."`,
    stopByte,
    generatorVersion,
    minLength,
    generate,
    chance: passkeyChance(),
    withHaystack: (haystack: string) => createPasskeyTask({ ...options, haystack }),
  };
}

/** The registered passkey task: intro on, repeated-filler haystack. */
export const passkeyTask: PasskeyTask = createPasskeyTask();
