/**
 * Mamba2 SSD over a segment in the chunked form (spec §3.3): quadratic attention-like mixing
 * inside chunks of Q tokens, the recurrent state carried between chunks. Same result as ssmStep
 * token by token, up to rounding.
 * @module
 */
import type { SsmOptions, Tensor } from "../backend.ts";
import { ssmData, stepSize } from "./ssm_args.ts";
import { type Allocator, type FloatArray, type RefTensor, scratch } from "./tensor.ts";

/**
 * x `[T, H*P]`, dtRaw `[T, H]`, aLog `[H]`, b, c `[T, G*N]`, d `[H]`, dtBias `[H]`,
 * state `[H, P*N]` (continued and updated in place) → y `[T, H*P]`, D skip included.
 *
 * The state is copied into an f64 buffer s, then for each chunk of L ≤ Q tokens starting at t0
 * (local index i, j = 0 .. L-1) and each group g:
 * 1. CB[i, j] = C_i[g]·B_j[g] for j ≤ i (shared by the heads of the group).
 * For each head h of the group, with A = -exp(aLog[h]):
 * 2. dt_i = clamp(softplus(dtRaw_i + dtBias)), Λ_i = Σ_{j≤i} dt_j·A (within-chunk log-decay).
 * 3. Intra-chunk: y_i = Σ_{j≤i} CB[i, j]·exp(Λ_i − Λ_j)·dt_j·x_j.
 * 4. Inter-chunk: y_i += exp(Λ_i)·(s[h]·C_i), with s[h] the state entering the chunk.
 * 5. Skip: y_i += D[h]·x_i.
 * 6. s[h] = exp(Λ_{L-1})·s[h] + Σ_j exp(Λ_{L-1} − Λ_j)·dt_j·x_j ⊗ B_j.
 * Finally s is written back to state. Cost: O(T·H·P·N) for 4 and 6, O(T·Q·(H·P + G·N)) for 1 and 3.
 */
export function ssdScan(
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
  const a = ssmData("ssdScan", { x, dtRaw, aLog, b, c, d, dtBias, state }, opts);
  const { T, H, P, G, N, headsPerGroup } = a;
  const HP = H * P;
  const Q = Math.min(opts.chunk, Math.max(T, 1));
  const y = mem.alloc([T, HP]);
  const yd = y.data as FloatArray;
  const s = scratch(H * P * N, "ssdScan state");
  s.set(a.state);
  const cb = scratch(Q * Q, "ssdScan CB"); // [Q, Q], lower triangle used
  const dts = scratch(Q, "ssdScan dt"); // [Q]
  const lam = scratch(Q, "ssdScan cumulative log-decay"); // [Q]
  const yrow = scratch(P, "ssdScan output row"); // [P]

  for (let t0 = 0; t0 < T; t0 += Q) {
    const L = Math.min(Q, T - t0);
    for (let g = 0; g < G; g++) {
      // 1. CB[i, j] = C_i · B_j.
      for (let i = 0; i < L; i++) {
        const ci = ((t0 + i) * G + g) * N;
        for (let j = 0; j <= i; j++) {
          const bj = ((t0 + j) * G + g) * N;
          let acc = 0;
          for (let n = 0; n < N; n++) acc += a.c[ci + n] * a.b[bj + n];
          cb[i * Q + j] = acc;
        }
      }
      for (let h = g * headsPerGroup; h < (g + 1) * headsPerGroup; h++) {
        // 2. Step sizes and the within-chunk cumulative log-decay.
        const A = -Math.exp(a.aLog[h]);
        let cum = 0;
        for (let i = 0; i < L; i++) {
          dts[i] = stepSize(a.dtRaw[(t0 + i) * H + h], a.dtBias[h], a.dtMin, a.dtMax);
          cum += dts[i] * A;
          lam[i] = cum;
        }
        const sh = h * P * N; // s[h] as P rows of N
        for (let i = 0; i < L; i++) {
          // 3. Intra-chunk mixing of x_j, j ≤ i.
          yrow.fill(0);
          for (let j = 0; j <= i; j++) {
            const coef = cb[i * Q + j] * Math.exp(lam[i] - lam[j]) * dts[j];
            const xj = (t0 + j) * HP + h * P;
            for (let p = 0; p < P; p++) yrow[p] += coef * a.x[xj + p];
          }
          // 4. Contribution of the state entering the chunk, 5. D skip.
          const ci = ((t0 + i) * G + g) * N;
          const decayIn = Math.exp(lam[i]);
          const xi = (t0 + i) * HP + h * P;
          for (let p = 0; p < P; p++) {
            let acc = 0;
            for (let n = 0; n < N; n++) acc += s[sh + p * N + n] * a.c[ci + n];
            yd[xi + p] = yrow[p] + decayIn * acc + a.d[h] * a.x[xi + p];
          }
        }
        // 6. Carry the state to the end of the chunk.
        const lamEnd = lam[L - 1];
        const decayAll = Math.exp(lamEnd);
        for (let k = sh; k < sh + P * N; k++) s[k] *= decayAll;
        for (let j = 0; j < L; j++) {
          const coef = Math.exp(lamEnd - lam[j]) * dts[j];
          const xj = (t0 + j) * HP + h * P;
          const bj = ((t0 + j) * G + g) * N;
          for (let p = 0; p < P; p++) {
            const cx = coef * a.x[xj + p];
            const row = sh + p * N;
            for (let n = 0; n < N; n++) s[row + n] += cx * a.b[bj + n];
          }
        }
      }
    }
  }
  a.state.set(s);
  return y;
}
