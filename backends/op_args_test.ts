import assert from "node:assert/strict";
import type { DType, Tensor } from "./backend.ts";
import { attentionArgs, hsaAttentionArgs, hsaSelectArgs, ssmArgs, targetLogProbsArgs } from "./op_args.ts";

/** A bare shape and dtype, no storage: the rules must need nothing else. */
function t(shape: number[], dtype: DType = "f32"): Tensor {
  return { shape, dtype };
}

Deno.test("attentionArgs resolves the sizes from shapes alone", () => {
  const opts = { pastLen: 5, heads: 4, kvHeads: 2, headDim: 8, window: 3 };
  const tensors = { q: t([2, 32]), k: t([2, 16]), v: t([2, 16]), cacheK: t([3, 16]), cacheV: t([3, 16]) };
  const got = attentionArgs(tensors, opts);
  assert.deepEqual(got, { T: 2, Hq: 4, Hkv: 2, D: 8, past: 5, W: 3, cap: 3, G: 2 });
  assert.throws(
    () => attentionArgs({ ...tensors, cacheK: t([2, 16]), cacheV: t([2, 16]) }, opts),
    { message: "attention: cacheK has 2 rows, expected at least 3 (pastLen = 5, window = 3)" },
  );
  assert.throws(
    () => attentionArgs(tensors, { ...opts, kvHeads: 3 }),
    { message: "attention: opts.heads = 4 is not a multiple of opts.kvHeads = 3" },
  );
});

Deno.test("ssmArgs checks options before tensors and names each tensor", () => {
  const opts = { heads: 4, headDim: 2, groups: 2, stateSize: 3, chunk: 8, dtLimit: [0, Infinity] as const };
  const ok = {
    x: t([5, 8]),
    dtRaw: t([5, 4]),
    aLog: t([4]),
    b: t([5, 6]),
    c: t([5, 6]),
    d: t([4]),
    dtBias: t([4]),
    state: t([4, 6]),
  };
  const got = ssmArgs("ssdScan", ok, opts);
  assert.deepEqual(got, {
    T: 5,
    H: 4,
    P: 2,
    G: 2,
    N: 3,
    headsPerGroup: 2,
    chunk: 8,
    dtMin: 0,
    dtMax: Infinity,
  });
  assert.throws(
    () => ssmArgs("ssmStep", { ...ok, dtBias: t([5]) }, opts),
    { message: "ssmStep: dtBias has shape [5], expected [4] ([heads])" },
  );
  assert.throws(
    () => ssmArgs("ssdScan", { ...ok, x: t([1]) }, { ...opts, dtLimit: [1, 0] }),
    { message: "ssdScan: opts.dtLimit = [1, 0] is not an interval [min, max]" },
  );
});

Deno.test("index tensors must be i32 on every backend; float dtypes are the backend's rule", () => {
  const opts = { heads: 2, kvHeads: 1, headDim: 2, chunkSize: 2, topK: 2, softmaxOffByOne: false };
  const mem = { q: t([3, 4]), memK: t([6, 2]), memV: t([6, 2]) };
  assert.deepEqual(
    hsaAttentionArgs({ ...mem, indices: t([3, 2], "i32"), weights: t([3, 2], "bf16") }, opts),
    { T: 3, Hq: 2, Hkv: 1, D: 2, S: 2, K: 2, capT: 6, G: 2 },
  );
  assert.throws(
    () => hsaAttentionArgs({ ...mem, indices: t([3, 2]), weights: t([3, 2]) }, opts),
    { message: "hsaAttention: indices has dtype f32, expected i32" },
  );
  assert.throws(
    () => targetLogProbsArgs(t([2, 3]), t([2], "f64")),
    { message: "targetLogProbs: targets has dtype f64, expected i32" },
  );
  assert.throws(
    () => targetLogProbsArgs(t([2, 3]), Int32Array.of(0, 3)),
    { message: "targetLogProbs: targets[1] = 3 is outside [0, 3) (V = logits.shape[1])" },
  );
});

Deno.test("hsaSelectArgs refuses a query of zero width (dr = 0 would make every score NaN)", () => {
  const opts = { numChunks: 2, startPos: 0, chunkSize: 2, topK: 1, kvHeads: 1, window: 0 };
  assert.equal(hsaSelectArgs(t([3, 4]), t([2, 4]), opts).dr, 4);
  assert.throws(
    () => hsaSelectArgs(t([3, 0]), t([2, 0]), opts),
    { message: "hsaSelect: qr has 0 columns, expected kvHeads*dr with dr >= 1" },
  );
});
