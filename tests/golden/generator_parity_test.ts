/**
 * The Python port of the generators (training/data.py, which training draws its samples from) against the
 * TypeScript ones: raw PRNG outputs, sampling procedures, seed derivation, the split rule, hundreds of
 * passkey prompts, haystack sources at far offsets and NIAH prompts of every task over the corpus, random
 * words and a user file must match byte for byte. Skipped, with a message, where python3 is missing.
 */
import assert from "node:assert/strict";
import { createHaystack } from "../../datasets/haystack.ts";
import { createRng, seedFrom, splitOf } from "../../datasets/prng.ts";
import { getTask } from "../../tasks/registry.ts";
import { passkeyTask } from "../../tasks/passkey.ts";
import type { NiahSample } from "../../tasks/niah.ts";
import type { Split } from "../../datasets/prng.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const NIAH_CASES = 48;

/** A user haystack file: sentences, a paragraph break, no final newline (the port must append one). */
const FILE = await Deno.makeTempFile({ suffix: ".txt" });
await Deno.writeTextFile(
  FILE,
  Array.from(
    { length: 40 },
    (_, i) => `Line ${i} says "Hello." Then it ends? Yes! It does.${i % 7 ? " " : "\n\n"}`,
  )
    .join("") + "The end",
);

async function runPython(): Promise<string | null> {
  try {
    const out = await new Deno.Command("python3", {
      args: [
        `${ROOT}training/gen_parity.py`,
        "--cases",
        "240",
        "--niah-cases",
        String(NIAH_CASES),
        "--file",
        FILE,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(`gen_parity.py failed: ${new TextDecoder().decode(out.stderr)}`);
    return new TextDecoder().decode(out.stdout);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

const text = await runPython();
if (text === null) {
  console.log("generator parity: python3 not found, test skipped");
  await Deno.remove(FILE);
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(d)].map((x) => x.toString(16).padStart(2, "0")).join("");
}

function promptBytes(segments: Iterable<Uint8Array>): Uint8Array {
  const parts = [...segments];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), o += p.length;
  return out;
}

Deno.test({
  name: "generator parity: Python port draws the TypeScript samples byte for byte",
  ignore: text === null,
  fn: async () => {
    const lines = text!.trim().split("\n").map((l) => JSON.parse(l));
    const count: Record<string, number> = {};
    for (const o of lines) {
      count[o.kind] = (count[o.kind] ?? 0) + 1;
      if (o.kind === "rng") {
        const r = createRng(o.seed);
        const u32 = Array.from({ length: 8 }, () => r.nextU32());
        const ints = [
          ...Array.from({ length: 6 }, () => r.uniformInt(-3, 3)),
          ...Array.from({ length: 2 }, () => r.uniformInt(0, 2 ** 32 - 1)),
          ...Array.from({ length: 4 }, () => r.uniformInt(10 ** 6, 10 ** 7 - 1)),
        ];
        const floats = Array.from({ length: 4 }, () => r.nextFloat());
        const shuffled = r.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        const choice = Array.from({ length: 5 }, () => r.choice(["a", "b", "c", "d", "e"]));
        assert.deepEqual({ u32, ints, floats, shuffled, choice }, {
          u32: o.u32,
          ints: o.ints,
          floats: o.floats,
          shuffled: o.shuffle,
          choice: o.choice,
        }, `rng seed ${o.seed}`);
      } else if (o.kind === "seed") {
        assert.equal(seedFrom(o.parts), o.seed, `seedFrom(${JSON.stringify(o.parts)})`);
      } else if (o.kind === "split") {
        assert.equal(splitOf(o.secret), o.split, `splitOf(${o.secret})`);
      } else if (o.kind === "passkey") {
        const req = {
          length: o.length,
          depth: o.depth,
          seed: o.seed,
          sample: o.sample,
          split: o.split as Split,
        };
        const s = passkeyTask.generate(req);
        const where = `passkey ${JSON.stringify(req)}`;
        assert.equal(s.expected, o.key, `${where}: key`);
        assert.equal(s.needleOffset, o.needle_offset, `${where}: needle offset`);
        const bytes = promptBytes(s.segments(1000));
        if (o.prompt !== undefined) {
          assert.equal(String.fromCharCode(...bytes), o.prompt, `${where}: prompt`);
        }
        assert.equal(await sha256(bytes), o.prompt_sha256, `${where}: prompt sha256`);
      } else if (o.kind === "haystack") {
        const hay = createHaystack(o.name, o.seed, o.split);
        const where = `haystack ${o.name} ${o.split} seed ${o.seed} offset ${o.offset}`;
        const bytes = new Uint8Array(5000);
        hay.fill(o.offset, bytes);
        assert.equal(String.fromCharCode(...bytes.subarray(0, 80)), o.head, `${where}: bytes`);
        assert.equal(await sha256(bytes), o.sha256, `${where}: sha256`);
        assert.equal(hay.nextBoundary(o.offset), o.next, `${where}: next boundary`);
      } else if (o.kind === "niah") {
        const req = {
          length: o.length,
          depth: o.depth,
          seed: o.seed,
          sample: o.sample,
          split: o.split as Split,
        };
        const s = getTask(o.task, o.haystack).generate(req) as NiahSample;
        const where = `${o.task} over ${o.haystack} ${JSON.stringify(req)}`;
        assert.equal(s.expected, o.expected, `${where}: expected`);
        assert.deepEqual(s.needleOffsets, o.needle_offsets, `${where}: needle offsets`);
        assert.deepEqual(s.needleDepths, o.needle_depths, `${where}: needle depths`);
        assert.equal(s.depthActual, o.depth_actual, `${where}: depth`);
        assert.equal(await sha256(promptBytes(s.segments(4096))), o.prompt_sha256, `${where}: prompt sha256`);
      } else {
        throw new Error(`Unknown line kind ${o.kind}`);
      }
    }
    // The comparison really covered every kind, at the sizes asked for.
    assert.deepEqual(count, {
      rng: 6,
      seed: 6,
      split: 200,
      passkey: 240,
      haystack: 72,
      niah: 4 * 3 * NIAH_CASES,
    });
    assert.ok(new Set(lines.filter((o) => o.kind === "split").map((o) => o.split)).size === 2);
    const niah = lines.filter((o) => o.kind === "niah");
    assert.ok(new Set(niah.map((o) => `${o.task} ${o.split} ${o.haystack}`)).size === 4 * 2 * 3);
    assert.ok(
      Math.min(...niah.map((o) => o.length)) < 1000 && Math.max(...niah.map((o) => o.length)) > 100000,
    );
    await Deno.remove(FILE);
  },
});
