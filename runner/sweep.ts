/**
 * The sweep: plans every cell (model × backend × task × length × depth × seed) and its samples, prints
 * the plan, runs what results.jsonl does not hold yet, appends one row per sample, and renders the
 * report. A failing sample is a row with a status, never the end of the sweep.
 *
 * @module
 */
import { type Backend, type BackendFactory, OutOfMemoryError, type Precision } from "../backends/backend.ts";
import { autoBackend, listBackends, opSupportTable, resolveBackend } from "../backends/registry.ts";
import { Model, requiredOps } from "../models/session.ts";
import { scoreTargets } from "../models/score.ts";
import { type HostModel, loadModel } from "../models/weights.ts";
import { getTask, type Task, type TaskSample } from "../tasks/mod.ts";
import { commitInfo, environment, HostPeak } from "./env.ts";
import { runSample, TimeoutError, UnsupportedError } from "./execute.ts";
import { formatLength, type RunConfig } from "./config.ts";
import { type ResultRow, type RunInfo, SCHEMA_VERSION, type Status } from "./result.ts";
import { ResultStore } from "./store.ts";
import { renderReport } from "../reports/mod.ts";

/** Where output lines go (tests capture them). */
export type Log = (line: string) => void;

/** One planned row. */
interface PlannedRow {
  model: string;
  backend: string;
  task: string;
  length: number;
  depth: number;
  seed: number;
  sample: number;
}

/** A resolved backend choice. */
interface BackendChoice {
  factory: BackendFactory;
  precision: Precision;
  why: string;
  /** Prefill segment tokens: the run's --segment, or the backend's preferred one. */
  segment: number;
}

/** The sweep's result: where it wrote, and counts by status. */
export interface SweepSummary {
  dir: string;
  written: number;
  skippedExisting: number;
  byStatus: Record<string, number>;
}

/** A short stable hash (hex) of a string. */
async function shortHash(s: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  return [...d.subarray(0, 8)].map((x) => x.toString(16).padStart(2, "0")).join("");
}

function runId(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z").replace("T", "-");
}

async function chooseBackends(cfg: RunConfig, log: Log): Promise<Map<string, BackendChoice>> {
  const out = new Map<string, BackendChoice>();
  for (const name of cfg.backends) {
    const { factory, why } = name === "auto"
      ? await autoBackend()
      : { factory: await resolveBackend(name), why: "requested" };
    const precision = cfg.dtype === "auto" ? factory.precisions[0] : cfg.dtype;
    if (!factory.precisions.includes(precision)) {
      throw new Error(
        `--dtype ${precision}: backend ${factory.name} offers ${factory.precisions.join(", ")}`,
      );
    }
    if (name === "auto") log(`backend auto: ${why}`);
    out.set(name, { factory, precision, why, segment: cfg.segment || factory.preferredSegment });
  }
  return out;
}

/** Runs the sweep described by `cfg`. */
export async function runSweep(cfg: RunConfig, log: Log = console.log): Promise<SweepSummary> {
  // 1. Resolve everything that can fail before any work: backends, tasks, models' configs and weights.
  const backends = await chooseBackends(cfg, log);
  const tasks = new Map<string, Task>(cfg.tasks.map((t) => [t, getTask(t, cfg.haystack ?? undefined)]));
  const hosts = new Map<string, HostModel>();
  for (const m of cfg.models) hosts.set(m, await loadModel(m, { randomWeights: cfg.randomWeights }));
  if (cfg.randomWeights) {
    log(
      "!! --random-weights: every model runs UNTRAINED random weights; accuracy is meaningless (rows say trained: false)",
    );
  }
  for (const t of tasks.values()) {
    for (const L of cfg.lengths) {
      if (L < t.minLength) {
        throw new Error(`--lengths: ${L} is shorter than task ${t.name} allows (${t.minLength})`);
      }
      const max = t.maxLength?.(cfg.split);
      if (max !== undefined && L > max) {
        throw new Error(
          `--lengths: ${L} is longer than task ${t.name} can build from the ${cfg.split} split (${max} at most)`,
        );
      }
    }
  }

  // 2. The output folder: new, or an existing one to resume.
  const now = new Date();
  const id = runId(now);
  const dir = cfg.out ?? `runs/${id}`;
  await Deno.mkdir(dir, { recursive: true });
  if (cfg.out === null) await pointLatest(id);
  const { store, dropped } = await ResultStore.open(`${dir}/results.jsonl`);
  if (dropped) log(`resume: dropped a torn last line of ${store.path}`);
  await writeRunInfo(dir, id, now, cfg, backends, tasks);

  // 3. The plan.
  const plan: PlannedRow[] = [];
  for (const model of cfg.models) {
    for (const backend of cfg.backends) {
      for (const task of cfg.tasks) {
        for (const length of cfg.lengths) {
          for (const depth of cfg.depths) {
            for (const seed of cfg.seeds) {
              for (let sample = 0; sample < cfg.samples; sample++) {
                plan.push({ model, backend, task, length, depth, seed, sample });
              }
            }
          }
        }
      }
    }
  }
  const cells = plan.length / cfg.samples;
  log(
    `plan: ${cells} cells × ${cfg.samples} samples = ${plan.length} rows; models ${cfg.models.join(",")}; ` +
      `backends ${[...backends.values()].map((b) => `${b.factory.name}/${b.precision}`).join(",")}; tasks ${
        cfg.tasks.join(",")
      }; ` +
      `lengths ${cfg.lengths.map(formatLength).join(",")}; depths ${cfg.depths.join(",")}; seeds ${
        cfg.seeds.join(",")
      }; ` +
      `segment ${
        [...backends.values()].map((b) => `${b.factory.name} ${b.segment}`).join(", ")
      }; into ${dir}`,
  );

  // 4. Run, one model × backend at a time (weights uploaded once).
  const summary: SweepSummary = { dir, written: 0, skippedExisting: 0, byStatus: {} };
  const started = performance.now();
  const groups = new Map<string, PlannedRow[]>();
  for (const p of plan) {
    const g = `${p.model}\u0000${p.backend}`;
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push(p);
  }
  let index = 0;
  for (const rows of groups.values()) {
    const choice = backends.get(rows[0].backend)!;
    const host = hosts.get(rows[0].model)!;
    let backend: Backend | null = null;
    let model: Model | null = null;
    let setupError: string | null = null;
    let unsupported: string | null = null;
    const failedCells = new Map<string, string>();
    for (const p of rows) {
      index++;
      const sampleTask = tasks.get(p.task)!.generate({
        length: p.length,
        depth: p.depth,
        seed: p.seed,
        sample: p.sample,
        split: cfg.split,
      });
      const keys = await rowKeys(host, choice, cfg, sampleTask);
      if (store.keys.has(keys.key)) {
        summary.skippedExisting++;
        continue;
      }
      if (!model && !setupError && !unsupported) {
        try {
          backend = await choice.factory.create(choice.precision);
          const missing = requiredOps(host.config).filter((op) => !backend!.supports(op));
          if (missing.length > 0) {
            unsupported = `Backend ${backend.name} does not implement ${
              missing.join(", ")
            } (needed by ${host.config.architecture})`;
          } else {
            model = new Model(backend, host);
            warmUp(model);
          }
        } catch (e) {
          setupError = (e as Error).message;
        }
      }
      const cellId = keys.cell_key;
      const base = baseRow(host, choice, backend, sampleTask, keys);
      let row: ResultRow;
      if (setupError) row = { ...base, status: "error", message: `Backend setup failed: ${setupError}` };
      else if (unsupported) row = { ...base, status: "unsupported", message: unsupported };
      else if (failedCells.has(cellId)) {
        row = { ...base, status: "skipped", message: failedCells.get(cellId)! };
      } else {
        const label = `[${index}/${plan.length}] ${p.model} ${p.task} L=${formatLength(p.length)}`;
        row = await measure(
          model!,
          backend!,
          base,
          sampleTask,
          cfg,
          (done) => progress(label, done, p.length, started, log),
        );
      }
      if (row.status === "timeout" || row.status === "oom") {
        failedCells.set(cellId, `Skipped: an earlier sample of this cell ended with ${row.status}`);
      }
      store.append(row);
      summary.written++;
      summary.byStatus[row.status] = (summary.byStatus[row.status] ?? 0) + 1;
      log(
        `[${index}/${plan.length}] ${p.model} ${choice.factory.name}/${choice.precision} ${p.task} ` +
          `L=${formatLength(p.length)} depth=${p.depth} seed=${p.seed} #${p.sample}: ${outcomeText(row)}` +
          ` [${elapsed(started)}]`,
      );
    }
    model?.dispose();
    backend?.close();
  }
  store.close();
  if (summary.skippedExisting > 0) {
    log(`resume: ${summary.skippedExisting} rows were already in ${store.path}`);
  }

  // 5. Printers.
  await renderReport(dir);
  return summary;
}

/** A row's status with what it measured (ok) or why it failed, for the log. */
function outcomeText(row: ResultRow): string {
  if (row.status !== "ok") return `${row.status} ${row.message}`;
  const speed = `${Math.round(row.prefill_tokens_per_s ?? 0)} tok/s`;
  if (row.bpb !== undefined && row.bpb !== null) return `ok ${row.bpb.toFixed(3)} bits/byte ${speed}`;
  const out = `(out ${JSON.stringify(row.output)}, want ${JSON.stringify(row.expected)})`;
  return `ok ${row.correct ? "correct" : "wrong"} ${out} ${speed}`;
}

let lastProgress = 0;

/**
 * A progress line during prefill: rewritten in place on a terminal; elsewhere (CI logs) printed at
 * most every 30 seconds.
 */
function progress(label: string, done: number, total: number, started: number, log: Log): void {
  const line = `  ${label} prefill ${done}/${total} tokens, ${elapsed(started)}`;
  if (Deno.stdout.isTerminal()) {
    Deno.stdout.writeSync(new TextEncoder().encode(`\r${line.padEnd(100)}\r`));
  } else if (performance.now() - lastProgress > 30_000 && done < total) {
    lastProgress = performance.now();
    log(line);
  }
}

/** Points runs/latest at runs/<id> (a relative symlink, replaced if present). */
async function pointLatest(id: string): Promise<void> {
  try {
    await Deno.remove("runs/latest");
  } catch { /* none yet */ }
  await Deno.symlink(id, "runs/latest");
}

function elapsed(t0: number): string {
  const s = (performance.now() - t0) / 1000;
  return s < 60
    ? `${s.toFixed(1)}s`
    : `${Math.floor(s / 60)}m${Math.round(s % 60).toString().padStart(2, "0")}s`;
}

/**
 * One short forward, a step and a likelihood scoring, so JIT compilation and first allocations are not
 * timed in the first cell.
 */
function warmUp(model: Model): void {
  const s = model.session();
  const ids = new Int32Array(Math.min(256, 4 * (model.host.config.chunk_size as number | undefined ?? 64)));
  for (let i = 0; i < ids.length; i++) ids[i] = 32 + (i * 7) % 90;
  model.backend.dispose(s.forward(ids));
  model.backend.dispose(s.step(65));
  if (model.backend.supports("targetLogProbs")) model.backend.dispose(scoreTargets(s, ids, ids.subarray(1)));
  s.dispose();
}

interface RowKeys {
  key: string;
  cell_key: string;
  sample_key: string;
}

async function rowKeys(
  host: HostModel,
  choice: BackendChoice,
  cfg: RunConfig,
  s: TaskSample,
): Promise<RowKeys> {
  const cell_key = [
    `${host.name}@${host.configHash}`,
    `w=${host.weightsSha256.slice(0, 16)}`,
    choice.factory.name,
    choice.precision,
    `seg=${choice.segment}`,
    s.task,
    `L=${s.lengthRequested}`,
    `depth=${s.depth}`,
    `seed=${s.seed}`,
    `split=${cfg.split}`,
  ].join("|");
  const sample_key = [
    s.task,
    JSON.stringify(s.taskParams),
    `L=${s.lengthRequested}`,
    `depth=${s.depth}`,
    `seed=${s.seed}`,
    `sample=${s.sample}`,
    `split=${cfg.split}`,
    `gen=${s.generatorVersion}`,
  ].join("|");
  return { key: await shortHash(`${cell_key}\n${sample_key}`), cell_key, sample_key };
}

function baseRow(
  host: HostModel,
  choice: BackendChoice,
  backend: Backend | null,
  s: TaskSample,
  keys: RowKeys,
): ResultRow {
  return {
    schema_version: SCHEMA_VERSION,
    ...keys,
    status: "ok",
    message: "",
    model: host.name,
    architecture: host.config.architecture,
    model_parameters: host.parameters,
    config_hash: host.configHash,
    weights_sha256: host.weightsSha256,
    trained: host.trained,
    backend: choice.factory.name,
    device: backend?.device() ?? "",
    dtype: choice.precision,
    segment_tokens: choice.segment,
    task: s.task,
    task_params: s.taskParams,
    generator_version: s.generatorVersion,
    length_requested: s.lengthRequested,
    length_actual: s.lengthActual,
    depth: s.depth,
    depth_actual: s.depthActual,
    needle_depths: s.needleDepths ?? null,
    seed: s.seed,
    sample: s.sample,
    expected: s.expected,
    output: null,
    correct: null,
    correct_teacher_forced: null,
    answer_token_accuracy: null,
    answer_logits: null,
    bpb: null,
    bpb_buckets: null,
    prefill_ms: null,
    prefill_tokens_per_s: null,
    decode_ms_per_token: null,
    timing_method: backend?.timingMethod ?? "",
    peak_device_bytes: null,
    peak_device_reported_bytes: null,
    peak_host_bytes: null,
    peak_host_method: "",
    session_bytes: null,
    started_at: new Date().toISOString(),
    wall_ms: null,
  };
}

async function measure(
  model: Model,
  backend: Backend,
  base: ResultRow,
  s: TaskSample,
  cfg: RunConfig,
  onProgress: (done: number) => void,
): Promise<ResultRow> {
  const t0 = performance.now();
  backend.resetPeak();
  const hostPeak = new HostPeak();
  const deadline = cfg.cellTimeout > 0 ? t0 + cfg.cellTimeout * 1000 : Infinity;
  const row: ResultRow = { ...base, peak_host_method: hostPeak.method };
  const mark = backend.mark();
  try {
    const r = await runSample(model, s, {
      segmentTokens: base.segment_tokens,
      deadline,
      hostPeak,
      onProgress,
    });
    Object.assign(row, {
      output: r.outputBytes === null ? null : new TextDecoder().decode(r.outputBytes),
      correct: r.correct,
      score: r.score,
      correct_teacher_forced: r.correctTeacherForced,
      answer_token_accuracy: r.answerTokenAccuracy,
      answer_logits: r.answerLogits,
      bpb: r.bpb,
      bpb_buckets: r.bpbBuckets,
      prefill_ms: r.prefillMs,
      prefill_tokens_per_s: s.lengthActual / (r.prefillMs / 1000),
      decode_ms_per_token: r.decodeMsPerToken,
      session_bytes: r.sessionBytes,
    });
  } catch (e) {
    const [status, message] = classify(e);
    row.status = status;
    row.message = message;
  }
  // A forward that failed midway (out of memory, timeout) leaves its intermediates alive: free them, so
  // the next cell starts from the memory this one started from. The peak is read before, so it stays.
  const mem = backend.memory();
  backend.releaseSince(mark);
  row.peak_device_bytes = mem.peakBytes;
  row.peak_device_reported_bytes = mem.deviceUsedBytes;
  row.peak_host_bytes = hostPeak.peak();
  row.wall_ms = performance.now() - t0;
  return row;
}

function classify(e: unknown): [Status, string] {
  if (e instanceof TimeoutError) return ["timeout", e.message];
  if (e instanceof UnsupportedError) return ["unsupported", e.message];
  if (e instanceof OutOfMemoryError) return ["oom", e.message];
  if (e instanceof RangeError && /allocation|Array buffer|Invalid typed array length/i.test(e.message)) {
    return ["oom", `Host allocation failed: ${e.message}`];
  }
  const err = e as Error;
  return ["error", `${err.name}: ${err.message}`];
}

async function writeRunInfo(
  dir: string,
  id: string,
  now: Date,
  cfg: RunConfig,
  backends: Map<string, BackendChoice>,
  tasks: ReadonlyMap<string, Task>,
): Promise<void> {
  const devices: string[] = [];
  for (const c of backends.values()) {
    try {
      const b = await c.factory.create(c.precision);
      devices.push(`${c.factory.name}: ${b.device()}`);
      b.close();
    } catch (e) {
      devices.push(`${c.factory.name}: ${(e as Error).message}`);
    }
  }
  const path = `${dir}/run.json`;
  let previous: RunInfo | null = null;
  try {
    previous = JSON.parse(await Deno.readTextFile(path));
  } catch { /* new run */ }
  const info: RunInfo = {
    schema_version: SCHEMA_VERSION,
    run_id: previous?.run_id ?? id,
    created_at: previous?.created_at ?? now.toISOString(),
    config: {
      ...cfg,
      backends_resolved: Object.fromEntries(
        [...backends].map(([k, v]) => [k, `${v.factory.name}/${v.precision}`]),
      ),
    },
    environment: environment(devices),
    op_support: opSupportTable(),
    backends: Object.fromEntries(
      (await listBackends()).map((s) => [s.name, { available: s.available, reason: s.reason }]),
    ),
    commit: await commitInfo(cfg.commit),
    tasks: Object.fromEntries(
      [...tasks].map(([name, t]) => [name, { description: t.description, chance: t.chance ?? null }]),
    ),
  };
  await Deno.writeTextFile(path, JSON.stringify(info, null, 2) + "\n");
}
