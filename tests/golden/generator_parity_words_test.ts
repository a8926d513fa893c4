/**
 * The Python port of the RULER-style generators (training/data_words.py) against the TypeScript tasks
 * variable_tracking, common_words and frequent_words: minimum lengths, answers, statement depths and whole
 * prompts (sha256, and the bytes themselves when short) must match for many requests from each task's minimum length to
 * 100,000 tokens, both splits, default and other options. Skipped, with a message, where python3 is
 * missing.
 */
import assert from "node:assert/strict";
import type { Split } from "../../datasets/prng.ts";
import type { SampleRequest, Task, TaskSample } from "../../tasks/task.ts";
import { createVariableTrackingTask, type VariableTrackingSample } from "../../tasks/variable_tracking.ts";
import { createCommonWordsTask, createFrequentWordsTask } from "../../tasks/words_tasks.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CASES = 40; // per task variant; gen_parity_words.py has 6 variants

async function runPython(): Promise<string | null> {
  try {
    const out = await new Deno.Command("python3", {
      args: [`${ROOT}training/gen_parity_words.py`, "--cases", String(CASES)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(`gen_parity_words.py failed: ${new TextDecoder().decode(out.stderr)}`);
    return new TextDecoder().decode(out.stdout);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

const text = await runPython();
if (text === null) console.log("generator parity (word tasks): python3 not found, test skipped");

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(d)].map((x) => x.toString(16).padStart(2, "0")).join("");
}

function promptBytes(sample: TaskSample): Uint8Array {
  const out = new Uint8Array(sample.lengthActual);
  let o = 0;
  for (const seg of sample.segments(4093)) out.set(seg, o), o += seg.length;
  return out;
}

const FACTORIES: Record<string, (options: Record<string, number>) => Task> = {
  variable_tracking: createVariableTrackingTask,
  common_words: createCommonWordsTask,
  frequent_words: createFrequentWordsTask,
};

Deno.test({
  name: "generator parity: Python port draws the variable tracking and word task samples byte for byte",
  ignore: text === null,
  fn: async () => {
    const lines = text!.trim().split("\n").map((l) => JSON.parse(l));
    const tasks = new Map<string, Task>();
    const count: Record<string, number> = {};
    const splits = new Set<Split>();
    let shortPrompts = 0, longest = 0;
    for (const o of lines) {
      const key = `${o.kind} ${JSON.stringify(o.options)}`;
      if (!tasks.has(key)) tasks.set(key, FACTORIES[o.kind](o.options));
      const task = tasks.get(key)!;
      assert.equal(task.minLength, o.min_length, `${key}: minimum length`);
      const req: SampleRequest = {
        length: o.length,
        depth: o.depth,
        seed: o.seed,
        sample: o.sample,
        split: o.split,
      };
      const where = `${key} ${JSON.stringify(req)}`;
      const s = task.generate(req);
      assert.equal(s.expected, o.expected, `${where}: expected`);
      if (o.kind === "variable_tracking") {
        const vt = s as VariableTrackingSample;
        assert.deepEqual(vt.needleDepths, o.needle_depths, `${where}: needle depths`);
        assert.deepEqual(vt.distractorDepths, o.distractor_depths, `${where}: distractor depths`);
      }
      const bytes = promptBytes(s);
      if (o.prompt !== undefined) {
        assert.equal(String.fromCharCode(...bytes), o.prompt, `${where}: prompt`);
        shortPrompts++;
      }
      assert.equal(await sha256(bytes), o.prompt_sha256, `${where}: prompt sha256`);
      count[o.kind] = (count[o.kind] ?? 0) + 1;
      splits.add(o.split);
      longest = Math.max(longest, o.length);
    }
    // The comparison really covered every task and variant, both splits, short prompts and long ones.
    assert.deepEqual(count, {
      variable_tracking: 2 * CASES,
      common_words: 2 * CASES,
      frequent_words: 2 * CASES,
    });
    assert.equal(tasks.size, 6);
    assert.equal(splits.size, 2);
    assert.ok(shortPrompts >= 30 && longest === 100000, `${shortPrompts} short prompts, longest ${longest}`);
  },
});
