/**
 * Mamba2 SSM, recurrent form (spec §3.2 step 4, §3.4): the definition the chunked ssdScan is
 * tested against. T = 1 is the decode step; longer inputs run the same recurrence token by token.
 * @module
 */
import type { SsmOptions, Tensor } from "../backend.ts";
import { ssmData, stepSize } from "./ssm_args.ts";
import type { Allocator, FloatArray, RefTensor } from "./tensor.ts";

/**
 * x `[T, H*P]`, dtRaw `[T, H]`, aLog `[H]`, b, c `[T, G*N]`, d `[H]`, dtBias `[H]`,
 * state `[H, P*N]` (row h = s[h] as P rows of N, updated in place) → y `[T, H*P]`.
 *
 * For every token t and head h (group g = floor(h / (H/G))):
 * 1. dt = clamp(softplus(dtRaw[t, h] + dtBias[h])), A = -exp(aLog[h]).
 * 2. s[h] = exp(dt·A)·s[h] + dt·x_t[h] ⊗ B_t[g].
 * 3. y_t[h] = s[h]·C_t[g] + D[h]·x_t[h].
 */
export function ssmStep(
  mem: Allocator,
  x: Tensor,
  dtRaw: Tensor,
  aLog: Tensor,
  b: Tensor,
  c: Tensor,
  d: Tensor,
  dtBias: Tensor,
  state: Tensor,
  opts: SsmOptions,
): RefTensor {
  const a = ssmData("ssmStep", { x, dtRaw, aLog, b, c, d, dtBias, state }, opts);
  const { T, H, P, N, G, headsPerGroup } = a;
  const y = mem.alloc([T, H * P]);
  const yd = y.data as FloatArray;
  const s = a.state;
  for (let t = 0; t < T; t++) {
    for (let h = 0; h < H; h++) {
      // 1. Step size and decay.
      const dt = stepSize(a.dtRaw[t * H + h], a.dtBias[h], a.dtMin, a.dtMax);
      const decay = Math.exp(-dt * Math.exp(a.aLog[h]));
      const bc = (t * G + Math.floor(h / headsPerGroup)) * N; // offset of B_t[g], C_t[g]
      for (let p = 0; p < P; p++) {
        const xv = a.x[t * H * P + h * P + p];
        const row = (h * P + p) * N;
        let acc = 0;
        for (let n = 0; n < N; n++) {
          // 2. State update, 3. readout.
          const sv = decay * s[row + n] + dt * xv * a.b[bc + n];
          s[row + n] = sv;
          acc += sv * a.c[bc + n];
        }
        yd[t * H * P + h * P + p] = acc + a.d[h] * xv;
      }
    }
  }
  return y;
}
