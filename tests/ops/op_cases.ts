/**
 * The parity cases of every op: shapes chosen to hit each kernel's paths and edges (T = 1, pastLen = 0,
 * numChunks = 0, fewer chunks than K, window rules, ring caches, -1 slots, split-K decode, odd sizes),
 * filled with fresh random values from the run's seed.
 *
 * @module
 */
import type { HsaSelectOptions, OpName, SsmOptions } from "../../backends/backend.ts";
import { type InputSpec, type OpCase, rand } from "./parity.ts";

/** A float input of `shape`, uniform in [lo, hi). */
function f(shape: number[], key: (string | number)[], lo = -1, hi = 1): InputSpec {
  return { shape, data: rand(shape.reduce((a, b) => a * b, 1), key, lo, hi) };
}

/** `n` integers uniform in [lo, hi). */
function ints(n: number, key: (string | number)[], lo: number, hi: number): Int32Array {
  return Int32Array.from(rand(n, key, 0, 1), (u) => lo + Math.min(hi - lo - 1, Math.floor(u * (hi - lo))));
}

function embedding(): OpCase[] {
  return ([[50, 37, 20], [256, 256, 1], [7, 5, 0]] as const).map(([V, d, T]) => {
    const name = `V=${V} d=${d} T=${T}`;
    const ids = ints(T, ["embedding", name, "ids"], 0, V);
    if (T > 2) ids[0] = 0, ids[1] = V - 1;
    return {
      op: "embedding",
      name,
      inputs: { table: f([V, d], ["embedding", name, "table"]) },
      run: (b, x) => ({ y: b.ops.embedding(x.table, ids) }),
    };
  });
}

function rmsNorm(): OpCase[] {
  const cases: [number, number, number, number, number][] = [
    [7, 96, 96, 1e-5, 1],
    [7, 96, 32, 1e-5, 1],
    [1, 1000, 1000, 1e-6, 1],
    [33, 64, 64, 1e-6, 100],
    [4, 6, 1, 1e-5, 1],
  ];
  return cases.map(([T, C, G, eps, scale]) => {
    const name = `[${T}, ${C}] G=${G} scale=${scale}`;
    return {
      op: "rmsNorm",
      name,
      inputs: {
        x: f([T, C], ["rmsNorm", name, "x"], -scale, scale),
        w: f([G], ["rmsNorm", name, "w"], 0.5, 1.5),
      },
      run: (b, x) => ({ y: b.ops.rmsNorm(x.x, x.w, eps) }),
    };
  });
}

function gatedRmsNorm(): OpCase[] {
  return ([[5, 257], [1, 64], [64, 512]] as const).map(([T, C]) => {
    const name = `[${T}, ${C}]`;
    return {
      op: "gatedRmsNorm",
      name,
      inputs: {
        x: f([T, C], ["gatedRmsNorm", name, "x"]),
        z: f([T, C], ["gatedRmsNorm", name, "z"], -4, 4),
        w: f([C], ["gatedRmsNorm", name, "w"], 0.5, 1.5),
      },
      run: (b, x) => ({ y: b.ops.gatedRmsNorm(x.x, x.z, x.w, 1e-5) }),
    };
  });
}

/** (T, in, out, bias): GEMV rows 1..8, the tile kernels from 9, odd and aligned sizes. */
export const LINEAR_SHAPES: [number, number, number, boolean][] = [
  [1, 64, 33, false],
  [3, 100, 70, true],
  [8, 256, 96, false],
  [9, 48, 40, true],
  [77, 130, 67, false],
  [200, 256, 520, true],
  [64, 512, 256, false],
  [5, 7, 3, true],
  [130, 480, 256, false],
];

/** Linear cases (exported: the linear test runs them once per GEMM engine). */
export function linearCases(): OpCase[] {
  return LINEAR_SHAPES.map(([T, I, O, bias]) => {
    const name = `T=${T} in=${I} out=${O}${bias ? " bias" : ""}`;
    const inputs: Record<string, InputSpec> = {
      x: f([T, I], ["linear", name, "x"]),
      w: f([O, I], ["linear", name, "w"]),
    };
    if (bias) inputs.bias = f([O], ["linear", name, "bias"]);
    return {
      op: "linear",
      name,
      inputs,
      run: (b, x) => ({ y: b.ops.linear(x.x, x.w, x.bias) }),
    };
  });
}

function elementwise(): OpCase[] {
  const shapes = [[3, 5, 7], [1000], [0, 4]];
  const out: OpCase[] = [];
  for (const s of shapes) {
    const name = `[${s}]`;
    for (const op of ["add", "mul"] as const) {
      out.push({
        op,
        name,
        inputs: { a: f(s, [op, name, "a"], -3, 3), b: f(s, [op, name, "b"], -3, 3) },
        run: (b, x) => ({ y: b.ops[op](x.a, x.b) }),
      });
    }
    out.push({
      op: "silu",
      name,
      inputs: { x: f(s, ["silu", name, "x"], -30, 30) },
      run: (b, x) => ({ y: b.ops.silu(x.x) }),
    });
  }
  return out;
}

function sliceCols(): OpCase[] {
  return ([[7, 20], [0, 50], [49, 1], [10, 0]] as const).map(([start, width]) => {
    const name = `[9, 50] cols ${start}+${width}`;
    return {
      op: "sliceCols",
      name,
      inputs: { x: f([9, 50], ["sliceCols", name, "x"]) },
      run: (b, x) => ({ y: b.ops.sliceCols(x.x, start, width) }),
    };
  });
}

function copyRows(): OpCase[] {
  return [
    {
      op: "copyRows",
      name: "5 rows src 2 → dst 3",
      inputs: { dst: f([10, 6], ["copyRows", "a", "dst"]), src: f([8, 6], ["copyRows", "a", "src"]) },
      run: (b, x) => (b.ops.copyRows(x.dst, 3, x.src, 2, 5), { dst: x.dst }),
    },
    {
      op: "copyRows",
      name: "overlapping rows of one tensor",
      inputs: { dst: f([12, 6], ["copyRows", "b", "dst"]) },
      run: (b, x) => (b.ops.copyRows(x.dst, 3, x.dst, 1, 5), { dst: x.dst }),
    },
    {
      op: "copyRows",
      name: "i32",
      inputs: {
        dst: { shape: [5, 3], data: ints(15, ["copyRows", "c", "dst"], -100, 100), i32: true },
        src: { shape: [5, 3], data: ints(15, ["copyRows", "c", "src"], -100, 100), i32: true },
      },
      run: (b, x) => (b.ops.copyRows(x.dst, 0, x.src, 3, 2), { dst: x.dst }),
    },
    {
      op: "copyRows",
      name: "n = 0",
      inputs: { dst: f([4, 2], ["copyRows", "d", "dst"]), src: f([4, 2], ["copyRows", "d", "src"]) },
      run: (b, x) => (b.ops.copyRows(x.dst, 4, x.src, 4, 0), { dst: x.dst }),
    },
  ];
}

function causalConv1d(): OpCase[] {
  return ([[1, 40, 4], [3, 70, 4], [50, 33, 4], [20, 16, 1], [10, 24, 2], [300, 576, 4]] as const).map(
    ([T, C, K]) => {
      const name = `T=${T} C=${C} K=${K}`;
      return {
        op: "causalConv1d",
        name,
        inputs: {
          x: f([T, C], ["causalConv1d", name, "x"], -2, 2),
          w: f([C, K], ["causalConv1d", name, "w"], -0.5, 0.5),
          bias: f([C], ["causalConv1d", name, "bias"], -0.5, 0.5),
          state: f([K - 1, C], ["causalConv1d", name, "state"], -2, 2),
        },
        run: (b, x) => ({ u: b.ops.causalConv1d(x.x, x.w, x.bias, x.state), state: x.state }),
      };
    },
  );
}

function ssmInputs(op: string, name: string, T: number, o: SsmOptions): Record<string, InputSpec> {
  const { heads: H, headDim: P, groups: G, stateSize: N } = o;
  return {
    x: f([T, H * P], [op, name, "x"]),
    dtRaw: f([T, H], [op, name, "dtRaw"], -3, 1),
    aLog: f([H], [op, name, "aLog"], 0, Math.log(8)),
    b: f([T, G * N], [op, name, "b"]),
    c: f([T, G * N], [op, name, "c"]),
    d: f([H], [op, name, "d"]),
    dtBias: f([H], [op, name, "dtBias"], -4, -1),
    state: f([H, P * N], [op, name, "state"]),
  };
}

function ssm(op: "ssdScan" | "ssmStep"): OpCase[] {
  const shapes: [number, number, number, number, number, number, [number, number]][] = op === "ssdScan"
    ? [
      [1, 2, 8, 1, 16, 64, [0, Infinity]],
      [63, 4, 16, 2, 8, 16, [0, Infinity]],
      [64, 2, 32, 1, 32, 64, [0, Infinity]],
      [150, 4, 16, 1, 16, 256, [0, Infinity]],
      [300, 8, 64, 1, 64, 64, [0, Infinity]],
      [130, 3, 5, 3, 7, 32, [0.01, 0.5]],
    ]
    : [
      [1, 8, 64, 1, 64, 64, [0, Infinity]],
      [1, 4, 16, 2, 8, 64, [0, Infinity]],
      [3, 2, 8, 1, 16, 64, [0, Infinity]],
      [1, 2, 8, 1, 200, 64, [0, Infinity]],
      [1, 3, 5, 1, 33, 64, [0.01, 0.5]],
    ];
  return shapes.map(([T, H, P, G, N, chunk, dtLimit]) => {
    const name = `T=${T} H=${H} P=${P} G=${G} N=${N} Q=${chunk}${dtLimit[0] > 0 ? " clamped" : ""}`;
    const o: SsmOptions = { heads: H, headDim: P, groups: G, stateSize: N, chunk, dtLimit };
    return {
      op,
      name,
      inputs: ssmInputs(op, name, T, o),
      run: (b, x) => ({
        y: b.ops[op](x.x, x.dtRaw, x.aLog, x.b, x.c, x.d, x.dtBias, x.state, o),
        state: x.state,
      }),
    };
  });
}

function rope(): OpCase[] {
  const cases: [number, number, number, number, number][] = [
    [1, 4, 64, 0, 10000],
    [17, 3, 32, 1000, 10000],
    [5, 2, 128, 1000000, 10000],
    [9, 1, 2, 5, 500000],
    [40, 4, 64, 65000, 1e6],
  ];
  return cases.map(([T, H, D, start, theta]) => {
    const name = `T=${T} H=${H} D=${D} pos=${start} theta=${theta}`;
    return {
      op: "rope",
      name,
      inputs: { x: f([T, H * D], ["rope", name, "x"]) },
      run: (b, x) => ({ y: b.ops.rope(x.x, H, D, start, theta) }),
    };
  });
}

function attention(): OpCase[] {
  // (T, Hq, Hkv, D, pastLen, cap, window)
  const cases: [number, number, number, number, number, number, number][] = [
    [1, 4, 4, 64, 0, 8, 0],
    [1, 4, 2, 64, 300, 512, 0],
    [1, 4, 1, 32, 300, 80, 64],
    [37, 4, 2, 64, 0, 64, 0],
    [40, 2, 1, 64, 100, 160, 0],
    [50, 4, 4, 32, 130, 90, 40],
    [200, 4, 4, 64, 0, 256, 0],
    [1, 4, 4, 64, 5000, 5001, 0],
    [3, 2, 2, 128, 3000, 3003, 0],
    [2, 4, 4, 64, 4000, 1100, 1024],
    [5, 2, 2, 8, 20, 32, 0],
    [1, 1, 1, 256, 600, 600, 0],
  ];
  return cases.map(([T, Hq, Hkv, D, past, cap, W]) => {
    const name = `T=${T} Hq=${Hq} Hkv=${Hkv} D=${D} past=${past} cap=${cap} W=${W}`;
    const key = (k: string) => ["attention", name, k];
    return {
      op: "attention",
      name,
      inputs: {
        q: f([T, Hq * D], key("q"), -2, 2),
        k: f([T, Hkv * D], key("k"), -2, 2),
        v: f([T, Hkv * D], key("v")),
        cacheK: f([cap, Hkv * D], key("cacheK"), -2, 2),
        cacheV: f([cap, Hkv * D], key("cacheV")),
      },
      run: (b, x) => ({
        y: b.ops.attention(x.q, x.k, x.v, x.cacheK, x.cacheV, {
          pastLen: past,
          heads: Hq,
          kvHeads: Hkv,
          headDim: D,
          window: W,
        }),
      }),
    };
  });
}

function cacheWrite(): OpCase[] {
  return ([[4, 8], [15, 3], [0, 5]] as const).map(([T, past]) => {
    const name = `cap=10 T=${T} past=${past}`;
    return {
      op: "cacheWrite",
      name,
      inputs: {
        cache: f([10, 6], ["cacheWrite", name, "cache"]),
        rows: f([T, 6], ["cacheWrite", name, "rows"]),
      },
      run: (b, x) => (b.ops.cacheWrite(x.cache, x.rows, past), { cache: x.cache }),
    };
  });
}

function chunkEncode(): OpCase[] {
  return ([[1, 4, 16, 8, 12], [5, 64, 256, 64, 64], [3, 16, 100, 30, 50], [2, 8, 9, 1, 1]] as const).map(
    ([n, S, d, kv, dr]) => {
      const name = `n=${n} S=${S} d=${d} kv=${kv} dr=${dr}`;
      const key = (k: string) => ["chunkEncode", name, k];
      return {
        op: "chunkEncode",
        name,
        inputs: {
          e: f([n * S, d], key("e"), -2, 2),
          wk: f([kv, d], key("wk")),
          wv: f([kv, d], key("wv")),
          wLmk: f([dr, d], key("wLmk")),
        },
        run: (b, x) => {
          const r = b.ops.chunkEncode(x.e, x.wk, x.wv, x.wLmk, S);
          return { keys: r.keys, values: r.values, landmarks: r.landmarks };
        },
      };
    },
  );
}

function hsaSelect(): OpCase[] {
  // (T, dim, kvHeads, landmark rows, numChunks, startPos, S, K, window)
  const cases: [number, number, number, number, number, number, number, number, number][] = [
    [40, 16, 2, 10, 8, 5, 4, 3, 0],
    [40, 16, 2, 10, 8, 5, 4, 3, 6],
    [40, 16, 2, 10, 10, 0, 4, 3, 9],
    [40, 16, 1, 10, 10, 20, 4, 12, 0],
    [40, 16, 4, 3, 3, 30, 2, 1, 0],
    [6, 64, 1, 5, 0, 100, 64, 8, 0],
    [1, 64, 1, 3000, 3000, 200000, 64, 8, 0],
    [8, 64, 1, 600, 600, 40000, 64, 8, 0],
    [9, 64, 1, 600, 600, 40000, 64, 8, 0],
    [100, 32, 1, 420, 400, 30000, 64, 8, 0],
    [130, 64, 2, 50, 40, 0, 16, 8, 0],
    [70, 64, 1, 40, 40, 2000, 64, 8, 512],
  ];
  return cases.map(([T, dim, Hkv, rows, numChunks, startPos, S, K, W]) => {
    const name =
      `T=${T} dim=${dim} Hkv=${Hkv} chunks=${numChunks}/${rows} start=${startPos} S=${S} K=${K} W=${W}`;
    const opts: HsaSelectOptions = { numChunks, startPos, chunkSize: S, topK: K, kvHeads: Hkv, window: W };
    const lmk = f([rows, dim], ["hsaSelect", name, "landmarks"]);
    // Rows past numChunks hold garbage that would win every comparison if it were read.
    (lmk.data as Float64Array).fill(1000, numChunks * dim);
    return {
      op: "hsaSelect",
      name,
      inputs: { qr: f([T, dim], ["hsaSelect", name, "qr"]), landmarks: lmk },
      run: (b, x) => {
        const r = b.ops.hsaSelect(x.qr, x.landmarks, opts);
        return { indices: r.indices, scores: r.scores };
      },
      select: { indices: "indices", scores: "scores", qr: "qr", landmarks: "landmarks", opts },
    };
  });
}

function chunkWeights(): OpCase[] {
  const T = 7, Hkv = 2, K = 5;
  const out: OpCase[] = [];
  for (const mode of ["stick_breaking", "softmax"] as const) {
    const name = `[${T}, ${Hkv}*${K}] ${mode}`;
    const s = rand(T * Hkv * K, ["chunkWeights", name, "scores"], -20, 20);
    const tails = ints(T * Hkv, ["chunkWeights", name, "tails"], 0, K + 1);
    for (let g = 0; g < T * Hkv; g++) for (let j = K - tails[g]; j < K; j++) s[g * K + j] = -Infinity;
    s[2] = -Infinity; // one gap inside a group
    out.push({
      op: "chunkWeights",
      name,
      inputs: { scores: { shape: [T, Hkv * K], data: s } },
      run: (b, x) => ({ w: b.ops.chunkWeights(x.scores, { topK: K, mode }) }),
    });
  }
  return out;
}

function hsaAttention(): OpCase[] {
  // (T, Hq, Hkv, D, S, K, chunks in memory, extra rows, off by one)
  const cases: [number, number, number, number, number, number, number, number, boolean][] = [
    [9, 4, 2, 32, 16, 3, 10, 5, false],
    [9, 4, 2, 32, 16, 3, 10, 0, true],
    [12, 4, 1, 64, 64, 8, 12, 0, false],
    [3, 2, 1, 16, 40, 2, 3, 0, true],
    // The CUDA kernel's other paths: 16 query heads per kv head (G·D > 512: the warp-per-head kernel), and
    // head dims that rule out 16-byte staging loads (D = 12: bf16 element loads; D = 6: both dtypes).
    [5, 16, 1, 64, 16, 3, 6, 0, false],
    [7, 4, 2, 12, 16, 2, 5, 3, false],
    [6, 2, 1, 6, 8, 3, 4, 0, true],
  ];
  return cases.map(([T, Hq, Hkv, D, S, K, chunks, extra, offByOne]) => {
    const name = `T=${T} Hq=${Hq} Hkv=${Hkv} D=${D} S=${S} K=${K} chunks=${chunks}${offByOne ? " +1" : ""}`;
    const key = (k: string) => ["hsaAttention", name, k];
    const idx = ints(T * Hkv * K, key("indices"), -1, chunks); // -1 about 1 in (chunks+1)
    const w = rand(T * Hkv * K, key("weights"), 0, 1);
    const zero = rand(T * Hkv * K, key("zero"), 0, 1);
    for (let i = 0; i < w.length; i++) if (zero[i] < 0.1) w[i] = 0;
    const memRows = chunks * S + extra;
    return {
      op: "hsaAttention",
      name,
      inputs: {
        q: f([T, Hq * D], key("q"), -2, 2),
        memK: f([memRows, Hkv * D], key("memK"), -2, 2),
        memV: f([memRows, Hkv * D], key("memV")),
        indices: { shape: [T, Hkv * K], data: idx, i32: true },
        weights: { shape: [T, Hkv * K], data: w },
      },
      run: (b, x) => ({
        y: b.ops.hsaAttention(x.q, x.memK, x.memV, x.indices, x.weights, {
          heads: Hq,
          kvHeads: Hkv,
          headDim: D,
          chunkSize: S,
          topK: K,
          softmaxOffByOne: offByOne,
        }),
      }),
    };
  });
}

function targetLogProbs(): OpCase[] {
  // (T, V, logits in [lo, hi), targets): "host" ids or an i32 "tensor", uniform in [0, V); "peak": each
  // row's target logit raised to hi + 24 (p ≈ 1, log p ≈ −1e-8: the log1p path); "ties": integer logits.
  const cases: [number, number, number, number, "host" | "tensor" | "peak" | "ties"][] = [
    [1, 256, -1, 1, "host"],
    [37, 256, -8, 8, "host"],
    [300, 256, -4, 4, "tensor"],
    [9, 33, -2, 2, "host"],
    [4, 7, -2, 2, "tensor"],
    [5, 50000, -20, 20, "host"],
    [16, 256, 990, 1010, "host"], // e^990 overflows every float: only the max subtracted saves it
    [16, 256, -1000, 1000, "host"], // all but a few terms underflow to 0
    [20, 256, -1, 1, "peak"],
    [12, 64, -3, 4, "ties"],
    [0, 256, -1, 1, "host"],
  ];
  return cases.map(([T, V, lo, hi, kind]): OpCase => {
    const name = `T=${T} V=${V} logits in [${lo}, ${hi}) ${kind}`;
    const key = (k: string) => ["targetLogProbs", name, k];
    const targets = ints(T, key("targets"), 0, V);
    const logits: InputSpec = kind === "ties"
      ? { shape: [T, V], data: Float64Array.from(ints(T * V, key("logits"), lo, hi)) }
      : f([T, V], key("logits"), lo, hi);
    if (kind === "peak") { for (let t = 0; t < T; t++) logits.data[t * V + targets[t]] = hi + 24; }
    if (kind === "tensor") {
      return {
        op: "targetLogProbs",
        name,
        inputs: { logits, targets: { shape: [T], data: targets, i32: true } },
        run: (b, x) => ({ y: b.ops.targetLogProbs(x.logits, x.targets) }),
      };
    }
    return {
      op: "targetLogProbs",
      name,
      inputs: { logits },
      run: (b, x) => ({ y: b.ops.targetLogProbs(x.logits, targets) }),
    };
  });
}

/** Every case of every op (linear: see {@link linearCases}), grouped by op. */
export function opCases(): Record<OpName, OpCase[]> {
  const el = elementwise();
  return {
    embedding: embedding(),
    rmsNorm: rmsNorm(),
    gatedRmsNorm: gatedRmsNorm(),
    linear: linearCases(),
    add: el.filter((c) => c.op === "add"),
    mul: el.filter((c) => c.op === "mul"),
    silu: el.filter((c) => c.op === "silu"),
    sliceCols: sliceCols(),
    copyRows: copyRows(),
    causalConv1d: causalConv1d(),
    ssdScan: ssm("ssdScan"),
    ssmStep: ssm("ssmStep"),
    rope: rope(),
    attention: attention(),
    cacheWrite: cacheWrite(),
    chunkEncode: chunkEncode(),
    hsaSelect: hsaSelect(),
    chunkWeights: chunkWeights(),
    hsaAttention: hsaAttention(),
    targetLogProbs: targetLogProbs(),
  };
}
