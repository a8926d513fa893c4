/**
 * Loading a model: `models/<name>/` (config.json + model.safetensors) or a path to such a folder,
 * checked against the schema; or deterministic random weights when asked for. Then upload to a backend.
 *
 * @module
 */
import type { Backend, Tensor } from "../backends/backend.ts";
import { checkTensors, parseSafetensors, toFloat64 } from "./safetensors.ts";
import { type ModelConfig, parameterCount, resolveConfig, type TensorSpec, tensorSpecs } from "./schema.ts";
import { createRng, seedFrom } from "../datasets/prng.ts";
import { tensorBytes } from "./blocks/util.ts";

/** Where shipped checkpoints live. */
export const MODELS_DIR = new URL("./", import.meta.url).pathname;

/** A model on the host: config, provenance and float64 weights. */
export interface HostModel {
  /** Name as given (`ramba-tiny`) or the path. */
  name: string;
  dir: string;
  config: ModelConfig;
  /** First 16 hex chars of sha256 over the canonical resolved config. */
  configHash: string;
  /** sha256 of model.safetensors, or `random:<seed>`. */
  weightsSha256: string;
  trained: boolean;
  parameters: number;
  /** name → (shape, values). */
  tensors: Map<string, { shape: number[]; data: Float64Array }>;
}

/** Options of {@link loadModel}. */
export interface LoadOptions {
  /** Use deterministic random weights instead of model.safetensors. */
  randomWeights?: boolean;
  /** Seed of the random weights. */
  weightSeed?: number;
}

/** The shipped model names (folders under models/ with a config.json). */
export function shippedModels(): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(MODELS_DIR)) {
    if (e.isDirectory && existsSync(`${MODELS_DIR}${e.name}/config.json`)) out.push(e.name);
  }
  return out.sort();
}

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Resolves a model name or folder path to its folder. */
export function modelDir(nameOrPath: string): string {
  if (nameOrPath.includes("/") || nameOrPath.startsWith(".")) return nameOrPath.replace(/\/+$/, "");
  const dir = `${MODELS_DIR}${nameOrPath}`;
  if (!existsSync(`${dir}/config.json`)) {
    throw new Error(
      `Unknown model "${nameOrPath}": shipped models are ${
        shippedModels().join(", ")
      } (or pass a folder path)`,
    );
  }
  return dir;
}

/** Reads and validates a model's config.json. */
export function readConfig(dir: string): ModelConfig {
  const path = `${dir}/config.json`;
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read model config (${(e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return resolveConfig(raw, path);
}

/** Loads a model's config and weights, checking every tensor's presence, shape and dtype. */
export async function loadModel(nameOrPath: string, opts: LoadOptions = {}): Promise<HostModel> {
  const dir = modelDir(nameOrPath);
  const config = readConfig(dir);
  const specs = tensorSpecs(config);
  const base = {
    name: nameOrPath,
    dir,
    config,
    configHash: await configHash(config),
    parameters: parameterCount(config),
  };
  if (opts.randomWeights) {
    const seed = opts.weightSeed ?? 0;
    return {
      ...base,
      weightsSha256: `random:${seed}`,
      trained: false,
      tensors: randomWeights(config, specs, seed),
    };
  }
  const path = `${dir}/model.safetensors`;
  if (!existsSync(path)) {
    throw new Error(
      `${path}: model "${nameOrPath}" has no weights (train it, see training/, or pass --random-weights for untrained random weights)`,
    );
  }
  const bytes = await Deno.readFile(path);
  const st = parseSafetensors(bytes, path);
  checkTensors(st, specs, path);
  const tensors = new Map<string, { shape: number[]; data: Float64Array }>();
  for (const s of specs) tensors.set(s.name, { shape: s.shape, data: toFloat64(st.tensors.get(s.name)!) });
  return { ...base, weightsSha256: await sha256Hex(bytes), trained: true, tensors };
}

/** sha256 of bytes as hex. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(d)].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/** Hash of the resolved config with sorted keys. */
export async function configHash(c: ModelConfig): Promise<string> {
  const canonical = JSON.stringify(
    Object.fromEntries(Object.entries(c).sort(([a], [b]) => a.localeCompare(b))),
  );
  return (await sha256Hex(new TextEncoder().encode(canonical))).slice(0, 16);
}

/**
 * Deterministic random weights following the reference init (spec §3.5): N(0, initializer_range) for
 * projections and embeddings, norms 1, A_log = log(1..n_h), D = 1, dt_bias = softplus⁻¹(dt0) with
 * dt0 log-uniform in [1e-3, 1e-1], conv weights and biases U(±1/sqrt(k_c)).
 */
export function randomWeights(
  c: ModelConfig,
  specs: TensorSpec[],
  seed: number,
): Map<string, { shape: number[]; data: Float64Array }> {
  const out = new Map<string, { shape: number[]; data: Float64Array }>();
  const std = c.initializer_range as number;
  for (const s of specs) {
    const rng = createRng(seedFrom(["weights", seed, s.name]));
    const n = s.shape.reduce((a, b) => a * b, 1);
    const data = new Float64Array(n);
    const leaf = s.name.slice(s.name.lastIndexOf(".") + 1);
    if (/norm(_f)?\.weight$|layernorm\.weight$/.test(s.name)) data.fill(1);
    else if (leaf === "A_log") { for (let i = 0; i < n; i++) data[i] = Math.log(i + 1); }
    else if (leaf === "D") data.fill(1);
    else if (leaf === "dt_bias") {
      for (let i = 0; i < n; i++) {
        const dt0 = Math.max(
          1e-4,
          Math.exp(Math.log(1e-3) + rng.nextFloat() * (Math.log(1e-1) - Math.log(1e-3))),
        );
        data[i] = dt0 + Math.log(-Math.expm1(-dt0)); // softplus⁻¹
      }
    } else if (s.name.includes("conv1d")) {
      const bound = 1 / Math.sqrt(c.conv_kernel as number);
      for (let i = 0; i < n; i++) data[i] = (2 * rng.nextFloat() - 1) * bound;
    } else {
      for (let i = 0; i < n; i += 2) {
        // Box–Muller: two normals from two uniforms.
        const u1 = 1 - rng.nextFloat(), u2 = rng.nextFloat();
        const r = Math.sqrt(-2 * Math.log(u1));
        data[i] = std * r * Math.cos(2 * Math.PI * u2);
        if (i + 1 < n) data[i + 1] = std * r * Math.sin(2 * Math.PI * u2);
      }
    }
    out.set(s.name, { shape: s.shape, data });
  }
  return out;
}

/** A model's weights uploaded to one backend. */
export class DeviceWeights {
  #t = new Map<string, Tensor>();
  #b: Backend;

  constructor(b: Backend, model: HostModel) {
    this.#b = b;
    for (const [name, { shape, data }] of model.tensors) {
      // [C, 1, K] conv weights are used as [C, K].
      const s = shape.length === 3 && shape[1] === 1 ? [shape[0], shape[2]] : shape;
      this.#t.set(name, b.upload(data, s));
    }
  }

  /** The tensor called `name`; a missing name is a programming error in the forward code. */
  get(name: string): Tensor {
    const t = this.#t.get(name);
    if (!t) throw new Error(`Weight "${name}" is not loaded`);
    return t;
  }

  /** Bytes of all weights on the device. */
  bytes(): number {
    let n = 0;
    for (const t of this.#t.values()) n += tensorBytes(t);
    return n;
  }

  dispose(): void {
    for (const t of this.#t.values()) this.#b.dispose(t);
    this.#t.clear();
  }
}
