/**
 * Per-op device profile of a whole model: every op call is bracketed by CUDA events and its FLOPs and
 * ideal bytes (each input read once, each output written once) are counted from the shapes, so a run
 * ends with a table of where device time went and what rate each op reached.
 *
 * Events around each call serialise the queue (the timer waits for every stop event), so the profile
 * measures kernel time, not overlap; it is a lab instrument, not how the runner times.
 *
 *   deno run -A backends/cuda/dev/profile.ts --model ramba-tiny --length 65536 --segment 65536 \
 *     [--dtype bf16] [--decode 32] [--peaks build/peaks.txt] [--json out.json]
 *
 * `--peaks FILE` reads the lab's measured peaks (`build/cuda_lab 20 peaks` output) and adds "% of peak":
 * memory-bound ops against the copy bandwidth, `linear` against the cuBLAS bf16 GEMM rate (it runs on
 * tensor cores), the other compute ops against the fp32 FMA rate (their kernels use CUDA cores).
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Backend, Ops, Precision, Tensor } from "../../backend.ts";
import { cudaFactory } from "../factory.ts";
import { Model } from "../../../models/session.ts";
import { loadModel } from "../../../models/weights.ts";

/** What one op costs, from its arguments. */
interface Cost {
  flops: number;
  bytes: number;
  /** Which peak bounds it: "memory", "tensor" (bf16 MMA) or "fma" (fp32 CUDA cores). */
  bound: "memory" | "tensor" | "fma";
}

/** Totals of one op over a run. */
export interface OpProfile {
  op: string;
  calls: number;
  ms: number;
  flops: number;
  bytes: number;
  bound: Cost["bound"];
}

const numel = (t: Tensor) => t.shape.reduce((a, b) => a * b, 1);

/** Bytes per element of a tensor. */
function elt(t: Tensor): number {
  return t.dtype === "bf16" ? 2 : 4;
}

/** Bytes of reading (or writing) every element once. */
const io = (...ts: Tensor[]) => ts.reduce((s, t) => s + numel(t) * elt(t), 0);

/**
 * FLOPs and ideal bytes of one call, from the contract's shapes (backends/backend.ts). Causal work
 * counts only visible keys and chunks.
 */
// deno-lint-ignore no-explicit-any
function cost(op: string, a: any[], out: any): Cost {
  const mem = (bytes: number, flops = 0): Cost => ({ flops, bytes, bound: "memory" });
  switch (op) {
    case "linear": {
      const [x, w] = a as Tensor[];
      const T = x.shape[0], K = x.shape[1], N = w.shape[0];
      return { flops: 2 * T * K * N, bytes: io(x, w, out as Tensor), bound: "tensor" };
    }
    case "embedding":
      return mem(2 * io(out as Tensor));
    case "rmsNorm":
    case "add":
    case "mul":
    case "silu":
      return mem(
        io(...(a.filter((t) => typeof t === "object" && t && "shape" in t) as Tensor[]), out as Tensor),
      );
    case "gatedRmsNorm":
      return mem(io(a[0], a[1], out as Tensor));
    case "sliceCols":
    case "rope":
      return mem(2 * io(out as Tensor));
    case "copyRows": {
      const [dst, , src, , n] = a;
      return mem(2 * n * (dst as Tensor).shape[1] * elt(src as Tensor));
    }
    case "cacheWrite":
      return mem(2 * io(a[1] as Tensor));
    case "causalConv1d": {
      const [x, w] = a as Tensor[];
      return mem(2 * io(x), 2 * numel(x) * w.shape[1]);
    }
    case "ssdScan":
    case "ssmStep": {
      const [x, dt, , b, c, , , state, o] = a;
      const T = (x as Tensor).shape[0],
        H = o.heads,
        P = o.headDim,
        N = o.stateSize ?? (state as Tensor).shape[1] / P;
      // Recurrent-equivalent work: state update and readout, 2 FLOPs each per (t, h, p, n).
      const bytes = io(x, dt, b, c, out as Tensor) + (op === "ssmStep" ? 2 * io(state as Tensor) : 0);
      return { flops: 4 * T * H * P * N, bytes, bound: op === "ssmStep" ? "memory" : "fma" };
    }
    case "attention": {
      const [q, k, , , , o] = a;
      const T = (q as Tensor).shape[0], D = o.headDim, Hq = o.heads;
      let keys = 0;
      for (let i = 0; i < T; i++) {
        const t = o.pastLen + i;
        keys += o.window > 0 ? Math.min(t, o.window) + 1 : t + 1;
      }
      const kvRows = o.window > 0 ? Math.min(o.pastLen, o.window) + T : o.pastLen + T;
      const bytes = 2 * io(q as Tensor) + 2 * kvRows * (k as Tensor).shape[1] * elt(k as Tensor);
      return { flops: 4 * keys * Hq * D, bytes, bound: "fma" };
    }
    case "chunkEncode": {
      const [e, wk, wv, wLmk, S] = a;
      const rows = (e as Tensor).shape[0], d = (e as Tensor).shape[1];
      const flops = 2 * rows * d * ((wk as Tensor).shape[0] + (wv as Tensor).shape[0]) +
        2 * (rows / S) * d * (wLmk as Tensor).shape[0];
      return { flops, bytes: io(e, wk, wv, wLmk, out.keys, out.values, out.landmarks), bound: "fma" };
    }
    case "hsaSelect": {
      const [qr, lmk, o] = a;
      const T = (qr as Tensor).shape[0], dim = (qr as Tensor).shape[1];
      let visible = 0;
      for (let i = 0; i < T; i++) {
        const t = o.startPos + i;
        const limit = o.window > 0
          ? Math.floor((t - o.window) / o.chunkSize) + 1
          : Math.floor(t / o.chunkSize);
        visible += Math.max(0, Math.min(o.numChunks, limit));
      }
      const lmkBytes = o.numChunks * (lmk as Tensor).shape[1] * elt(lmk as Tensor);
      return {
        flops: 2 * visible * dim,
        bytes: io(qr) + lmkBytes + io(out.indices, out.scores),
        bound: "fma",
      };
    }
    case "chunkWeights":
      return mem(io(a[0] as Tensor, out as Tensor));
    case "hsaAttention": {
      const [q, memK, , idx, , o] = a;
      const T = (q as Tensor).shape[0];
      // Every slot: S logits and S value rows per query head (empty slots counted too: an upper bound).
      const flops = 4 * T * o.heads * o.topK * o.chunkSize * o.headDim;
      const bytes = 2 * io(q as Tensor) + io(idx as Tensor) * 2 +
        2 * T * o.kvHeads * o.topK * o.chunkSize * o.headDim * elt(memK as Tensor);
      return { flops, bytes, bound: "fma" };
    }
    default:
      return mem(0);
  }
}

/**
 * A backend whose ops are the inner backend's, each timed with CUDA events and costed. Everything else
 * is delegated. `profile()` returns the totals, hottest first.
 */
export function profiled(inner: Backend & { createTimer: NonNullable<Backend["createTimer"]> }): {
  backend: Backend;
  profile(): OpProfile[];
  reset(): void;
} {
  const totals = new Map<string, OpProfile>();
  const timer = inner.createTimer();
  const ops = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(inner.ops)) {
    ops[name] = (...args: unknown[]) => {
      timer.start();
      const out = (fn as (...a: unknown[]) => unknown)(...args);
      timer.stop();
      const ms = timer.elapsedMs();
      const c = cost(name, args, out);
      const t = totals.get(name) ?? { op: name, calls: 0, ms: 0, flops: 0, bytes: 0, bound: c.bound };
      t.calls++, t.ms += ms, t.flops += c.flops, t.bytes += c.bytes;
      totals.set(name, t);
      return out;
    };
  }
  const backend: Backend = {
    name: inner.name,
    precision: inner.precision,
    timingMethod: inner.timingMethod,
    ops: ops as unknown as Ops,
    device: () => inner.device(),
    supports: (op) => inner.supports(op),
    upload: (data, shape, dtype) => inner.upload(data, shape, dtype),
    zeros: (shape, dtype) => inner.zeros(shape, dtype),
    download: (t) => inner.download(t),
    dispose: (t) => inner.dispose(t),
    synchronize: () => inner.synchronize(),
    memory: () => inner.memory(),
    resetPeak: () => inner.resetPeak(),
    mark: () => inner.mark(),
    releaseSince: (m) => inner.releaseSince(m),
    createTimer: () => inner.createTimer(),
    close: () => inner.close(),
  };
  return {
    backend,
    profile: () => [...totals.values()].sort((x, y) => y.ms - x.ms),
    reset: () => totals.clear(),
  };
}

/** Peaks parsed from the lab's output ("peak copy ... GB/s", "peak fp32 FMA ... TFLOP/s", ...). */
export function parsePeaks(text: string): { copyGBs?: number; fmaTFs?: number; gemmTFs?: number } {
  const num = (re: RegExp) => {
    const m = text.match(re);
    return m ? Number(m[1]) : undefined;
  };
  return {
    copyGBs: num(/peak copy\s+([\d.]+) GB\/s/),
    fmaTFs: num(/peak fp32 FMA\s+([\d.]+) TFLOP\/s/),
    gemmTFs: num(/peak bf16 GEMM\s+([\d.]+) TFLOP\/s/),
  };
}

/** Markdown table of a profile: share of time, achieved rate, and % of the measured peak. */
export function formatProfile(rows: OpProfile[], peaks: ReturnType<typeof parsePeaks>): string {
  const total = rows.reduce((s, r) => s + r.ms, 0);
  const lines = [
    "| op | calls | ms | share | GB/s | TFLOP/s | bound by | % of measured peak |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    const gbs = r.bytes / r.ms / 1e6, tfs = r.flops / r.ms / 1e9;
    const peak = r.bound === "memory"
      ? peaks.copyGBs && gbs / peaks.copyGBs
      : r.bound === "tensor"
      ? peaks.gemmTFs && tfs / peaks.gemmTFs
      : peaks.fmaTFs && tfs / peaks.fmaTFs;
    const boundName = r.bound === "memory" ? "memory" : r.bound === "tensor" ? "bf16 MMA" : "fp32 FMA";
    lines.push(
      `| ${r.op} | ${r.calls} | ${r.ms.toFixed(2)} | ${(100 * r.ms / total).toFixed(1)}% | ${
        gbs.toFixed(0)
      } | ${r.flops > 0 ? tfs.toFixed(2) : "-"} | ${boundName} | ${
        peak ? (100 * peak).toFixed(1) + "%" : "-"
      } |`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const { values: v } = parseArgs({
    options: {
      model: { type: "string", default: "ramba-tiny" },
      length: { type: "string", default: "65536" },
      segment: { type: "string", default: "65536" },
      dtype: { type: "string", default: "bf16" },
      decode: { type: "string", default: "32" },
      peaks: { type: "string" },
      json: { type: "string" },
    },
  });
  const L = Number(v.length), seg = Number(v.segment), decode = Number(v.decode);
  const inner = await cudaFactory.create(v.dtype as Precision);
  const host = await loadModel(v.model!);
  const p = profiled(inner as Backend & { createTimer: NonNullable<Backend["createTimer"]> });
  const model = new Model(p.backend, host);
  const ids = new Int32Array(L);
  for (let i = 0; i < L; i++) ids[i] = 32 + ((i * 2654435761) >>> 0) % 90;
  // Warm-up on one full segment (first calls at a new size pay one-time costs, e.g. cuBLAS's choice), then
  // the measured prefill.
  const warm = model.session();
  inner.dispose(warm.forward(ids.subarray(0, Math.min(L, seg))));
  warm.dispose();
  p.reset();
  const s = model.session();
  for (let o = 0; o < L; o += seg) inner.dispose(s.forward(ids.subarray(o, Math.min(L, o + seg))));
  const prefill = p.profile();
  p.reset();
  for (let i = 0; i < decode; i++) inner.dispose(s.step(65 + (i % 26)));
  const steps = p.profile();
  s.dispose();
  const peaks = v.peaks ? parsePeaks(await Deno.readTextFile(v.peaks)) : {};
  console.log(`# ${v.model} on ${inner.device()}, ${v.dtype}\n`);
  console.log(`peaks: ${JSON.stringify(peaks)}\n`);
  console.log(`## prefill ${L} tokens in segments of ${seg}\n\n${formatProfile(prefill, peaks)}\n`);
  console.log(`## decode, ${decode} steps after the prefill\n\n${formatProfile(steps, peaks)}\n`);
  if (v.json) {
    await Deno.writeTextFile(
      v.json,
      JSON.stringify({ model: v.model, length: L, segment: seg, peaks, prefill, steps }),
    );
  }
  model.dispose();
  inner.close();
}
