/**
 * Likelihood scoring through a session (reference backend, random weights): the device op over the model's
 * logits equals log-softmax computed on the host from the downloaded logits, whole and segment by segment.
 */
import assert from "node:assert/strict";
import { ReferenceBackend } from "../backends/reference/mod.ts";
import { parameterCount, resolveConfig, tensorSpecs } from "./schema.ts";
import { logProbs, scoreTargets } from "./score.ts";
import { Model } from "./session.ts";
import { type HostModel, randomWeights } from "./weights.ts";

function hostModel(name: string): HostModel {
  const raw = JSON.parse(Deno.readTextFileSync(new URL(`./${name}/config.json`, import.meta.url)));
  const config = resolveConfig({ ...raw, initializer_range: 0.3 }, name);
  return {
    name,
    dir: "",
    config,
    configHash: "test",
    weightsSha256: "random:3",
    trained: false,
    parameters: parameterCount(config),
    tensors: randomWeights(config, tensorSpecs(config), 3),
  };
}

const ids = Int32Array.from(
  new TextEncoder().encode("It is a truth universally acknowledged, that a single man."),
);

/** log softmax(row)[target] in f64 on the host, the plain way. */
function hostLogProb(row: Float64Array, target: number): number {
  const m = Math.max(...row);
  return row[target] - m - Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0));
}

for (const name of ["mamba2-tiny", "ramba-tiny"]) {
  Deno.test(`${name}: targetLogProbs over the model's logits equals host log-softmax of the downloaded logits`, async () => {
    const b = new ReferenceBackend("f64");
    const model = new Model(b, hostModel(name));
    const V = model.dims.vocab;
    const targets = ids.subarray(1);
    // Host side: all logits read back.
    const s1 = model.session();
    const all = (await b.download(s1.forward(ids, { allLogits: true }))) as Float64Array;
    const expected = Array.from(targets, (t, i) => hostLogProb(all.subarray(i * V, (i + 1) * V), t));
    s1.dispose();
    // Device side, in one segment: T − 1 values, the last position having no target.
    const s2 = model.session();
    const got = await logProbs(s2, ids, targets);
    assert.equal(got.length, ids.length - 1);
    assert.equal(s2.pos, ids.length);
    for (let i = 0; i < got.length; i++) {
      assert.ok(Math.abs(got[i] - expected[i]) < 1e-12, `position ${i}: ${got[i]} vs ${expected[i]}`);
      assert.ok(got[i] < 0);
    }
    s2.dispose();
    // Device side, in two segments: the first segment's last target is the second segment's first id.
    const s3 = model.session();
    const cut = 23;
    const a = await logProbs(s3, ids.subarray(0, cut), ids.subarray(1, cut + 1));
    const c = await logProbs(s3, ids.subarray(cut), ids.subarray(cut + 1));
    const joined = [...a, ...c];
    for (let i = 0; i < joined.length; i++) {
      assert.ok(Math.abs(joined[i] - expected[i]) < 1e-9, `position ${i}`);
    }
    s3.dispose();
    assert.throws(
      () => scoreTargets(model.session(), ids.subarray(0, 2), ids.subarray(0, 3)),
      /3 targets for 2 ids/,
    );
    model.dispose();
    b.close();
  });
}
