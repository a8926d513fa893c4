/**
 * Micro-benchmark of the reference backend's hot ops at the shapes of the ~2M-parameter RAMba
 * (d = 256, d_in = 512, H = 8, P = 64, N = 32). Run: `deno run backends/reference/bench_ops.ts [f64|f32]`
 * (both by default). Each kernel serves both storage types, so whichever precision runs second in
 * one process sees V8's polymorphic (slower) code; pass one precision for its monomorphic speed.
 * @module
 */
import type { Backend, Tensor } from "../backend.ts";
import { randomArray } from "./random.ts";
import { ReferenceBackend } from "./reference_backend.ts";

/** Median and best of `reps` timed calls after `warmup` untimed ones, in ms; outputs are disposed. */
function time(be: Backend, f: () => Tensor, warmup = 5, reps = 9): { median: number; best: number } {
  for (let i = 0; i < warmup; i++) be.dispose(f());
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const y = f();
    ms.push(performance.now() - t0);
    be.dispose(y);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[reps >> 1], best: ms[0] };
}

function row(name: string, r: { median: number; best: number }, flops: number): void {
  const gflops = flops / (r.median * 1e6);
  console.log(
    `${name.padEnd(48)} ${r.median.toFixed(1).padStart(8)} ms (best ${r.best.toFixed(1)})  ${
      gflops.toFixed(2)
    } GFLOP/s`,
  );
}

const precisions = Deno.args.length > 0 ? Deno.args : ["f64", "f32"];
for (const precision of precisions) {
  if (precision !== "f64" && precision !== "f32") {
    throw new Error(`Unknown precision ${precision} (f64, f32)`);
  }
  const be = new ReferenceBackend(precision);
  if (precision === precisions[0]) console.log(be.device());

  // linear [512×256]·[1096×256]ᵀ: the Mamba in_proj of a 512-token segment.
  const x = be.upload(randomArray(512 * 256, 1), [512, 256]);
  const w = be.upload(randomArray(1096 * 256, 2).map((v) => v / 16), [1096, 256]);
  row(`${precision} linear [512x256]·[1096x256]ᵀ`, time(be, () => be.ops.linear(x, w)), 2 * 512 * 256 * 1096);

  // ssdScan T=512, H=8, P=64, N=32, one group, at two chunk lengths.
  const T = 512, H = 8, P = 64, N = 32;
  const xs = be.upload(randomArray(T * H * P, 3), [T, H * P]);
  const dt = be.upload(randomArray(T * H, 4), [T, H]);
  const aLog = be.upload(Float64Array.from({ length: H }, (_, h) => Math.log(h + 1)), [H]);
  const b = be.upload(randomArray(T * N, 5), [T, N]);
  const c = be.upload(randomArray(T * N, 6), [T, N]);
  const d = be.upload(new Float64Array(H).fill(1), [H]);
  const dtBias = be.upload(new Float64Array(H).fill(-3), [H]);
  const state = be.zeros([H, P * N]);
  for (const chunk of [64, 256]) {
    const opts = { heads: H, headDim: P, groups: 1, stateSize: N, chunk, dtLimit: [0, Infinity] as const };
    // Chunked SSD: 2 state passes of T·H·P·N plus the intra-chunk T·(Q/2)·(H·P + N), 2 FLOPs per MAC.
    const flops = 2 * (2 * T * H * P * N + T * (chunk / 2) * (H * P + N));
    row(
      `${precision} ssdScan T=${T} H=${H} P=${P} N=${N} chunk=${chunk}`,
      time(be, () => be.ops.ssdScan(xs, dt, aLog, b, c, d, dtBias, state, opts)),
      flops,
    );
  }
  be.close();
}
