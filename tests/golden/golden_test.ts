/**
 * Golden vectors: every shipped checkpoint against the PyTorch float64 outputs that training/golden.py
 * stored in tests/golden/<model>.json (same stored bf16 weights, same inputs, the second input fed in two
 * segments), on the reference backend and, where a GPU is present, on the CUDA backend.
 * - reference f64: within 1e-8 max relative error, selection sets equal everywhere;
 * - reference f32 and cuda f32: within 1e-4, selection sets equal except at positions the fixture flags
 *   as near-ties;
 * - cuda bf16 (every op stores bf16, so hidden states carry ~2^-9 relative rounding per op): within 3e-2,
 *   and at least 97% of the non-near-tie selection sets equal (bf16 scores flip close top-k boundaries).
 * A model without a checkpoint is skipped with a message; a checkpoint without a fixture fails.
 */
import assert from "node:assert/strict";
import type { Backend, Tensor } from "../../backends/backend.ts";
import { cudaFactory } from "../../backends/cuda/mod.ts";
import { ReferenceBackend } from "../../backends/reference/mod.ts";
import { Model } from "../../models/session.ts";
import { loadModel, MODELS_DIR } from "../../models/weights.ts";

const MODELS = ["ramba-tiny", "transformer-tiny", "mamba2-tiny", "swa-hsa-tiny"];

/** A backend and precision under test, with what it must meet. */
interface Subject {
  label: string;
  create(): Promise<Backend>;
  /** Max relative error: max|y − y64| / max|y64| over the stored values. */
  tolerance: number;
  /** Whether the fixture's near-tie positions are exempt from the selection comparison. */
  exemptNearTies: boolean;
  /** Fraction of the compared (token, group) selection sets that must be equal. */
  selectionAgreement: number;
}

const cuda = await cudaFactory.probe();
if (!cuda.available) console.log(`golden on cuda: skipped (${cuda.reason})`);

const SUBJECTS: Subject[] = [
  {
    label: "reference f64",
    create: () => Promise.resolve(new ReferenceBackend("f64")),
    tolerance: 1e-8,
    exemptNearTies: false,
    selectionAgreement: 1,
  },
  {
    label: "reference f32",
    create: () => Promise.resolve(new ReferenceBackend("f32")),
    tolerance: 1e-4,
    exemptNearTies: true,
    selectionAgreement: 1,
  },
  ...(["f32", "bf16"] as const).map((precision): Subject => ({
    label: `cuda ${precision}`,
    create: () => cudaFactory.create(precision),
    tolerance: precision === "f32" ? 1e-4 : 3e-2,
    exemptNearTies: true,
    selectionAgreement: precision === "f32" ? 1 : 0.97,
  })),
];

/** One input as stored: big arrays compactly (see training/golden.py). */
interface StoredInput {
  name: string;
  ids_hex: string;
  segments: number[];
  positions: number[];
  /** One base64 string of little-endian float64 per position. */
  logits_f64_base64: string[];
  /** One base64 string per module: the hidden-state norm at each position. */
  hidden_norms_f64_base64: string[];
  /** group → "tokens;separated|by kv head|,chunks". */
  selected: Record<string, string>;
  near_ties: Record<string, number[]>;
}

interface FixtureInput {
  name: string;
  ids: number[];
  segments: number[];
  positions: number[];
  logits: number[][];
  hidden_norms: number[][];
  /** group → token → kv head → sorted chunk indices. */
  selected: Record<string, number[][][]>;
  near_ties: Record<string, number[]>;
}

function f64s(b64: string): number[] {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  return Array.from({ length: bytes.length / 8 }, (_, i) => view.getFloat64(8 * i, true));
}

/** Decodes a stored input into plain arrays. */
function decodeInput(s: StoredInput): FixtureInput {
  const ids = Array.from(
    { length: s.ids_hex.length / 2 },
    (_, i) => parseInt(s.ids_hex.slice(2 * i, 2 * i + 2), 16),
  );
  const selected: Record<string, number[][][]> = {};
  for (const [g, text] of Object.entries(s.selected)) {
    selected[g] = text.split(";").map((tok) =>
      tok.split("|").map((head) => head === "" ? [] : head.split(",").map(Number))
    );
  }
  return {
    name: s.name,
    ids,
    segments: s.segments,
    positions: s.positions,
    logits: s.logits_f64_base64.map(f64s),
    hidden_norms: s.hidden_norms_f64_base64.map(f64s),
    selected,
    near_ties: s.near_ties,
  };
}

interface Fixture {
  model: string;
  checkpoint_sha256: string;
  inputs: StoredInput[];
}

interface Observed {
  logits: number[][];
  hiddenNorms: number[][];
  selected: Record<string, number[][][]>;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Runs one fixture input through a session, segment by segment, keeping what the fixture stores. */
async function observe(model: Model, inp: FixtureInput): Promise<Observed> {
  const b = model.backend;
  const V = model.dims.vocab;
  const s = model.session();
  const want = new Set(inp.positions);
  const rows = new Map<number, number[]>();
  const hidden = new Map<number, Map<number, number>>(); // module → position → norm
  const selected: Record<string, number[][][]> = {};
  let offset = 0;
  for (const len of inp.segments) {
    const ids = Int32Array.from(inp.ids.slice(offset, offset + len));
    const pending: Promise<void>[] = [];
    const trace = (name: string, t: Tensor) => {
      pending.push((async () => {
        const data = await b.download(t);
        const cols = t.shape[1];
        b.dispose(t);
        if (name.startsWith("hidden.")) {
          const m = Number(name.slice(7));
          if (!hidden.has(m)) hidden.set(m, new Map());
          for (let i = 0; i < len; i++) {
            if (!want.has(offset + i)) continue;
            let ss = 0;
            for (let c = 0; c < cols; c++) ss += Number(data[i * cols + c]) ** 2;
            hidden.get(m)!.set(offset + i, Math.sqrt(ss));
          }
        } else if (name.endsWith(".indices")) {
          const g = name.split(".")[0];
          const K = model.host.config.chunk_topk as number;
          const H = cols / K;
          selected[g] ??= [];
          for (let i = 0; i < len; i++) {
            const heads: number[][] = [];
            for (let h = 0; h < H; h++) {
              const set = Array.from(data.subarray(i * cols + h * K, i * cols + (h + 1) * K) as Int32Array)
                .filter((c) => c >= 0).sort((x, y) => x - y);
              heads.push(set);
            }
            selected[g].push(heads);
          }
        }
      })());
    };
    const logits = s.forward(ids, { allLogits: true, trace });
    const all = (await b.download(logits)) as Float64Array | Float32Array;
    b.dispose(logits);
    await Promise.all(pending);
    for (let i = 0; i < len; i++) {
      if (want.has(offset + i)) rows.set(offset + i, Array.from(all.subarray(i * V, (i + 1) * V)));
    }
    offset += len;
  }
  s.dispose();
  assert.equal(offset, inp.ids.length, `${inp.name}: segments cover the input`);
  const modules = [...hidden.keys()].sort((x, y) => x - y);
  return {
    logits: inp.positions.map((p) => rows.get(p)!),
    hiddenNorms: modules.map((m) => inp.positions.map((p) => hidden.get(m)!.get(p)!)),
    selected,
  };
}

/** max|a − b| / max|b| over matching entries. */
function relErr(a: number[][], b: number[][]): number {
  assert.equal(a.length, b.length);
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) {
    assert.equal(a[i].length, b[i].length);
    for (let j = 0; j < b[i].length; j++) {
      num = Math.max(num, Math.abs(a[i][j] - b[i][j]));
      den = Math.max(den, Math.abs(b[i][j]));
    }
  }
  return num / den;
}

for (const name of MODELS) {
  const checkpoint = `${MODELS_DIR}${name}/model.safetensors`;
  const fixturePath = new URL(`./${name}.json`, import.meta.url).pathname;
  const present = exists(checkpoint);
  if (!present) {
    console.log(`golden ${name}: no checkpoint at models/${name}/model.safetensors, test skipped`);
  }
  for (const subject of SUBJECTS) {
    const onCuda = subject.label.startsWith("cuda");
    Deno.test({
      name: `golden ${name}: ${subject.label} matches the PyTorch float64 fixture`,
      ignore: !present || (onCuda && !cuda.available),
      fn: async () => {
        assert.ok(exists(fixturePath), `${name} has a checkpoint but no fixture tests/golden/${name}.json`);
        const fixture: Fixture = JSON.parse(await Deno.readTextFile(fixturePath));
        const host = await loadModel(name);
        assert.equal(
          host.weightsSha256,
          fixture.checkpoint_sha256,
          `${name}: the fixture was made from another checkpoint; rerun training/golden.py`,
        );
        const b = await subject.create();
        const model = new Model(b, host);
        const tol = subject.tolerance;
        const hasHsa = host.config.architecture === "ramba" || host.config.architecture === "swa_hsa";
        assert.equal(fixture.inputs.length, 2, `${name}: the fixture holds both inputs`);
        for (const stored of fixture.inputs) {
          const inp = decodeInput(stored);
          assert.equal(inp.ids.length, inp.segments.reduce((a, b) => a + b, 0), `${inp.name}: ids`);
          const got = await observe(model, inp);
          const where = `${name} ${subject.label} ${inp.name}`;
          const eLogits = relErr(got.logits, inp.logits);
          assert.ok(eLogits <= tol, `${where}: logits max relative error ${eLogits} > ${tol}`);
          const eHidden = Math.max(...got.hiddenNorms.map((row, m) => relErr([row], [inp.hidden_norms[m]])));
          assert.equal(got.hiddenNorms.length, inp.hidden_norms.length, `${where}: modules traced`);
          assert.ok(eHidden <= tol, `${where}: hidden-state norms relative error ${eHidden} > ${tol}`);
          assert.equal(Object.keys(got.selected).length > 0, hasHsa, `${where}: retrieval groups traced`);
          for (const [g, want] of Object.entries(inp.selected)) {
            const have = got.selected[g];
            assert.equal(have?.length, want.length, `${where} ${g}: tokens with a selection`);
            const ties = new Set(subject.exemptNearTies ? inp.near_ties[g] : []);
            let pruned = 0, compared = 0;
            const differ: number[] = [];
            for (let t = 0; t < want.length; t++) {
              if (want[t].some((s) => s.length === (host.config.chunk_topk as number))) pruned++;
              if (ties.has(t)) continue;
              compared++;
              if (JSON.stringify(have[t]) !== JSON.stringify(want[t])) differ.push(t);
            }
            assert.ok(pruned > 0, `${where} ${g}: some token fills all top-k slots`);
            const agree = 1 - differ.length / compared;
            assert.ok(
              agree >= subject.selectionAgreement,
              `${where} ${g}: selected chunks differ at ${differ.length} of ${compared} tokens (first: ${
                differ.slice(0, 8).join(", ")
              }; allowed ${((1 - subject.selectionAgreement) * 100).toFixed(0)}%)`,
            );
          }
        }
        model.dispose();
        b.close();
      },
    });
  }
}
