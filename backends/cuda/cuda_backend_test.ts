/**
 * The CUDA backend's own behaviour on a GPU: exact host conversions (bf16 rounding once, from f64),
 * exact byte accounting, OOM as OutOfMemoryError with nothing leaked, errors that name the tensor like
 * the reference's, top-k ties going to the newer chunk (also across decode splits), bad HSA indices
 * reported at the next sync, event timing. Skips, saying why, where the backend is unavailable.
 */
import assert from "node:assert/strict";
import { OutOfMemoryError } from "../backend.ts";
import { ReferenceBackend } from "../reference/mod.ts";
import { bf16ToF32, f32ToBf16 } from "../../models/dtype.ts";
import { CudaBackend, cudaFactory } from "./mod.ts";

const probe = await cudaFactory.probe();
const skip = !probe.available;
if (skip) console.log(`Skipping the CUDA backend tests: ${probe.reason}`);
const be = skip ? null : { f32: CudaBackend.create("f32"), bf16: CudaBackend.create("bf16") };

function test(name: string, fn: (b: { f32: CudaBackend; bf16: CudaBackend }) => Promise<void> | void) {
  Deno.test({ name: `cuda: ${name}`, ignore: skip, fn: () => fn(be!) });
}

test("uploads round once to bf16 (ties to even, from f64) and download is exact", async ({ f32, bf16 }) => {
  const v = new Float64Array([
    1,
    1 + 2 ** -8, // tie → 1
    1 + 3 * 2 ** -8, // tie → up (even)
    1 + 2 ** -8 + 2 ** -40, // just above a tie: up, though f32 rounding lands on the tie
    -2.5,
    1e-40, // subnormal
    3.4e38, // rounds to Infinity in bf16
    -Infinity,
    0.1,
  ]);
  const got = await bf16.download(bf16.upload(v, [v.length]));
  assert.deepEqual([...got], [...v].map((x) => bf16ToF32(f32ToBf16(x))));
  const got32 = await f32.download(f32.upload(v, [v.length]));
  assert.deepEqual([...got32], [...Float32Array.from(v)]);
  const ids = await f32.download(f32.upload(new Float64Array([3, -7]), [2], "i32"));
  assert.deepEqual(ids, Int32Array.of(3, -7));
});

test("memory counts every tensor's bytes exactly, with peak and reset", ({ bf16 }) => {
  const m0 = bf16.memory();
  const a = bf16.zeros([100, 7]);
  const b = bf16.zeros([3], "i32");
  assert.equal(bf16.memory().currentBytes - m0.currentBytes, 100 * 7 * 2 + 3 * 4);
  bf16.dispose(a);
  assert.equal(bf16.memory().currentBytes - m0.currentBytes, 12);
  assert.ok(bf16.memory().peakBytes >= m0.currentBytes + 1412);
  bf16.resetPeak();
  assert.equal(bf16.memory().peakBytes, bf16.memory().currentBytes);
  assert.ok((bf16.memory().deviceUsedBytes ?? 0) > 0);
  bf16.dispose(b);
  assert.throws(() => bf16.dispose(b), /Tensor used after dispose/);
});

test("an impossible allocation is an OutOfMemoryError and leaks nothing", ({ f32 }) => {
  const before = f32.memory().currentBytes;
  assert.throws(() => f32.zeros([2 ** 20, 2 ** 20]), OutOfMemoryError); // 4 TiB
  assert.equal(f32.memory().currentBytes, before);
  const x = f32.zeros([4, 4]); // still usable afterwards
  f32.dispose(x);
});

test("shape errors name the tensor exactly as the reference does", () => {
  const ref = new ReferenceBackend("f32");
  const c = be!.f32;
  const msg = (b: CudaBackend | ReferenceBackend) => {
    try {
      b.ops.linear(b.zeros([3, 8]), b.zeros([5, 7]));
    } catch (e) {
      return (e as Error).message;
    }
    return "no error";
  };
  assert.equal(msg(c), msg(ref));
  assert.match(msg(c), /linear: w has shape \[5, 7\], expected \[\*, 8\]/);
  assert.throws(
    () => c.ops.add(c.zeros([2]), be!.bf16.zeros([2])),
    /b belongs to another CUDA backend|dtype/,
  );
});

test("top-k ties go to the newer chunk, in one pass and across decode splits", async ({ f32 }) => {
  for (const [chunks, K] of [[5, 2], [3000, 8]] as const) {
    const lmk = f32.upload(new Float64Array(chunks * 4).fill(1), [chunks, 4]);
    const qr = f32.upload(new Float64Array(4).fill(1), [1, 4]);
    const r = f32.ops.hsaSelect(qr, lmk, {
      numChunks: chunks,
      startPos: chunks * 64,
      chunkSize: 64,
      topK: K,
      kvHeads: 1,
      window: 0,
    });
    const want = Array.from({ length: K }, (_, j) => chunks - 1 - j);
    assert.deepEqual([...await f32.download(r.indices)], want, `${chunks} chunks`);
    for (const t of [lmk, qr, r.indices, r.scores]) f32.dispose(t);
  }
});

test("an out-of-range HSA index is reported at the next synchronize", async ({ f32 }) => {
  const q = f32.zeros([1, 4]);
  const mem = f32.zeros([8, 4]);
  const idx = f32.upload(Int32Array.of(5), [1, 1], "i32"); // 8 rows / S = 4 → 2 chunks
  const w = f32.upload(new Float64Array([1]), [1, 1]);
  const y = f32.ops.hsaAttention(q, mem, mem, idx, w, {
    heads: 1,
    kvHeads: 1,
    headDim: 4,
    chunkSize: 4,
    topK: 1,
    softmaxOffByOne: false,
  });
  await assert.rejects(() => f32.synchronize(), /hsaAttention: an index was outside/);
  await f32.synchronize(); // reported once
  for (const t of [q, mem, idx, w, y]) f32.dispose(t);
});

test("CUDA events time a region", ({ bf16 }) => {
  const timer = bf16.createTimer();
  const x = bf16.zeros([512, 512]);
  timer.start();
  const y = bf16.ops.linear(x, x);
  timer.stop();
  const ms = timer.elapsedMs();
  assert.ok(ms >= 0 && ms < 10_000, `${ms} ms`);
  timer.dispose();
  bf16.dispose(x);
  bf16.dispose(y);
});

test("device() names the GPU and the precision; close frees everything", () => {
  const b = CudaBackend.create("bf16");
  assert.match(b.device(), /^GPU: .*sm_\d+.*, bf16$/);
  b.zeros([10]);
  b.close();
  assert.throws(() => b.zeros([1]), /used after close/);
});
