/**
 * Variable tracking (RULER VT, Hsieh et al. 2024): a chain of assignments "VAR ABCDE = 12345." → "VAR FGHIJ
 * = VAR ABCDE." → … hidden in a haystack with distractor chains of other values; the question asks for every
 * variable that holds the chain's value, in the order assigned. Every byte is a deterministic function of
 * (task, length, depth, seed, sample, split); `training/data_words.py` is the Python port.
 *
 * @module
 */

import { createHaystack } from "../datasets/haystack.ts";
import { createRng, type Rng, seedFrom, type Split, splitOf } from "../datasets/prng.ts";
import { encode } from "../datasets/tokenizer.ts";
import { type Piece, streamLayout } from "./layout.ts";
import { checkRequest, type SampleRequest, type Task, type TaskChance, type TaskSample } from "./task.ts";

/** Bytes before the haystack. */
export const VT_INTRO =
  "Memorize and track the chains of variable assignment hidden in the following text.\n";
/** Letters of a variable name (uppercase A–Z). */
export const VT_NAME_LETTERS = 5;
/** Digits of a value (10000–99999). */
export const VT_VALUE_DIGITS = 5;

/** The question after the haystack; the model answers with the names joined by ", ", then ".". */
export function vtQuestion(value: string): string {
  return `\nQuestion: Find all variables that are assigned the value ${value} in the text above, ` +
    `in the order they were assigned. Answer: `;
}

/**
 * The statement binding `name` to a value (digits) or to another variable (a name); it ends with ". " so
 * the haystack after it starts a sentence.
 */
export function vtStatement(name: string, source: string): string {
  return /^[0-9]/.test(source) ? `VAR ${name} = ${source}. ` : `VAR ${name} = VAR ${source}. `;
}

/** A value of VT_VALUE_DIGITS digits: uniformInt(10^(d−1), 10^d − 1) as decimal text. */
function drawValue(rng: Rng): string {
  return String(rng.uniformInt(10 ** (VT_VALUE_DIGITS - 1), 10 ** VT_VALUE_DIGITS - 1));
}

/** The asked value: {@link drawValue} until splitOf(value) equals `split`. */
function drawSecret(rng: Rng, split: Split): string {
  for (;;) {
    const value = drawValue(rng);
    if (splitOf(value) === split) return value;
  }
}

/** A name of VT_NAME_LETTERS letters, each uniformInt(0, 25) → "A"…"Z", drawn again while in `used`. */
function drawName(rng: Rng, used: Set<string>): string {
  for (;;) {
    let name = "";
    for (let i = 0; i < VT_NAME_LETTERS; i++) name += String.fromCharCode(65 + rng.uniformInt(0, 25));
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
  }
}

/**
 * Chance level ({@link Task.chance}) of variable tracking with `hops` hops: the answer lists the n = hops + 1
 * names of the asked chain, each uniform over the 26^VT_NAME_LETTERS names: exact = (1/26^letters)^n;
 * score = n/26^letters (n uniform guesses, to first order). Distinctness of the names is ignored.
 */
export function variableTrackingChance(hops: number): TaskChance {
  const n = hops + 1, names = 26 ** VT_NAME_LETTERS;
  return { exact: (1 / names) ** n, score: n / names };
}

/** A variable tracking sample, with where each statement sits. */
export interface VariableTrackingSample extends TaskSample {
  /** Haystack bytes H (the prompt without intro, statements and question). */
  haystackBytes: number;
  /** Offset / H of each statement of the asked chain, in chain order (0 when H = 0). */
  needleDepths: number[];
  /** The same for each distractor chain. */
  distractorDepths: number[][];
}

/** The variable tracking task, whose samples tell where the statements sit. */
export interface VariableTrackingTask extends Task {
  /** The sample of `req`, with its statement depths. */
  generate(req: SampleRequest): VariableTrackingSample;
  /** The same task over another haystack. */
  withHaystack(haystack: string): VariableTrackingTask;
}

/** Options of {@link createVariableTrackingTask}. */
export interface VariableTrackingOptions {
  /** Task name, also the first seed part (default "variable_tracking"). */
  name?: string;
  /** Assignments from one variable to the next in each chain; a chain has hops + 1 variables (default 4). */
  hops?: number;
  /** Chains of other values (default 2). */
  distractors?: number;
  /** Haystack source name (default "repeated-filler"). */
  haystack?: string;
}

/**
 * A variable tracking task. The registry holds the default one, {@link variableTrackingTask}.
 *
 * Steps of generate (n = hops + 1 statements per chain, chain 0 the asked one):
 * 1. rng = createRng(seedFrom([name, length, depth, seed, sample, split])).
 * 2. value = uniformInt(10000, 99999) as text, drawn again until splitOf(value) equals the split; then one
 *    value per distractor chain, drawn again while equal to an earlier value.
 * 3. Names, chain by chain, n per chain: 5 × uniformInt(0, 25) → "A"…"Z", drawn again while already used.
 *    Chain c's statements: "VAR {name_0} = {value_c}. ", then "VAR {name_j} = VAR {name_(j−1)}. ".
 * 4. H = length − |intro| − |all statements| − |question|.
 * 5. Offsets: chain 0's statement j at min(nextBoundary(s + floor(j·(H − s)/n)), H), s = floor(depth·H);
 *    each distractor chain in turn: n × uniformInt(0, H), sorted ascending, each at min(nextBoundary(t), H).
 * 6. Prompt = intro + the haystack [0, H) with every statement inserted at its offset (ties: chain 0
 *    first, then by chain, then in chain order) + question. expected = chain 0's names joined by ", ".
 *
 * @example
 * ```ts
 * import { createVariableTrackingTask } from "./variable_tracking.ts";
 * const task = createVariableTrackingTask({ hops: 2, distractors: 0 });
 * const s = task.generate({ length: 4096, depth: 0.5, seed: 0, sample: 0, split: "eval" });
 * ```
 */
export function createVariableTrackingTask(options: VariableTrackingOptions = {}): VariableTrackingTask {
  const name = options.name ?? "variable_tracking";
  const hops = options.hops ?? 4;
  const distractors = options.distractors ?? 2;
  const haystackName = options.haystack ?? "repeated-filler";
  if (!Number.isSafeInteger(hops) || hops < 1 || hops > 100) {
    throw new Error(`Hops ${hops} must be an integer in [1, 100]`);
  }
  if (!Number.isSafeInteger(distractors) || distractors < 0 || distractors > 100) {
    throw new Error(`Distractors ${distractors} must be an integer in [0, 100]`);
  }
  createHaystack(haystackName, 0, "eval"); // fail at construction on an unknown name
  const n = hops + 1, chains = 1 + distractors;
  const name0 = "A".repeat(VT_NAME_LETTERS), value0 = "1".repeat(VT_VALUE_DIGITS);
  const chainBytes = encode(vtStatement(name0, value0)).length +
    hops * encode(vtStatement(name0, name0)).length;
  const intro = encode(VT_INTRO);
  const questionBytes = encode(vtQuestion(value0)).length;
  const minLength = intro.length + chains * chainBytes + questionBytes;
  const stopByte = ".".charCodeAt(0);
  const generatorVersion = 1;

  function generate(req: SampleRequest): VariableTrackingSample {
    checkRequest(req, name, minLength);
    const { length, depth, seed, sample, split } = req;
    const parts = [name, length, depth, seed, sample, split];
    const rng = createRng(seedFrom(parts));
    const values = [drawSecret(rng, split)];
    while (values.length < chains) {
      const v = drawValue(rng);
      if (!values.includes(v)) values.push(v);
    }
    const used = new Set<string>();
    const names = values.map(() => Array.from({ length: n }, () => drawName(rng, used)));
    const source = createHaystack(haystackName, seedFrom([...parts, "haystack"]), split);
    const h = length - minLength;
    const at = (t: number) => Math.min(source.nextBoundary(t), h);
    const s = Math.floor(depth * h);
    const offsets = [Array.from({ length: n }, (_, j) => at(s + Math.floor(j * (h - s) / n)))];
    for (let c = 1; c < chains; c++) {
      offsets.push(Array.from({ length: n }, () => rng.uniformInt(0, h)).sort((a, b) => a - b).map(at));
    }
    const statements = offsets.flatMap((chain, c) => chain.map((offset, j) => ({ offset, c, j })))
      .sort((a, b) => a.offset - b.offset || a.c - b.c || a.j - b.j);
    const pieces: Piece[] = [{ kind: "bytes", bytes: intro }];
    let prev = 0;
    for (const { offset, c, j } of statements) {
      const text = vtStatement(names[c][j], j === 0 ? values[c] : names[c][j - 1]);
      pieces.push({ kind: "haystack", source, start: prev, end: offset }, {
        kind: "bytes",
        bytes: encode(text),
      });
      prev = offset;
    }
    pieces.push({ kind: "haystack", source, start: prev, end: h });
    pieces.push({ kind: "bytes", bytes: encode(vtQuestion(values[0])) });
    const depths = offsets.map((chain) => chain.map((p) => (h > 0 ? p / h : 0)));
    const expected = names[0].join(", ");
    const digest = source.digest === undefined ? {} : { haystack_sha256: source.digest };
    return {
      task: name,
      taskParams: {
        split,
        haystack: haystackName,
        ...digest,
        hops,
        distractors,
        name_letters: VT_NAME_LETTERS,
        value_digits: VT_VALUE_DIGITS,
      },
      generatorVersion,
      lengthRequested: length,
      lengthActual: length,
      depth,
      depthActual: depths[0][0],
      seed,
      sample,
      expected,
      expectedValues: names[0],
      answerTokens: encode(expected),
      stopByte,
      haystackBytes: h,
      needleDepths: depths[0],
      distractorDepths: depths.slice(1),
      segments: (segmentTokens: number) => streamLayout(pieces, segmentTokens),
    };
  }

  return {
    name,
    description:
      `Variable tracking: a chain of ${hops} assignment hops from a ${VT_VALUE_DIGITS}-digit value, plus ` +
      `${distractors} distractor chains, in a ${haystackName} haystack from the requested depth on; answer ` +
      `every variable holding the value, in order, then "."`,
    stopByte,
    generatorVersion,
    minLength,
    generate,
    chance: variableTrackingChance(hops),
    withHaystack: (haystack: string) => createVariableTrackingTask({ ...options, haystack }),
  };
}

/** The registered variable tracking task: 4 hops, 2 distractor chains, repeated-filler haystack. */
export const variableTrackingTask: VariableTrackingTask = createVariableTrackingTask();
