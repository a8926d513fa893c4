/**
 * A model session on one backend: all state carried across segments (Mamba conv/SSM states, KV caches,
 * the HSA chunk memory), `forward` over a segment and `step` for one token, written once for the four
 * architectures as a walk over the schema's module list.
 *
 * @module
 */
import type { Backend, OpName, Tensor } from "../backends/backend.ts";
import {
  type Dims,
  dims,
  type ModelConfig,
  type ModuleEntry,
  type ModuleKind,
  moduleList,
} from "./schema.ts";
import { DeviceWeights, type HostModel } from "./weights.ts";
import { mambaBlock, type MambaState, mambaState } from "./blocks/mamba2_block.ts";
import { decoderBlock, type KvCache, kvCache } from "./blocks/decoder_block.ts";
import {
  chunkingLayer,
  type ChunkMemory,
  chunkMemory,
  hsaLayer,
  hsaMlpLayer,
  retrievalLayer,
  type Selection,
} from "./blocks/hsa_block.ts";
import { free, type ModelCtx, takeRows, tensorBytes } from "./blocks/util.ts";

/** Receives copies of internal tensors (tests, golden vectors); the receiver disposes them. */
export type Trace = (name: string, t: Tensor) => void;

/** Options of {@link Session.forward}. */
export interface ForwardOptions {
  /** Logits of every position (`[T, V]`) or only the last (`[1, V]`, the default). */
  allLogits?: boolean;
  /** Receives `group<g>.indices` and `group<g>.weights` per retrieval group and `hidden.<i>` per module. */
  trace?: Trace;
}

/** Saved small state to roll a session back a few tokens (see {@link Session.checkpoint}). */
export interface Checkpoint {
  pos: number;
  mamba: Map<string, MambaState>;
  pendingCount: number;
  pending: Tensor | null;
  keys: number;
  landmarks: number;
  /** Copies of the sliding-window rings (their rows are overwritten as decoding goes on). */
  rings: Map<string, { k: Tensor; v: Tensor }>;
}

/** Ops each module kind calls (besides embedding, rmsNorm, linear, add, copyRows, used by all). */
const MODULE_OPS: Record<ModuleKind, OpName[]> = {
  mamba: ["sliceCols", "causalConv1d", "ssdScan", "ssmStep", "gatedRmsNorm"],
  decoder: ["rope", "attention", "cacheWrite", "silu", "mul"],
  chunking: ["chunkEncode"],
  retrieval: ["hsaSelect", "chunkWeights"],
  hsa: ["hsaAttention"],
  hsa_mlp: ["hsaAttention", "silu", "mul"],
};

/** Every op a config's forward and step call: a backend lacking one records `unsupported`. */
export function requiredOps(c: ModelConfig): OpName[] {
  const ops = new Set<OpName>(["embedding", "rmsNorm", "linear", "add", "copyRows"]);
  for (const m of moduleList(c)) for (const op of MODULE_OPS[m.kind]) ops.add(op);
  return [...ops];
}

/** A model with weights on a backend; opens sessions. */
export class Model {
  readonly host: HostModel;
  readonly backend: Backend;
  readonly weights: DeviceWeights;
  readonly dims: Dims;
  readonly modules: ModuleEntry[];
  /** What the blocks take. */
  readonly ctx: ModelCtx;

  constructor(backend: Backend, host: HostModel) {
    this.host = host;
    this.backend = backend;
    this.weights = new DeviceWeights(backend, host);
    this.dims = dims(host.config);
    this.modules = moduleList(host.config);
    this.ctx = { b: backend, w: this.weights, c: host.config, k: this.dims };
  }

  /** A fresh session (position 0, empty state). */
  session(): Session {
    return new Session(this);
  }

  dispose(): void {
    this.weights.dispose();
  }
}

/** One sequence's state and the forward passes over it. */
export class Session {
  readonly model: Model;
  /** Tokens processed so far. */
  pos = 0;
  #mamba = new Map<string, MambaState>();
  #kv = new Map<string, KvCache>();
  #mem: ChunkMemory | null = null;

  constructor(model: Model) {
    this.model = model;
    const b = model.backend, c = model.host.config;
    for (const m of model.modules) {
      if (m.kind === "mamba") this.#mamba.set(m.prefix, mambaState(b, c, model.dims));
      if (m.kind === "decoder") {
        const window = c.architecture === "swa_hsa" ? (c.sliding_window as number) : 0;
        this.#kv.set(m.prefix, kvCache(b, c, window));
      }
      if (m.kind === "chunking") this.#mem = chunkMemory(b, c, model.dims);
    }
  }

  /**
   * Runs a segment of token ids through the model, continuing the state, and returns fp logits
   * `[1, V]` for the last position (or `[T, V]` with `allLogits`). The caller disposes the result.
   */
  forward(ids: Int32Array, opts: ForwardOptions = {}): Tensor {
    if (ids.length === 0) throw new Error("Session.forward: empty segment");
    const ctx = this.model.ctx;
    const { b, w, c } = ctx;
    const o = b.ops;
    const hf = c.architecture === "ramba" || c.architecture === "mamba2";
    // 1. Embed.
    let x = o.embedding(w.get(hf ? "backbone.embeddings.weight" : "model.embed_tokens.weight"), ids);
    // 2. Walk the module list; retrieval layers hand their selection to the HSA layers of the group.
    let sel: Selection | null = null;
    this.model.modules.forEach((m, i) => {
      let y: Tensor | null = null;
      switch (m.kind) {
        case "mamba":
          y = mambaBlock(ctx, m.prefix, x, this.#mamba.get(m.prefix)!);
          break;
        case "decoder":
          y = decoderBlock(ctx, m.prefix, x, this.#kv.get(m.prefix)!, this.pos);
          break;
        case "chunking":
          chunkingLayer(ctx, m.prefix, x, this.#mem!);
          break;
        case "retrieval":
          if (sel) free(b, sel.indices, sel.weights);
          sel = retrievalLayer(ctx, m.prefix, x, this.#mem!, this.pos);
          if (opts.trace) {
            opts.trace(`group${m.group}.indices`, takeRows(b, sel.indices, 0, ids.length));
            opts.trace(`group${m.group}.weights`, takeRows(b, sel.weights, 0, ids.length));
          }
          break;
        case "hsa":
          y = hsaLayer(ctx, m.prefix, x, this.#mem!, sel!);
          break;
        case "hsa_mlp":
          y = hsaMlpLayer(ctx, m.prefix, x, this.#mem!, sel!);
          break;
      }
      if (y) {
        free(b, x);
        x = y;
      }
      opts.trace?.(`hidden.${i}`, takeRows(b, x, 0, ids.length));
    });
    if (sel) free(b, (sel as Selection).indices, (sel as Selection).weights);
    // 3. Final norm and the tied LM head, on the rows asked for.
    const rows = opts.allLogits ? x : takeRows(b, x, ids.length - 1, 1);
    const h = o.rmsNorm(rows, w.get(hf ? "backbone.norm_f.weight" : "model.norm.weight"), normEps(c));
    const logits = o.linear(h, w.get(hf ? "backbone.embeddings.weight" : "model.embed_tokens.weight"));
    free(b, h, x);
    if (rows !== x) free(b, rows);
    this.pos += ids.length;
    return logits;
  }

  /** One decode step: the logits `[1, V]` after token `id`. */
  step(id: number): Tensor {
    return this.forward(Int32Array.of(id));
  }

  /**
   * Saves what a rollback needs: the small per-layer states and the sliding-window KV rings are copied,
   * the append-only stores (full KV caches, chunk memory) only remember their length. A restore may roll
   * back any number of tokens.
   */
  checkpoint(): Checkpoint {
    const b = this.model.backend;
    const mamba = new Map<string, MambaState>();
    for (const [p, s] of this.#mamba) {
      mamba.set(p, {
        conv: takeRows(b, s.conv, 0, s.conv.shape[0]),
        ssm: takeRows(b, s.ssm, 0, s.ssm.shape[0]),
      });
    }
    const rings = new Map<string, { k: Tensor; v: Tensor }>();
    for (const [p, kv] of this.#kv) {
      if (kv.window > 0) {
        rings.set(p, { k: takeRows(b, kv.k, 0, kv.k.shape[0]), v: takeRows(b, kv.v, 0, kv.v.shape[0]) });
      }
    }
    const mem = this.#mem;
    return {
      pos: this.pos,
      mamba,
      rings,
      pendingCount: mem?.pendingCount ?? 0,
      pending: mem ? takeRows(b, mem.pending, 0, mem.pending.shape[0]) : null,
      keys: mem?.keys.length ?? 0,
      landmarks: mem?.landmarks.length ?? 0,
    };
  }

  /** Returns to a checkpoint taken on this session (the checkpoint stays valid). */
  restore(cp: Checkpoint): void {
    const b = this.model.backend;
    for (const [p, r] of cp.rings) {
      const kv = this.#kv.get(p)!;
      b.ops.copyRows(kv.k, 0, r.k, 0, r.k.shape[0]);
      b.ops.copyRows(kv.v, 0, r.v, 0, r.v.shape[0]);
    }
    for (const [p, s] of cp.mamba) {
      const cur = this.#mamba.get(p)!;
      b.ops.copyRows(cur.conv, 0, s.conv, 0, s.conv.shape[0]);
      b.ops.copyRows(cur.ssm, 0, s.ssm, 0, s.ssm.shape[0]);
    }
    if (this.#mem && cp.pending) {
      b.ops.copyRows(this.#mem.pending, 0, cp.pending, 0, cp.pending.shape[0]);
      this.#mem.pendingCount = cp.pendingCount;
      this.#mem.keys.length = cp.keys;
      this.#mem.values.length = cp.keys;
      this.#mem.landmarks.length = cp.landmarks;
    }
    this.pos = cp.pos;
  }

  /** Releases a checkpoint's copies. */
  disposeCheckpoint(cp: Checkpoint): void {
    const b = this.model.backend;
    for (const s of cp.mamba.values()) free(b, s.conv, s.ssm);
    for (const r of cp.rings.values()) free(b, r.k, r.v);
    if (cp.pending) free(b, cp.pending);
  }

  /** Bytes of all state this session holds on the device (allocated capacity). */
  bytes(): number {
    let n = 0;
    for (const s of this.#mamba.values()) n += tensorBytes(s.conv) + tensorBytes(s.ssm);
    for (const kv of this.#kv.values()) n += tensorBytes(kv.k) + tensorBytes(kv.v);
    const m = this.#mem;
    if (m) {
      n += tensorBytes(m.keys.data) + tensorBytes(m.values.data) + tensorBytes(m.landmarks.data) +
        tensorBytes(m.pending);
    }
    return n;
  }

  /** Chunks in the HSA memory (0 without HSA). */
  get chunks(): number {
    return this.#mem?.landmarks.length ?? 0;
  }

  dispose(): void {
    const b = this.model.backend;
    for (const s of this.#mamba.values()) free(b, s.conv, s.ssm);
    for (const kv of this.#kv.values()) free(b, kv.k, kv.v);
    if (this.#mem) {
      this.#mem.keys.dispose();
      this.#mem.values.dispose();
      this.#mem.landmarks.dispose();
      free(b, this.#mem.pending);
    }
  }
}

function normEps(c: HostModel["config"]): number {
  return (c.architecture === "ramba" || c.architecture === "mamba2"
    ? c.layer_norm_epsilon
    : c.rms_norm_eps) as number;
}
