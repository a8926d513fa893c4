/**
 * The decoder layer of the Transformer and of the SWA layers of SWA+HSA (spec §9):
 * `x += o_proj(attn(rope(qk_norm(q, k)), v))`, `x += SwiGLU(RMSNorm(x))`, with its KV cache.
 *
 * @module
 */
import type { Backend, Tensor } from "../../backends/backend.ts";
import type { ModelConfig } from "../schema.ts";
import { free, type ModelCtx } from "./util.ts";

/**
 * KV cache of one attention layer: full (grows) or a ring of `window` rows (a rollback restores the ring
 * from the checkpoint's copy, `Session.checkpoint`).
 */
export interface KvCache {
  k: Tensor;
  v: Tensor;
  /** 0 for full attention. */
  window: number;
}

/** An empty cache for a layer. Full caches start small and grow with {@link ensureCapacity}. */
export function kvCache(b: Backend, c: ModelConfig, window: number): KvCache {
  const cols = (c.num_key_value_heads as number) * (c.head_dim as number);
  const rows = window > 0 ? window : 64;
  return { k: b.zeros([rows, cols]), v: b.zeros([rows, cols]), window };
}

/** Grows a full cache to hold `total` positions (geometrically); ring caches never grow. */
export function ensureCapacity(b: Backend, cache: KvCache, used: number, total: number): void {
  if (cache.window > 0 || total <= cache.k.shape[0]) return;
  const rows = Math.max(total, 2 * cache.k.shape[0]);
  for (const key of ["k", "v"] as const) {
    const next = b.zeros([rows, cache[key].shape[1]]);
    if (used > 0) b.ops.copyRows(next, 0, cache[key], 0, used);
    b.dispose(cache[key]);
    cache[key] = next;
  }
}

/** `down(silu(gate(h)) ⊙ up(h))`. */
export function swiglu(ctx: ModelCtx, prefix: string, h: Tensor): Tensor {
  const { b, w } = ctx;
  const o = b.ops;
  const g = o.linear(h, w.get(`${prefix}.mlp.gate_proj.weight`));
  const u = o.linear(h, w.get(`${prefix}.mlp.up_proj.weight`));
  const sg = o.silu(g);
  const m = o.mul(sg, u);
  const out = o.linear(m, w.get(`${prefix}.mlp.down_proj.weight`));
  free(b, g, u, sg, m);
  return out;
}

/** One decoder layer over x `[T, d]` at absolute position `pos`; appends to the cache. */
export function decoderBlock(ctx: ModelCtx, prefix: string, x: Tensor, cache: KvCache, pos: number): Tensor {
  const { b, w, c } = ctx;
  const o = b.ops;
  const eps = c.rms_norm_eps as number;
  const heads = c.num_attention_heads as number;
  const kvHeads = c.num_key_value_heads as number;
  const hd = c.head_dim as number;
  const theta = c.rope_theta as number;
  const T = x.shape[0];
  // 1. Projections, optional per-head q/k norm, RoPE at absolute positions.
  const h = o.rmsNorm(x, w.get(`${prefix}.input_layernorm.weight`), eps);
  let q = o.linear(h, w.get(`${prefix}.self_attn.q_proj.weight`));
  let k = o.linear(h, w.get(`${prefix}.self_attn.k_proj.weight`));
  const v = o.linear(h, w.get(`${prefix}.self_attn.v_proj.weight`));
  if (c.qk_norm) {
    const qn = o.rmsNorm(q, w.get(`${prefix}.self_attn.q_norm.weight`), eps);
    const kn = o.rmsNorm(k, w.get(`${prefix}.self_attn.k_norm.weight`), eps);
    free(b, q, k);
    [q, k] = [qn, kn];
  }
  const qr = o.rope(q, heads, hd, pos, theta);
  const kr = o.rope(k, kvHeads, hd, pos, theta);
  // 2. Attention over the cached past and the segment itself, then store the segment's K/V.
  ensureCapacity(b, cache, pos, pos + T);
  const a = o.attention(qr, kr, v, cache.k, cache.v, {
    pastLen: pos,
    heads,
    kvHeads,
    headDim: hd,
    window: cache.window,
  });
  o.cacheWrite(cache.k, kr, pos);
  o.cacheWrite(cache.v, v, pos);
  const att = o.linear(a, w.get(`${prefix}.self_attn.o_proj.weight`));
  const x1 = o.add(x, att);
  // 3. SwiGLU MLP with its own pre-norm.
  const h2 = o.rmsNorm(x1, w.get(`${prefix}.post_attention_layernorm.weight`), eps);
  const m = swiglu(ctx, prefix, h2);
  const out = o.add(x1, m);
  free(b, h, q, k, v, qr, kr, a, att, x1, h2, m);
  return out;
}
