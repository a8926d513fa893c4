/**
 * The storage and sizes of an ssdScan/ssmStep call (arguments checked by ../op_args.ts), and the dt rule
 * both share (Mamba2, spec §3.2 step 3).
 * @module
 */
import type { SsmOptions } from "../backend.ts";
import { ssmArgs, type SsmSizes, type SsmTensors } from "../op_args.ts";
import { floatData } from "./check.ts";
import type { FloatArray } from "./tensor.ts";

/** Checked sizes and storage of one SSM call. */
export interface SsmData extends SsmSizes {
  /** x `[T, H*P]`, dtRaw `[T, H]`, aLog `[H]`, b, c `[T, G*N]`, d `[H]`, dtBias `[H]`, state `[H, P*N]`. */
  x: FloatArray;
  dtRaw: FloatArray;
  aLog: FloatArray;
  b: FloatArray;
  c: FloatArray;
  d: FloatArray;
  dtBias: FloatArray;
  state: FloatArray;
}

/** Validates every argument of ssdScan/ssmStep against `opts` and returns the sizes and storage. */
export function ssmData(op: "ssdScan" | "ssmStep", t: SsmTensors, opts: SsmOptions): SsmData {
  const sizes = ssmArgs(op, t, opts);
  return {
    ...sizes,
    x: floatData(op, "x", t.x),
    dtRaw: floatData(op, "dtRaw", t.dtRaw),
    aLog: floatData(op, "aLog", t.aLog),
    b: floatData(op, "b", t.b),
    c: floatData(op, "c", t.c),
    d: floatData(op, "d", t.d),
    dtBias: floatData(op, "dtBias", t.dtBias),
    state: floatData(op, "state", t.state),
  };
}

/** dt = clamp(softplus(raw + bias), min, max); softplus returns its input above 20 (as the kernels do). */
export function stepSize(raw: number, bias: number, dtMin: number, dtMax: number): number {
  const v = raw + bias;
  const sp = v > 20 ? v : Math.log1p(Math.exp(v));
  return Math.min(dtMax, Math.max(dtMin, sp));
}
