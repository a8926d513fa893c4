/**
 * Writes task samples to files for reading by eye (`deno task bench --dump N`): each prompt as a text
 * file of its exact bytes, beside a JSON file with the expected answer and the sample's parameters.
 *
 * @module
 */

import type { Split } from "../datasets/prng.ts";
import type { Task } from "./task.ts";

/** What {@link dumpSamples} writes: the product of tasks, lengths, depths and seeds, `samples` each. */
export interface DumpRequest {
  tasks: readonly Task[];
  lengths: readonly number[];
  depths: readonly number[];
  seeds: readonly number[];
  /** Samples per (task, length, depth, seed): indices 0 … samples − 1. */
  samples: number;
  split: Split;
  /** Folder to write into (created when missing). */
  dir: string;
}

/**
 * Writes `<task>_L<length>_d<depth>_s<seed>_n<sample>.txt` (the prompt, streamed, so any length fits) and a
 * `.json` beside it (task, params, request, expected answer, needle depths) for every sample of `req`.
 * Returns the number of samples written.
 *
 * @example
 * ```ts
 * import { dumpSamples } from "./dump.ts";
 * import { getTask } from "./registry.ts";
 * await dumpSamples({ tasks: [getTask("niah_single")], lengths: [2048], depths: [0.5], seeds: [0],
 *   samples: 2, split: "eval", dir: "runs/samples" });
 * ```
 */
export async function dumpSamples(req: DumpRequest): Promise<number> {
  await Deno.mkdir(req.dir, { recursive: true });
  let written = 0;
  for (const task of req.tasks) {
    for (const length of req.lengths) {
      for (const depth of req.depths) {
        for (const seed of req.seeds) {
          for (let sample = 0; sample < req.samples; sample++) {
            const s = task.generate({ length, depth, seed, sample, split: req.split });
            const base = `${req.dir}/${task.name}_L${length}_d${depth}_s${seed}_n${sample}`;
            using file = await Deno.open(`${base}.txt`, { write: true, create: true, truncate: true });
            for (const seg of s.segments(1 << 20)) {
              for (let o = 0; o < seg.length;) o += await file.write(seg.subarray(o));
            }
            const info = {
              task: s.task,
              task_params: s.taskParams,
              generator_version: s.generatorVersion,
              length: s.lengthActual,
              depth: s.depth,
              depth_actual: s.depthActual,
              needle_depths: s.needleDepths ?? null,
              seed: s.seed,
              sample: s.sample,
              expected: s.expected,
              stop: String.fromCharCode(s.stopByte),
            };
            await Deno.writeTextFile(`${base}.json`, JSON.stringify(info, null, 2) + "\n");
            written++;
          }
        }
      }
    }
  }
  return written;
}
