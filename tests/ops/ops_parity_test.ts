/**
 * CUDA parity of every op, f32 and bf16, against the reference: fresh random inputs from the run's seed
 * (printed; OPS_SEED=n replays), the relative rule of tolerances.ts against the reference that rounds at
 * the same points, HSA selections as sets with near-ties flagged. linear runs once per GEMM engine (our
 * kernels, and cuBLAS where it loaded). Skips, saying why, where the CUDA backend is unavailable.
 */
import assert from "node:assert/strict";
import { OP_NAMES } from "../../backends/backend.ts";
import { CudaBackend, cudaFactory } from "../../backends/cuda/mod.ts";
import { linearCases, opCases } from "./op_cases.ts";
import {
  assertVerdicts,
  judge,
  type OpCase,
  type Outputs,
  report,
  runCase,
  SEED,
  type Verdict,
} from "./parity.ts";
import { RoundingReference } from "./rounding_reference.ts";
import type { LowPrecision } from "./tolerances.ts";

const probe = await cudaFactory.probe();
const skip = !probe.available;
if (skip) console.log(`Skipping the CUDA op parity tests: ${probe.reason}`);
else console.log(`CUDA op parity on ${probe.reason}; seed OPS_SEED=${SEED}`);

const PRECISIONS: LowPrecision[] = ["f32", "bf16"];
const cuda = skip ? null : { f32: CudaBackend.create("f32"), bf16: CudaBackend.create("bf16") };
const cublas = cuda !== null && cuda.f32.gemmEngine.startsWith("cuBLAS");
if (cuda && !cublas) console.log("cuBLAS did not load: the cuBLAS linear tests are skipped");
const truth = new RoundingReference("f64");
const refs = { f32: new RoundingReference("f32"), bf16: new RoundingReference("bf16") };
const truthCache = new Map<OpCase, Outputs>();

async function check(test: string, cases: OpCase[], p: LowPrecision): Promise<Verdict[]> {
  const out: Verdict[] = [];
  for (const c of cases) {
    let t = truthCache.get(c);
    if (!t) truthCache.set(c, t = await runCase(truth, c));
    const inputs64 = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, v.data]));
    out.push(...judge(test, c, p, await runCase(cuda![p], c), await runCase(refs[p], c), t, inputs64));
  }
  return out;
}

const all = opCases();
const linear = linearCases();
for (const op of OP_NAMES) {
  for (const p of PRECISIONS) {
    if (op === "linear") {
      for (const engine of ["own", "cublas"] as const) {
        const name = `cuda parity: linear on ${engine === "own" ? "our kernels" : "cuBLAS"} (${p})`;
        Deno.test({
          name,
          ignore: skip || (engine === "cublas" && !cublas),
          fn: async () => {
            cuda![p].setGemm(engine);
            try {
              const v = await check(name, linear, p);
              report(v);
              assertVerdicts(v);
            } finally {
              cuda![p].setGemm("auto");
            }
          },
        });
      }
      continue;
    }
    const name = `cuda parity: ${op} (${p})`;
    Deno.test({
      name,
      ignore: skip,
      fn: async () => {
        const v = await check(name, all[op], p);
        report(v);
        assertVerdicts(v);
      },
    });
  }
}

Deno.test({
  name: "cuda: targetLogProbs refuses bad host targets as the reference does; a device tensor's give NaN",
  ignore: skip,
  fn: async () => {
    const b = cuda!.f32;
    const logits = b.upload(new Float64Array([0, 1, 2, 3, 4, 5]), [2, 3]);
    assert.throws(
      () => b.ops.targetLogProbs(logits, new Int32Array([0, 3])),
      /targetLogProbs: targets\[1\] = 3 is outside \[0, 3\) \(V = logits.shape\[1\]\)/,
    );
    assert.throws(
      () => b.ops.targetLogProbs(logits, new Int32Array([0])),
      /targetLogProbs: targets has 1 elements, expected 2 \(T = logits.shape\[0\]\)/,
    );
    const targets = b.upload(new Int32Array([1, 7]), [2], "i32");
    const y = b.ops.targetLogProbs(logits, targets);
    const got = await b.download(y);
    assert.ok(Math.abs(got[0] - (-1 - Math.log1p(Math.exp(-1) + Math.exp(-2)))) < 1e-6, `${got[0]}`);
    assert.ok(Number.isNaN(got[1]), `${got[1]}`);
    for (const t of [logits, targets, y]) b.dispose(t);
  },
});
