/**
 * Config schema: defaults, every kind of bad key, and the tensor tables of the shipped configs.
 */
import assert from "node:assert/strict";
import { moduleList, parameterCount, resolveConfig, tensorSpecs } from "./schema.ts";

const base = () => JSON.parse(Deno.readTextFileSync(new URL("./ramba-tiny/config.json", import.meta.url)));

Deno.test("config errors name the key", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...base(), architecture: "rwkv" }, /key "architecture" is "rwkv", expected one of ramba, transformer/],
    [{ ...base(), hidden_sise: 3 }, /unknown key "hidden_sise" for architecture ramba/],
    [{ ...base(), hidden_size: undefined }, /missing required key "hidden_size"/],
    [{ ...base(), chunk_size: 64.5 }, /key "chunk_size" is 64.5, expected an integer/],
    [
      { ...base(), chunk_weighting: "max" },
      /key "chunk_weighting" is "max", expected one of stick_breaking, softmax/,
    ],
    [{ ...base(), tie_word_embeddings: false }, /key "tie_word_embeddings" is false, expected true/],
    [{ ...base(), encoder_layers: 2 }, /key "encoder_layers" is 2, expected a value in \[0, 0\]/],
    [
      { ...base(), head_dim: 48 },
      /impossible config: expand·hidden_size \(512\) must be a multiple of head_dim/,
    ],
    [{ ...base(), num_attention_heads: 3 }, /hidden_size must be a multiple of num_attention_heads/],
    [{ ...base(), use_conv_bias: "yes" }, /key "use_conv_bias" is "yes", expected true or false/],
  ];
  for (const [raw, re] of cases) assert.throws(() => resolveConfig(raw, "cfg.json"), re);
  assert.throws(() => resolveConfig([], "cfg.json"), /cfg.json: config must be a JSON object/);
});

Deno.test("defaults fill in and underscore keys are ignored", () => {
  const c = resolveConfig({ ...base(), _training: { steps: 3 } }, "x");
  assert.equal(c.enable_softmax1, false);
  assert.equal(c.hsa_norm_epsilon, 1e-6);
  assert.equal("_training" in c, false);
});

Deno.test("shipped configs: module lists, tensor tables and parameter budgets", () => {
  const counts: Record<string, number> = {};
  for (const name of ["ramba-tiny", "transformer-tiny", "mamba2-tiny", "swa-hsa-tiny"]) {
    const c = resolveConfig(
      JSON.parse(Deno.readTextFileSync(new URL(`./${name}/config.json`, import.meta.url))),
      name,
    );
    counts[name] = parameterCount(c);
    const names = tensorSpecs(c).map((t) => t.name);
    assert.equal(new Set(names).size, names.length, `${name}: tensor names unique`);
  }
  const ramba = resolveConfig(base(), "ramba");
  assert.deepEqual(moduleList(ramba).map((m) => m.kind), [
    "mamba",
    "mamba",
    "chunking",
    "retrieval",
    "hsa",
    "mamba",
    "mamba",
  ]);
  assert.ok(
    tensorSpecs(ramba).some((t) =>
      t.name === "backbone.layers.2.lmk_ln.weight" && t.shape.join() === "64,256"
    ),
  );
  // In-proj of a Mamba block: 2·d_in + 2·g·N + n_h rows (spec §2.2).
  assert.ok(
    tensorSpecs(ramba).some((t) =>
      t.name === "backbone.layers.0.mixer.in_proj.weight" && t.shape.join() === "1096,256"
    ),
  );
  const values = Object.values(counts);
  assert.ok(Math.max(...values) <= 2_000_000, JSON.stringify(counts));
  assert.ok(Math.max(...values) / Math.min(...values) <= 1.15, JSON.stringify(counts));
});

Deno.test("random weights follow the reference init: A_log = log(1..n_h), D = 1, norms 1", async () => {
  const { randomWeights } = await import("./weights.ts");
  const c = resolveConfig(base(), "ramba");
  const w = randomWeights(c, tensorSpecs(c), 0);
  assert.deepEqual(
    [...w.get("backbone.layers.0.mixer.A_log")!.data],
    [0, 1, 2, 3, 4, 5, 6, 7].map((i) => Math.log(i + 1)),
  );
  assert.ok(w.get("backbone.layers.0.mixer.D")!.data.every((v) => v === 1));
  assert.ok(w.get("backbone.norm_f.weight")!.data.every((v) => v === 1));
  const dt = w.get("backbone.layers.0.mixer.dt_bias")!.data; // softplus(dt_bias) in [1e-3, 1e-1]
  assert.ok(
    dt.every((v) => Math.log1p(Math.exp(v)) >= 1e-3 - 1e-12 && Math.log1p(Math.exp(v)) <= 0.1 + 1e-12),
  );
});
