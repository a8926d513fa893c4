/**
 * The Mamba2 block (spec §3): `y = x + out_proj(gatedNorm(SSD(conv(in_proj(RMSNorm(x))))))`, with its
 * per-layer state (conv inputs and SSM state) carried across segments.
 *
 * @module
 */
import type { Backend, Tensor } from "../../backends/backend.ts";
import type { Dims, ModelConfig } from "../schema.ts";
import { free, type ModelCtx } from "./util.ts";

/** State of one Mamba2 layer. */
export interface MambaState {
  /** `[k_c - 1, convDim]`: the last raw xBC inputs, oldest first. */
  conv: Tensor;
  /** `[n_h, P * N_s]`. */
  ssm: Tensor;
}

/** A zero state (sequence start). */
export function mambaState(b: Backend, c: ModelConfig, k: Dims): MambaState {
  return {
    conv: b.zeros([(c.conv_kernel as number) - 1, k.convDim]),
    ssm: b.zeros([k.mHeads, k.mHeadDim * k.stateSize]),
  };
}

/**
 * One Mamba2 block over a segment x `[T, d]` → `[T, d]` (residual included); updates `state`.
 * T = 1 uses the recurrent step.
 */
export function mambaBlock(ctx: ModelCtx, prefix: string, x: Tensor, state: MambaState): Tensor {
  const { b, w, c, k } = ctx;
  const o = b.ops;
  const gN = k.groups * k.stateSize;
  // 1. Pre-norm and input projection into [z | xBC | dt].
  const h = o.rmsNorm(x, w.get(`${prefix}.norm.weight`), c.layer_norm_epsilon as number);
  const zxbcdt = o.linear(h, w.get(`${prefix}.mixer.in_proj.weight`));
  const z = o.sliceCols(zxbcdt, 0, k.dIn);
  const xbc = o.sliceCols(zxbcdt, k.dIn, k.convDim);
  const dt = o.sliceCols(zxbcdt, k.dIn + k.convDim, k.mHeads);
  // 2. Causal depthwise conv + SiLU over xBC, then split into x, B, C.
  const u = o.causalConv1d(
    xbc,
    w.get(`${prefix}.mixer.conv1d.weight`),
    w.get(`${prefix}.mixer.conv1d.bias`),
    state.conv,
  );
  const xs = o.sliceCols(u, 0, k.dIn);
  const bm = o.sliceCols(u, k.dIn, gN);
  const cm = o.sliceCols(u, k.dIn + gN, gN);
  // 3. Selective state space: chunked SSD for a segment, the recurrence for one token.
  const scan = x.shape[0] === 1 ? o.ssmStep : o.ssdScan;
  const y = scan.call(
    o,
    xs,
    dt,
    w.get(`${prefix}.mixer.A_log`),
    bm,
    cm,
    w.get(`${prefix}.mixer.D`),
    w.get(`${prefix}.mixer.dt_bias`),
    state.ssm,
    {
      heads: k.mHeads,
      headDim: k.mHeadDim,
      groups: k.groups,
      stateSize: k.stateSize,
      chunk: c.mamba_chunk_size as number,
      dtLimit: [0, Infinity],
    },
  );
  // 4. Gate, normalise, project out, add the residual.
  const v = o.gatedRmsNorm(y, z, w.get(`${prefix}.mixer.norm.weight`), c.layer_norm_epsilon as number);
  const out = o.linear(v, w.get(`${prefix}.mixer.out_proj.weight`));
  const res = o.add(x, out);
  free(b, h, zxbcdt, z, xbc, dt, u, xs, bm, cm, y, v, out);
  return res;
}
