/**
 * Helpers shared by the task tests: a request with the usual defaults, and a sample's whole prompt read
 * through its segment stream (checking the stream's contract on the way).
 *
 * @module
 */
import { ok, strictEqual } from "node:assert/strict";
import type { Split } from "../datasets/prng.ts";
import type { SampleRequest, TaskSample } from "./task.ts";

/** A sample request: depth 0.5, seed 0, sample 0, the eval split unless given. */
export function req(length: number, depth = 0.5, seed = 0, sample = 0, split: Split = "eval"): SampleRequest {
  return { length, depth, seed, sample, split };
}

/**
 * The prompt's bytes, streamed `segmentTokens` at a time; asserts that only the last segment is short and that
 * the total is `lengthActual`.
 */
export function promptBytes(sample: TaskSample, segmentTokens = 4096): Uint8Array {
  const out = new Uint8Array(sample.lengthActual);
  let n = 0;
  for (const seg of sample.segments(segmentTokens)) {
    ok(
      seg.length === segmentTokens || n + seg.length === sample.lengthActual,
      "only the last segment is short",
    );
    out.set(seg, n);
    n += seg.length;
  }
  strictEqual(n, sample.lengthActual);
  return out;
}

/** The prompt as text, one character per byte (prompts are ASCII). */
export function promptText(sample: TaskSample, segmentTokens = 4096): string {
  return new TextDecoder("latin1").decode(promptBytes(sample, segmentTokens));
}
