/**
 * RunConfig: everything that defines a sweep, validated once at the edge (flags or a run file) and
 * passed down explicitly. Errors name the flag or field at fault.
 *
 * @module
 */
import type { Precision } from "../backends/backend.ts";
import type { Split } from "../datasets/prng.ts";
import { FILE_PREFIX, HAYSTACK_NAMES } from "../datasets/haystack.ts";

/** A resolved, validated sweep description (also the shape of a `--config` run file). */
export interface RunConfig {
  models: string[];
  /** Backend names, or ["auto"]: the first available of cuda, webgpu, onnx, reference. */
  backends: string[];
  tasks: string[];
  lengths: number[];
  depths: number[];
  seeds: number[];
  /** Samples per cell. */
  samples: number;
  /** Float precision; "auto" = each backend's default. */
  dtype: Precision | "auto";
  /** Tokens per prefill segment; 0 = each backend's preferred segment (BackendFactory.preferredSegment). */
  segment: number;
  /** Seconds a sample may take before it becomes a `timeout` row; 0 = no limit. */
  cellTimeout: number;
  randomWeights: boolean;
  split: Split;
  /**
   * Haystack of the tasks that have one: a source name (datasets/haystack.ts) or "file:PATH"; null = each
   * task's own.
   */
  haystack: string | null;
  /** Output folder; null = runs/<run-id>. */
  out: string | null;
  /** Commit to record where the checkout has no .git. */
  commit: string | null;
}

/** The embedded default suite of `deno task bench` with no flags. */
export const DEFAULT_CONFIG: RunConfig = {
  models: ["ramba-tiny", "transformer-tiny", "mamba2-tiny", "swa-hsa-tiny"],
  backends: ["auto"],
  tasks: ["passkey"],
  lengths: [1024, 2048],
  depths: [0.25, 0.75],
  seeds: [0],
  samples: 1,
  dtype: "auto",
  segment: 0,
  cellTimeout: 0,
  randomWeights: false,
  split: "eval",
  haystack: null,
  out: null,
  commit: null,
};

/** Parses a length with optional suffix k (×1024) or M (×2^20): "4k" → 4096. */
export function parseLength(s: string, what = "--lengths"): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s.trim());
  if (!m) throw new Error(`${what}: "${s}" is not a length (e.g. 4096, 4k, 1M)`);
  const mult = m[2] === "" ? 1 : m[2].toLowerCase() === "k" ? 1024 : 1 << 20;
  const v = Number(m[1]) * mult;
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new Error(`${what}: "${s}" is not a positive whole number of tokens`);
  }
  return v;
}

/** Formats a token count compactly: 4096 → "4k", 1048576 → "1M", 1000 → "1000". */
export function formatLength(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)}M`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024}k`;
  return String(n);
}

function list(s: string): string[] {
  return s.split(",").map((x) => x.trim()).filter((x) => x.length > 0);
}

function nonNegInt(v: unknown, what: string): number {
  const n = typeof v === "string" ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new Error(`${what}: ${JSON.stringify(v)} is not a non-negative integer`);
  }
  return n;
}

/** A --haystack value as a haystack name: a source name or "file:PATH" as is, any other text a file path. */
function haystackName(v: unknown): string {
  const s = String(v);
  if (s.trim() === "") throw new Error("--haystack: the value is empty; give a haystack name or a text file");
  return HAYSTACK_NAMES.includes(s) || s.startsWith(FILE_PREFIX) ? s : `${FILE_PREFIX}${s}`;
}

/** Flag values as strings (from parseArgs) or a run file's JSON fields. */
export type RawConfig = Record<string, unknown>;

/**
 * Validates raw values over a base config. String values are parsed as flags are (comma lists,
 * length suffixes); arrays and numbers are taken as in a run file.
 */
export function resolveRunConfig(raw: RawConfig, base: RunConfig = DEFAULT_CONFIG): RunConfig {
  const known = new Set(Object.keys(DEFAULT_CONFIG));
  for (const k of Object.keys(raw)) {
    if (!known.has(k)) throw new Error(`Unknown run setting "${k}"; known: ${[...known].join(", ")}`);
  }
  const strs = (k: string): string[] | undefined => {
    const v = raw[k];
    if (v === undefined) return undefined;
    if (typeof v === "string") return list(v);
    if (Array.isArray(v)) return v.map((x) => String(x));
    throw new Error(`${k}: expected a comma list or an array, got ${JSON.stringify(v)}`);
  };
  const c: RunConfig = { ...base };
  c.models = strs("models") ?? c.models;
  c.backends = strs("backends") ?? c.backends;
  c.tasks = strs("tasks") ?? c.tasks;
  const lengths = strs("lengths");
  if (lengths) c.lengths = lengths.map((s) => parseLength(s));
  const depths = strs("depths");
  if (depths) {
    c.depths = depths.map((s) => {
      const d = Number(s);
      if (!Number.isFinite(d) || d < 0 || d > 1) {
        throw new Error(`--depths: "${s}" is not a fraction in [0, 1]`);
      }
      return d;
    });
  }
  const seeds = strs("seeds");
  if (seeds) c.seeds = seeds.map((s) => nonNegInt(s, "--seeds"));
  if (raw.samples !== undefined) c.samples = nonNegInt(raw.samples, "--samples");
  if (c.samples < 1) throw new Error("--samples: must be at least 1");
  if (raw.segment !== undefined) {
    c.segment = raw.segment === "auto" || raw.segment === 0 ? 0 : nonNegInt(raw.segment, "--segment");
    if (c.segment < 1 && raw.segment !== "auto" && raw.segment !== 0) {
      throw new Error('--segment: must be at least 1 token (or "auto")');
    }
  }
  if (raw.cellTimeout !== undefined) {
    const t = Number(raw.cellTimeout);
    if (!Number.isFinite(t) || t < 0) {
      throw new Error(`--cell-timeout: ${JSON.stringify(raw.cellTimeout)} is not a number of seconds ≥ 0`);
    }
    c.cellTimeout = t;
  }
  if (raw.dtype !== undefined) {
    const d = String(raw.dtype);
    if (!["auto", "f64", "f32", "bf16"].includes(d)) {
      throw new Error(`--dtype: "${d}" is not one of auto, f64, f32, bf16`);
    }
    c.dtype = d as RunConfig["dtype"];
  }
  if (raw.split !== undefined) {
    if (raw.split !== "train" && raw.split !== "eval") {
      throw new Error(`--split: "${raw.split}" is not train or eval`);
    }
    c.split = raw.split;
  }
  if (raw.randomWeights !== undefined) {
    c.randomWeights = raw.randomWeights === true || raw.randomWeights === "true";
  }
  if (raw.haystack !== undefined) c.haystack = raw.haystack === null ? null : haystackName(raw.haystack);
  if (raw.out !== undefined) c.out = raw.out === null ? null : String(raw.out);
  if (raw.commit !== undefined) c.commit = raw.commit === null ? null : String(raw.commit);
  for (
    const [k, v] of [["--model", c.models], ["--backend", c.backends], ["--task", c.tasks], [
      "--lengths",
      c.lengths,
    ], [
      "--depths",
      c.depths,
    ], ["--seeds", c.seeds]] as const
  ) {
    if (v.length === 0) throw new Error(`${k}: the list is empty`);
  }
  return c;
}
