import assert from "node:assert/strict";
import type { SsmOptions } from "../backend.ts";
import type { ReferenceBackend } from "./reference_backend.ts";
import { assertClose, f64, randomArray } from "./test_helpers.ts";

const H = 4, P = 3, G = 2, N = 5, T = 13;
const base: Omit<SsmOptions, "chunk"> = {
  heads: H,
  headDim: P,
  groups: G,
  stateSize: N,
  dtLimit: [0.05, 1.5],
};

/** Random inputs of one T-token segment; rows [a, b) of the per-token tensors as tensors. */
function inputs(be: ReferenceBackend) {
  const x = randomArray(T * H * P, 21), dt = randomArray(T * H, 22, -4, 2);
  const b = randomArray(T * G * N, 23), c = randomArray(T * G * N, 24);
  const params = {
    aLog: be.upload(randomArray(H, 25, -1, 1.5), [H]),
    d: be.upload(randomArray(H, 26), [H]),
    dtBias: be.upload(randomArray(H, 27, -1, 1), [H]),
  };
  const rows = (a: number, z: number) => ({
    x: be.upload(x.slice(a * H * P, z * H * P), [z - a, H * P]),
    dt: be.upload(dt.slice(a * H, z * H), [z - a, H]),
    b: be.upload(b.slice(a * G * N, z * G * N), [z - a, G * N]),
    c: be.upload(c.slice(a * G * N, z * G * N), [z - a, G * N]),
  });
  return { params, rows, state0: randomArray(H * P * N, 28) };
}

Deno.test("ssmStep matches a hand-computed single step", async () => {
  const be = f64();
  const one = (v: number) => be.upload(new Float64Array([v]), [1, 1]);
  const state = be.upload(new Float64Array([0.5]), [1, 1]);
  const opts = { heads: 1, headDim: 1, groups: 1, stateSize: 1, chunk: 1, dtLimit: [0, Infinity] as const };
  // dt = softplus(0.5413248546 + 0) = 1, A = −exp(0) = −1: s = e^-1·0.5 + 1·2·3, y = 0.5·s + 0.1·2.
  const y = be.ops.ssmStep(
    one(2),
    one(0.541324854612918),
    be.upload(new Float64Array([0]), [1]),
    one(3),
    one(0.5),
    be.upload(new Float64Array([0.1]), [1]),
    be.upload(new Float64Array([0]), [1]),
    state,
    opts,
  );
  assertClose(await be.download(y), [3.291969860292861], 1e-14);
  assertClose(await be.download(state), [6.183939720585721], 1e-14);
});

Deno.test("ssdScan over segments equals repeated ssmStep to 1e-12 for any chunk length", async () => {
  const be = f64();
  const { params, rows, state0 } = inputs(be);
  const { aLog, d, dtBias } = params;
  // Definition: one ssmStep per token from a nonzero state.
  const stepState = be.upload(state0, [H, P * N]);
  const expected: number[] = [];
  for (let t = 0; t < T; t++) {
    const r = rows(t, t + 1);
    const y = be.ops.ssmStep(r.x, r.dt, aLog, r.b, r.c, d, dtBias, stepState, { ...base, chunk: 1 });
    expected.push(...await be.download(y));
  }
  const expectedState = await be.download(stepState);
  // Chunked: segments [0, 6) and [6, 13) (T not a multiple of most chunk lengths).
  for (const chunk of [1, 3, 4, 5, 7, 13, 64]) {
    const state = be.upload(state0, [H, P * N]);
    const got: number[] = [];
    for (const [a, z] of [[0, 6], [6, 13]]) {
      const r = rows(a, z);
      const y = be.ops.ssdScan(r.x, r.dt, aLog, r.b, r.c, d, dtBias, state, { ...base, chunk });
      assert.deepEqual(y.shape, [z - a, H * P]);
      got.push(...await be.download(y));
    }
    assertClose(got, expected, 1e-12, `ssdScan y (chunk ${chunk})`);
    assertClose(await be.download(state), expectedState, 1e-12, `ssdScan state (chunk ${chunk})`);
  }
  // The state really moved and the D skip matters (guards against a test that cannot fail).
  assert.ok(Math.abs(expectedState[0] - state0[0]) > 1e-3);
});

Deno.test("ssmStep over a multi-token input runs the recurrence token by token", async () => {
  const be = f64();
  const { params: { aLog, d, dtBias }, rows, state0 } = inputs(be);
  const s1 = be.upload(state0, [H, P * N]), s2 = be.upload(state0, [H, P * N]);
  const r = rows(0, T);
  const whole = await be.download(
    be.ops.ssmStep(r.x, r.dt, aLog, r.b, r.c, d, dtBias, s1, { ...base, chunk: 1 }),
  );
  const scan = await be.download(
    be.ops.ssdScan(r.x, r.dt, aLog, r.b, r.c, d, dtBias, s2, { ...base, chunk: 4 }),
  );
  assertClose(whole, scan, 1e-12);
});

Deno.test("ssdScan names the bad argument", () => {
  const be = f64();
  const { params: { aLog, d, dtBias }, rows } = inputs(be);
  const r = rows(0, 4);
  const opts = { ...base, chunk: 2 };
  assert.throws(
    () => be.ops.ssdScan(r.x, r.dt, aLog, r.b, r.c, d, dtBias, be.zeros([H, P * N + 1]), opts),
    /ssdScan: state has shape \[4, 16\], expected \[4, 15\] \(\[heads, headDim\*stateSize\]\)/,
  );
  assert.throws(
    () => be.ops.ssdScan(r.x, r.dt, aLog, r.c, be.zeros([4, 3]), d, dtBias, be.zeros([H, P * N]), opts),
    /ssdScan: c has shape \[4, 3\], expected \[4, 10\]/,
  );
  assert.throws(
    () => be.ops.ssmStep(r.x, r.dt, aLog, r.b, r.c, d, dtBias, be.zeros([H, P * N]), { ...opts, groups: 3 }),
    /ssmStep: opts.heads = 4 is not a multiple of opts.groups = 3/,
  );
});
