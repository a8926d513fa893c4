/**
 * Argument checks and the dt rule shared by ssdScan and ssmStep (Mamba2, spec §3.2 step 3).
 * @module
 */
import type { SsmOptions, Tensor } from "../backend.ts";
import { checkInt, fail, floatArg } from "./check.ts";
import type { FloatArray } from "./tensor.ts";

/** Checked storage and sizes of one SSM call. */
export interface SsmArgs {
  /** Tokens, heads, head dim, groups, state size, heads per group. */
  T: number;
  H: number;
  P: number;
  G: number;
  N: number;
  headsPerGroup: number;
  /** x `[T, H*P]`, dtRaw `[T, H]`, aLog `[H]`, b, c `[T, G*N]`, d `[H]`, dtBias `[H]`, state `[H, P*N]`. */
  x: FloatArray;
  dtRaw: FloatArray;
  aLog: FloatArray;
  b: FloatArray;
  c: FloatArray;
  d: FloatArray;
  dtBias: FloatArray;
  state: FloatArray;
  /** Clamp of dt after softplus. */
  dtMin: number;
  dtMax: number;
}

/** Validates every argument of ssdScan/ssmStep against `opts` and returns the storage. */
export function ssmArgs(
  op: string,
  x: Tensor,
  dtRaw: Tensor,
  aLog: Tensor,
  b: Tensor,
  c: Tensor,
  d: Tensor,
  dtBias: Tensor,
  state: Tensor,
  opts: SsmOptions,
): SsmArgs {
  const H = checkInt(op, "opts.heads", opts.heads, 1);
  const P = checkInt(op, "opts.headDim", opts.headDim, 1);
  const G = checkInt(op, "opts.groups", opts.groups, 1);
  const N = checkInt(op, "opts.stateSize", opts.stateSize, 1);
  checkInt(op, "opts.chunk", opts.chunk, 1);
  if (H % G !== 0) fail(op, `opts.heads = ${H} is not a multiple of opts.groups = ${G}`);
  const [dtMin, dtMax] = opts.dtLimit;
  if (!(dtMin <= dtMax)) fail(op, `opts.dtLimit = [${dtMin}, ${dtMax}] is not an interval [min, max]`);
  const xd = floatArg(op, "x", x, [null, H * P], "H*P = opts.heads*opts.headDim");
  const T = x.shape[0];
  return {
    T,
    H,
    P,
    G,
    N,
    headsPerGroup: H / G,
    x: xd,
    dtRaw: floatArg(op, "dtRaw", dtRaw, [T, H], "[T, heads]"),
    aLog: floatArg(op, "aLog", aLog, [H], "[heads]"),
    b: floatArg(op, "b", b, [T, G * N], "[T, groups*stateSize]"),
    c: floatArg(op, "c", c, [T, G * N], "[T, groups*stateSize]"),
    d: floatArg(op, "d", d, [H], "[heads]"),
    dtBias: floatArg(op, "dtBias", dtBias, [H], "[heads]"),
    state: floatArg(op, "state", state, [H, P * N], "[heads, headDim*stateSize]"),
    dtMin,
    dtMax,
  };
}

/** dt = clamp(softplus(raw + bias), min, max); softplus returns its input above 20 (as the kernels do). */
export function stepSize(raw: number, bias: number, dtMin: number, dtMax: number): number {
  const v = raw + bias;
  const sp = v > 20 ? v : Math.log1p(Math.exp(v));
  return Math.min(dtMax, Math.max(dtMin, sp));
}
