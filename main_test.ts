/**
 * The CLI as a user meets it: exit codes and messages for bad input, --list, --help.
 */
import assert from "node:assert/strict";
import { listBackends } from "./backends/registry.ts";
import { serializeSafetensors } from "./models/safetensors.ts";
import { resolveConfig, tensorSpecs } from "./models/schema.ts";

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./main.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
}

Deno.test("--backend nosuch exits non-zero listing every backend and why", async () => {
  const r = await cli("--backend", "nosuch", "--random-weights", "--model", "ramba-tiny");
  assert.notEqual(r.code, 0);
  assert.match(r.err, /Unknown backend "nosuch"/);
  for (const b of ["cuda", "webgpu", "onnx", "reference"]) {
    assert.match(r.err, new RegExp(`${b}\\s+(un)?available: \\S`));
  }
  assert.match(r.err, /reference\s+available/);
});

Deno.test("an unavailable backend says why", async () => {
  // webgpu and onnx are unavailable everywhere for now; cuda too on a machine without a GPU.
  const down = (await listBackends()).filter((b) => !b.available);
  assert.ok(down.length > 0);
  for (const b of down) {
    const r = await cli("--backend", b.name, "--random-weights", "--model", "ramba-tiny");
    assert.notEqual(r.code, 0);
    assert.match(r.err, new RegExp(`Backend "${b.name}" is not available here`));
  }
});

Deno.test("bad flags and values name the input", async () => {
  const cases: [string[], RegExp][] = [
    [["--lengths", "4x"], /--lengths: "4x" is not a length/],
    [["--depths", "1.5"], /--depths: "1.5" is not a fraction/],
    [["--samples", "0"], /--samples: must be at least 1/],
    [["--segment", "0"], /--segment: must be at least 1 token \(or "auto"\)/],
    [["--dtype", "f16"], /--dtype: "f16" is not one of/],
    [["--task", "nosuch"], /Unknown task "nosuch"; known tasks: passkey/],
    [["--model", "nosuch"], /Unknown model "nosuch": shipped models are .*ramba-tiny/],
    [["--bogus"], /bogus/],
    [["--lengths", "100"], /Length 100 is below the minimum length|shorter than task passkey allows/],
    [["--dtype", "bf16", "--backend", "reference"], /backend reference offers f64, f32/],
  ];
  for (const [args, re] of cases) {
    const r = await cli(...args, "--random-weights", "--out", await Deno.makeTempDir());
    assert.notEqual(r.code, 0, args.join(" "));
    assert.match(r.err, re, `${args.join(" ")}: ${r.err}`);
  }
});

Deno.test("a model given by name without weights is an error pointing at --random-weights", async () => {
  const dir = await Deno.makeTempDir();
  const src = new URL("./models/ramba-tiny/config.json", import.meta.url);
  Deno.copyFileSync(src, `${dir}/config.json`);
  const r = await cli("--model", dir, "--out", await Deno.makeTempDir());
  assert.notEqual(r.code, 0);
  assert.match(r.err, /model\.safetensors: model .* has no weights .*--random-weights/);
});

Deno.test("a corrupt checkpoint names the file and the tensor", async () => {
  const dir = await Deno.makeTempDir();
  const raw = JSON.parse(Deno.readTextFileSync(new URL("./models/mamba2-tiny/config.json", import.meta.url)));
  Deno.writeTextFileSync(`${dir}/config.json`, JSON.stringify(raw));
  const specs = tensorSpecs(resolveConfig(raw, "test"));
  const tensors = specs.map((s, i) => {
    const shape = i === 3 ? [s.shape[0], s.shape[1] + 1] : s.shape; // one wrong shape
    return {
      name: s.name,
      dtype: "BF16" as const,
      shape,
      data: new Float32Array(shape.reduce((a, b) => a * b, 1)),
    };
  });
  Deno.writeFileSync(`${dir}/model.safetensors`, serializeSafetensors(tensors));
  const r = await cli("--model", dir, "--out", await Deno.makeTempDir());
  assert.notEqual(r.code, 0);
  assert.ok(r.err.includes(`${dir}/model.safetensors`), r.err);
  assert.ok(r.err.includes(specs[3].name), r.err);
  // A truncated file too.
  const bytes = Deno.readFileSync(`${dir}/model.safetensors`);
  Deno.writeFileSync(`${dir}/model.safetensors`, bytes.subarray(0, bytes.length - 100));
  const t = await cli("--model", dir, "--out", await Deno.makeTempDir());
  assert.notEqual(t.code, 0);
  assert.match(t.err, /model\.safetensors.*(truncated|past the end)/);
});

Deno.test("a config with an impossible value names the key", async () => {
  const dir = await Deno.makeTempDir();
  const raw = JSON.parse(Deno.readTextFileSync(new URL("./models/ramba-tiny/config.json", import.meta.url)));
  Deno.writeTextFileSync(`${dir}/config.json`, JSON.stringify({ ...raw, chunk_topk: 0 }));
  const r = await cli("--model", dir, "--random-weights", "--out", await Deno.makeTempDir());
  assert.notEqual(r.code, 0);
  assert.match(r.err, /config\.json: key "chunk_topk" is 0, expected a value in \[1, 256\]/);
});

Deno.test("--list shows backends with reasons, models and tasks; --help shows the flags", async () => {
  const r = await cli("--list");
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /reference\s+available/);
  for (const b of await listBackends()) {
    assert.match(r.out, new RegExp(`${b.name}\\s+${b.available ? "available" : "unavailable"}\\s+\\S`));
  }
  for (const m of ["ramba-tiny", "transformer-tiny", "mamba2-tiny", "swa-hsa-tiny", "passkey"]) {
    assert.ok(r.out.includes(m), m);
  }
  const h = await cli("--help");
  assert.equal(h.code, 0);
  for (
    const f of [
      "--model",
      "--backend",
      "--lengths",
      "--depths",
      "--cell-timeout",
      "--segment",
      "--config",
      "--out",
    ]
  ) {
    assert.ok(h.out.includes(f), f);
  }
});

Deno.test("--config reads a run file and flags override it", async () => {
  const dir = await Deno.makeTempDir();
  Deno.writeTextFileSync(
    `${dir}/run.json`,
    JSON.stringify({
      models: ["mamba2-tiny"],
      backends: ["reference"],
      lengths: [300],
      depths: [0.5],
      randomWeights: true,
    }),
  );
  const out = `${dir}/out`;
  const r = await cli("--config", `${dir}/run.json`, "--samples", "2", "--out", out);
  assert.equal(r.code, 0, r.err);
  const rows = Deno.readTextFileSync(`${out}/results.jsonl`).trim().split("\n");
  assert.equal(rows.length, 2);
  Deno.writeTextFileSync(`${dir}/bad.json`, JSON.stringify({ lenghts: [300] }));
  const bad = await cli("--config", `${dir}/bad.json`);
  assert.notEqual(bad.code, 0);
  assert.match(bad.err, /Unknown run setting "lenghts"/);
});
