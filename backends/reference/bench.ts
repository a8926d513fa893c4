/**
 * Benchmark program: prefill throughput of the shipped models on the reference backend (one core:
 * the TypeScript reference is single-threaded), f64 and f32, after a warm-up, median of repeats.
 * Each (model, precision) runs in its own process, so the JIT sees one array type, as in a sweep.
 *
 *   deno task bench:reference [--tokens 4096] [--segment 1024] [--repeats 3] [--model ramba-tiny,...]
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Precision } from "../backend.ts";
import { ReferenceBackend } from "./mod.ts";
import { Model } from "../../models/session.ts";
import { loadModel } from "../../models/weights.ts";
import { cpuName } from "../../runner/env.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    tokens: { type: "string", default: "4096" },
    segment: { type: "string", default: "1024" },
    repeats: { type: "string", default: "3" },
    model: { type: "string", default: "ramba-tiny" },
    dtype: { type: "string", default: "f64,f32" },
    child: { type: "boolean", default: false },
  },
});
const tokens = Number(values.tokens), segment = Number(values.segment), repeats = Number(values.repeats);
for (const [k, v] of [["--tokens", tokens], ["--segment", segment], ["--repeats", repeats]] as const) {
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${k} must be a positive integer, got ${v}`);
}

const ids = new Int32Array(tokens);
for (let i = 0; i < tokens; i++) ids[i] = 32 + ((i * 7919) % 95);

console.log(
  `reference backend prefill, ${tokens} tokens in ${segment}-token segments, ${cpuName()}, Deno ${Deno.version.deno}`,
);
console.log("model              dtype  tokens/s (median of " + repeats + ")  runs");
for (const name of values.model.split(",")) {
  // Speed does not depend on the weights' values: random weights when no checkpoint is shipped.
  const host = await loadModel(name).catch(() => loadModel(name, { randomWeights: true }));
  for (const precision of values.dtype.split(",") as Precision[]) {
    const model = new Model(new ReferenceBackend(precision), host);
    const prefill = () => {
      const s = model.session();
      const t0 = performance.now();
      for (let p = 0; p < tokens; p += segment) {
        model.backend.dispose(s.forward(ids.subarray(p, Math.min(tokens, p + segment))));
      }
      const ms = performance.now() - t0;
      s.dispose();
      return tokens / (ms / 1000);
    };
    prefill(); // warm-up: JIT and first allocations
    const runs = Array.from({ length: repeats }, prefill).sort((a, b) => a - b);
    const median = runs[Math.floor(runs.length / 2)];
    console.log(
      `${name.padEnd(18)} ${precision.padEnd(6)} ${median.toFixed(0).padStart(8)}              ${
        runs.map((r) => r.toFixed(0)).join(" ")
      }`,
    );
    model.dispose();
  }
}
