/**
 * The command line: flags (or a run file) → validated RunConfig → sweep → printers.
 *
 *   deno task bench [flags]        run a sweep (no flags: the embedded default suite)
 *   deno task report DIR           re-render DIR's results.csv, summary.md and index.html
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  DEFAULT_CONFIG,
  formatLength,
  type RawConfig,
  resolveRunConfig,
  type RunConfig,
} from "./runner/config.ts";
import { runSweep } from "./runner/sweep.ts";
import { listBackends } from "./backends/registry.ts";
import { shippedModels } from "./models/weights.ts";
import { dumpSamples, getTask, listTasks } from "./tasks/mod.ts";
import { renderReport } from "./reports/mod.ts";

const HELP = `Long-context benchmark harness: RAMba, Transformer, Mamba2 and SWA+HSA on pluggable backends.

Usage:
  deno task bench [flags]     run a sweep; with no flags, the embedded default suite
  deno task report DIR        re-render a run folder's report from results.jsonl and run.json

Sweep flags (comma lists; the sweep is their product):
  --model LIST         shipped model names or folder paths        [${DEFAULT_CONFIG.models.join(",")}]
  --backend LIST       ${"reference, cuda, webgpu, onnx, or auto".padEnd(42)} [auto]
  --task LIST          task names (see --list)                    [${DEFAULT_CONFIG.tasks.join(",")}]
  --lengths LIST       prompt tokens; suffix k = 1024, M = 2^20   [${
  DEFAULT_CONFIG.lengths.map(formatLength).join(",")
}]
  --depths LIST        needle depth fractions in [0, 1]           [${DEFAULT_CONFIG.depths.join(",")}]
  --seeds LIST         non-negative integers                      [${DEFAULT_CONFIG.seeds.join(",")}]
  --samples N          samples per cell                           [${DEFAULT_CONFIG.samples}]
  --dtype D            auto, f64, f32 or bf16                     [auto: each backend's default]
  --segment N          prefill segment tokens, or auto            [auto: reference 1024, cuda 65536]
  --cell-timeout S     seconds per sample before a timeout row    [0 = none]
  --random-weights     deterministic untrained weights (rows say trained: false)
  --split S            eval or train samples                      [eval]
  --haystack H         haystack of the tasks that have one: random-words, austen,
                       repeated-filler, or a text file's path     [each task's own]
  --dump N             write N samples of each cell as text files (prompt .txt, answer and
                       params .json) into --out DIR or runs/samples-<time>/, then exit
  --out DIR            write into DIR; an existing DIR resumes    [runs/<run-id>, linked as runs/latest]
  --config FILE        a run file (JSON) with the same fields; flags override it
  --commit SHA         commit to record where there is no .git
  --list               list backends (with availability), models and tasks
  --help               this text
`;

/** Flag name → RunConfig field. */
const FIELDS: Record<string, string> = {
  model: "models",
  backend: "backends",
  task: "tasks",
  lengths: "lengths",
  depths: "depths",
  seeds: "seeds",
  samples: "samples",
  dtype: "dtype",
  segment: "segment",
  "cell-timeout": "cellTimeout",
  split: "split",
  haystack: "haystack",
  out: "out",
  commit: "commit",
};

function hasWeights(model: string): boolean {
  try {
    Deno.statSync(new URL(`./models/${model}/model.safetensors`, import.meta.url));
    return true;
  } catch {
    return false;
  }
}

async function list(): Promise<void> {
  console.log("Backends:");
  for (const b of await listBackends()) {
    console.log(`  ${b.name.padEnd(10)} ${b.available ? "available  " : "unavailable"} ${b.reason}`);
  }
  console.log("Models:");
  for (const m of shippedModels()) {
    console.log(
      `  ${m.padEnd(18)} ${hasWeights(m) ? "trained weights" : "no weights yet (use --random-weights)"}`,
    );
  }
  console.log("Tasks:");
  for (const t of listTasks()) console.log(`  ${t.name.padEnd(18)} ${t.description}`);
}

/** --dump N: writes N samples of every cell of `cfg` as files, without running a model. */
async function dump(cfg: RunConfig, n: string): Promise<number> {
  const samples = Number(n);
  if (!Number.isSafeInteger(samples) || samples < 1) {
    throw new Error(`--dump: "${n}" is not a positive integer`);
  }
  const dir = cfg.out ?? `runs/samples-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  const tasks = cfg.tasks.map((t) => getTask(t, cfg.haystack ?? undefined));
  const written = await dumpSamples({ ...cfg, tasks, samples, dir });
  console.log(`Wrote ${written} samples (prompt .txt, answer and params .json) to ${dir}/`);
  return 0;
}

/** Runs the CLI; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  if (args[0] === "report") {
    if (args.length !== 2) {
      console.error("Usage: deno task report DIR");
      return 2;
    }
    await renderReport(args[1]);
    console.log(`Wrote ${args[1]}/results.csv, summary.md, index.html`);
    return 0;
  }
  const text = { type: "string" } as const;
  const flag = { type: "boolean" } as const;
  const { values, positionals } = parseArgs({
    args,
    options: {
      model: text,
      backend: text,
      task: text,
      lengths: text,
      depths: text,
      seeds: text,
      samples: text,
      dtype: text,
      segment: text,
      "cell-timeout": text,
      split: text,
      haystack: text,
      dump: text,
      out: text,
      commit: text,
      config: text,
      "random-weights": flag,
      list: flag,
      help: flag,
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length > 0) throw new Error(`Unexpected argument "${positionals[0]}" (see --help)`);
  if (values.list) {
    await list();
    return 0;
  }
  let raw: RawConfig = {};
  if (values.config) {
    const path = values.config;
    try {
      raw = JSON.parse(await Deno.readTextFile(path));
    } catch (e) {
      throw new Error(`--config ${path}: ${(e as Error).message}`);
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new Error(`--config ${path}: not a JSON object`);
    }
  }
  for (const [flag, field] of Object.entries(FIELDS)) {
    const v = (values as Record<string, unknown>)[flag];
    if (v !== undefined) raw[field] = v;
  }
  if (values["random-weights"]) raw.randomWeights = true;
  if (raw.models === undefined && !raw.randomWeights && values.dump === undefined) {
    // The default suite's shipped models run even before they have checkpoints, loudly.
    const untrained = DEFAULT_CONFIG.models.filter((m) => !hasWeights(m));
    if (untrained.length > 0) {
      console.log(
        `!! The default suite runs RANDOM, UNTRAINED weights: no trained checkpoint is shipped yet for ${
          untrained.join(", ")
        }.`,
      );
      raw.randomWeights = true;
    }
  }
  const cfg = resolveRunConfig(raw);
  if (values.dump !== undefined) return await dump(cfg, values.dump);
  const summary = await runSweep(cfg);
  const counts = Object.entries(summary.byStatus).map(([s, n]) => `${n} ${s}`).join(", ") || "nothing new";
  console.log(
    `Done: ${counts}. Results in ${summary.dir}/ (index.html, summary.md, results.csv, results.jsonl, run.json)`,
  );
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
