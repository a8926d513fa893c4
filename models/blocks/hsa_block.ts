/**
 * Hierarchical Sparse Attention (spec §4–§6, §8.1): the chunk memory that the chunking layer fills,
 * the retrieval layer (landmark scoring, top-k, chunk weights) and the HSA layer that attends into
 * the selected chunks. Segment-wise results equal the one-pass forward.
 *
 * @module
 */
import type { Backend, Tensor } from "../../backends/backend.ts";
import type { Dims, ModelConfig } from "../schema.ts";
import { free, type ModelCtx, RowBuffer } from "./util.ts";
import { swiglu } from "./decoder_block.ts";

/** The chunk memory shared by all HSA layers of a model. */
export interface ChunkMemory {
  /** Keys and values per token of completed chunks, `[C·S, H_kv·D_h]`. */
  keys: RowBuffer;
  values: RowBuffer;
  /** One landmark per completed chunk, `[C, d_r]`. */
  landmarks: RowBuffer;
  /** Normalised rows of the incomplete chunk, `[S, d]`; the first `pendingCount` are valid. */
  pending: Tensor;
  pendingCount: number;
}

/** An empty chunk memory. */
export function chunkMemory(b: Backend, c: ModelConfig, k: Dims): ChunkMemory {
  const S = c.chunk_size as number;
  const kv = k.hKvHeads * k.hHeadDim;
  return {
    keys: new RowBuffer(b, kv, 8 * S),
    values: new RowBuffer(b, kv, 8 * S),
    landmarks: new RowBuffer(b, k.retrievalDim, 8),
    pending: b.zeros([S, k.d]),
    pendingCount: 0,
  };
}

/**
 * The chunking layer: normalises the segment x `[T, d]`, and encodes every chunk that completes
 * (pending rows first) into keys, values and a landmark appended to the memory.
 */
export function chunkingLayer(ctx: ModelCtx, prefix: string, x: Tensor, mem: ChunkMemory): void {
  const { b, w, c } = ctx;
  const o = b.ops;
  const S = c.chunk_size as number;
  const T = x.shape[0];
  // 1. e = RMSNorm(x): the token features of keys, values and landmarks.
  const e = o.rmsNorm(x, w.get(`${prefix}.norm.weight`), c.hsa_norm_epsilon as number);
  const total = mem.pendingCount + T;
  const complete = Math.floor(total / S);
  if (complete > 0) {
    // 2. Gather the rows of the completed chunks: pending rows, then the segment's.
    const rows = b.zeros([complete * S, e.shape[1]]);
    if (mem.pendingCount > 0) o.copyRows(rows, 0, mem.pending, 0, mem.pendingCount);
    o.copyRows(rows, mem.pendingCount, e, 0, complete * S - mem.pendingCount);
    // 3. Encode and append to the memory.
    const enc = o.chunkEncode(
      rows,
      w.get(`${prefix}.proj_k.weight`),
      w.get(`${prefix}.proj_v.weight`),
      w.get(`${prefix}.lmk_ln.weight`),
      S,
    );
    mem.keys.append(enc.keys);
    mem.values.append(enc.values);
    mem.landmarks.append(enc.landmarks);
    free(b, rows, enc.keys, enc.values, enc.landmarks);
  }
  // 4. Keep the remainder as the new pending chunk.
  const used = complete * S - mem.pendingCount; // segment rows consumed by complete chunks (may be < 0)
  if (complete > 0) {
    o.copyRows(mem.pending, 0, e, used, T - used);
    mem.pendingCount = T - used;
  } else {
    o.copyRows(mem.pending, mem.pendingCount, e, 0, T);
    mem.pendingCount += T;
  }
  free(b, e);
}

/** What a retrieval layer hands to the HSA layers of its group. */
export interface Selection {
  /** `[T, H_kv·K]` chunk indices, newest first, -1 = empty slot. */
  indices: Tensor;
  /** `[T, H_kv·K]` chunk weights. */
  weights: Tensor;
}

/**
 * The retrieval layer: scores the segment's tokens (absolute positions pos..pos+T-1) against every
 * landmark in memory, keeps the top K visible chunks per KV head, and turns their scores into weights.
 */
export function retrievalLayer(
  ctx: ModelCtx,
  prefix: string,
  x: Tensor,
  mem: ChunkMemory,
  pos: number,
): Selection {
  const { b, w, c, k } = ctx;
  const o = b.ops;
  const h = o.rmsNorm(x, w.get(`${prefix}.pre_norm.weight`), c.hsa_norm_epsilon as number);
  const qr = o.linear(h, w.get(`${prefix}.ln.weight`));
  const window = c.mask_slide_window ? (c.sliding_window as number) : 0;
  const sel = o.hsaSelect(qr, mem.landmarks.data, {
    numChunks: mem.landmarks.length,
    startPos: pos,
    chunkSize: c.chunk_size as number,
    topK: c.chunk_topk as number,
    kvHeads: k.hKvHeads,
    window,
  });
  const weights = o.chunkWeights(sel.scores, {
    topK: c.chunk_topk as number,
    mode: c.chunk_weighting as "stick_breaking" | "softmax",
  });
  free(b, h, qr, sel.scores);
  return { indices: sel.indices, weights };
}

/** HSA attention output `o_proj(HSA(RMSNorm(x)))` `[T, d]` (no residual). */
export function hsaOutput(
  ctx: ModelCtx,
  prefix: string,
  x: Tensor,
  mem: ChunkMemory,
  sel: Selection,
): Tensor {
  const { b, w, c, k } = ctx;
  const o = b.ops;
  const h = o.rmsNorm(x, w.get(`${prefix}.pre_norm.weight`), c.hsa_norm_epsilon as number);
  const q = o.linear(h, w.get(`${prefix}.q_proj.weight`));
  const att = o.hsaAttention(q, mem.keys.data, mem.values.data, sel.indices, sel.weights, {
    heads: k.hHeads,
    kvHeads: k.hKvHeads,
    headDim: k.hHeadDim,
    chunkSize: c.chunk_size as number,
    topK: c.chunk_topk as number,
    softmaxOffByOne: c.enable_softmax1 as boolean,
  });
  const out = o.linear(att, w.get(`${prefix}.o_proj.weight`));
  free(b, h, q, att);
  return out;
}

/** The RAMba HSA layer: `x + o_proj(HSA(RMSNorm(x)))`. */
export function hsaLayer(ctx: ModelCtx, prefix: string, x: Tensor, mem: ChunkMemory, sel: Selection): Tensor {
  const a = hsaOutput(ctx, prefix, x, mem, sel);
  const y = ctx.b.ops.add(x, a);
  free(ctx.b, a);
  return y;
}

/**
 * The SWA+HSA layer with its MLP (spec §9): `a = o_proj(HSA(RMSNorm(x)))`,
 * `y = x + SwiGLU(RMSNorm(x + a))`, plus `a` when `reset_hsa_residual`.
 */
export function hsaMlpLayer(
  ctx: ModelCtx,
  prefix: string,
  x: Tensor,
  mem: ChunkMemory,
  sel: Selection,
): Tensor {
  const { b, w, c } = ctx;
  const o = b.ops;
  const a = hsaOutput(ctx, prefix, x, mem, sel);
  const xa = o.add(x, a);
  const h = o.rmsNorm(xa, w.get(`${prefix}.post_attention_layernorm.weight`), c.rms_norm_eps as number);
  const m = swiglu(ctx, prefix, h);
  const y = o.add(c.reset_hsa_residual ? xa : x, m);
  free(b, a, xa, h, m);
  return y;
}
