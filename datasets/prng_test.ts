// Tests of the PRNG: the PRNG.md test vectors (cross-checked against a Python port), range and
// uniformity of uniformInt, and the split partition.
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { canonicalPart, createRng, fnv1a32, seedFrom, splitOf } from "./prng.ts";

function hexes(seed: number, n: number): string[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.nextU32().toString(16).padStart(8, "0"));
}

Deno.test("nextU32 matches the PRNG.md test vectors", () => {
  deepStrictEqual(hexes(0, 8), [
    "e308dc58",
    "4392d0e4",
    "03318f97",
    "ac593a63",
    "08535f0a",
    "83532d1f",
    "063f9b44",
    "5e9c32a6",
  ]);
  deepStrictEqual(hexes(1, 8), [
    "9190299e",
    "c1017b27",
    "e3af522f",
    "7d71fb05",
    "787816c2",
    "fbbe0c00",
    "5a5c175a",
    "89063de1",
  ]);
  const passkeySeed = seedFrom(["passkey", 4096, 0.5, 0, 0, "eval"]);
  strictEqual(passkeySeed, 0xbe671de0);
  deepStrictEqual(hexes(passkeySeed, 8), [
    "e273e6bb",
    "02ef4e3f",
    "93c7e0d3",
    "678366e4",
    "646234c0",
    "cb91eaa9",
    "1dec40d0",
    "8a0b8f0d",
  ]);
});

Deno.test("seedFrom and hashes match the PRNG.md test vectors", () => {
  strictEqual(fnv1a32(new TextEncoder().encode("a")), 0xe40c292c);
  strictEqual(seedFrom([]), 0xab3e7c0b);
  strictEqual(seedFrom(["passkey"]), 0x189ac195);
  strictEqual(seedFrom(["a", "b"]), 0xb95aa86c);
  strictEqual(seedFrom([-5, 0.25, 1e300, "ü"]), 0x21bd4a3a);
  strictEqual(canonicalPart(0.5), "f3fe0000000000000");
  strictEqual(canonicalPart(-0), "0");
  strictEqual(canonicalPart(4096), "4096");
  strictEqual(splitOf("48213"), "train");
  strictEqual(splitOf("10016"), "eval");
});

Deno.test("sampling procedures match the PRNG.md test vectors", () => {
  let rng = createRng(42);
  deepStrictEqual(Array.from({ length: 8 }, () => rng.uniformInt(5, 7)), [5, 6, 7, 5, 5, 5, 6, 6]);
  rng = createRng(42);
  deepStrictEqual(Array.from({ length: 4 }, () => rng.nextFloat()), [
    0.6606156826019287,
    0.12688004970550537,
    0.11170190572738647,
    0.8149393796920776,
  ]);
  rng = createRng(42);
  deepStrictEqual(rng.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), [3, 6, 8, 7, 5, 0, 9, 2, 1, 4]);
  rng = createRng(42);
  deepStrictEqual([rng.uniformInt(0, 2 ** 32 - 1), rng.uniformInt(0, 2 ** 32 - 1)], [2837322924, 544945897]);
  deepStrictEqual(Array.from({ length: 6 }, () => rng.uniformInt(-3, 3)), [2, 1, -2, 3, 2, 2]);
});

Deno.test("uniformInt stays in range and is close to uniform", () => {
  const rng = createRng(7);
  const n = 7;
  const draws = 140_000;
  const counts = new Array(n).fill(0);
  for (let i = 0; i < draws; i++) {
    const x = rng.uniformInt(10, 10 + n - 1);
    ok(Number.isInteger(x) && x >= 10 && x <= 16, `draw ${x} out of [10, 16]`);
    counts[x - 10]++;
  }
  const expected = draws / n;
  const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
  ok(chi2 < 22.5, `chi-square ${chi2} over 6 degrees of freedom (p < 0.001 above 22.5)`);
  strictEqual(rng.uniformInt(3, 3), 3);
  for (let i = 0; i < 1000; i++) {
    const f = rng.nextFloat();
    ok(f >= 0 && f < 1 && Number.isInteger(f * 2 ** 24), `nextFloat ${f}`);
  }
});

Deno.test("uniformInt rejects instead of taking a biased modulo", () => {
  // n = 3·2^30: a plain modulo would put half again as much mass on [0, 2^30).
  const rng = createRng(3);
  const n = 3 * 2 ** 30;
  let low = 0;
  const draws = 30_000;
  for (let i = 0; i < draws; i++) if (rng.uniformInt(0, n - 1) < 2 ** 30) low++;
  ok(Math.abs(low / draws - 1 / 3) < 0.02, `fraction below 2^30 is ${low / draws}, expected 1/3`);
});

Deno.test("bad PRNG inputs throw errors naming them", () => {
  const rng = createRng(0);
  throws(() => createRng(-1), /Seed -1/);
  throws(() => createRng(2 ** 32), /Seed 4294967296/);
  throws(() => createRng(1.5), /Seed 1.5/);
  throws(() => rng.uniformInt(5, 4), /Range \[5, 4\]/);
  throws(() => rng.uniformInt(0, 2 ** 32), /Range \[0, 4294967296\]/);
  throws(() => rng.uniformInt(0.5, 3), /Range \[0.5, 3\]/);
  throws(() => rng.choice([]), /non-empty/);
  throws(() => seedFrom([NaN]), /Seed part NaN/);
  throws(() => seedFrom(["a\u001fb"]), /Seed part "a\\u001fb"/);
});

Deno.test("choice picks every element and shuffle is a permutation", () => {
  const rng = createRng(11);
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) seen.add(rng.choice(["a", "b", "c"]));
  deepStrictEqual([...seen].sort(), ["a", "b", "c"]);
  const items = Array.from({ length: 100 }, (_, i) => i);
  deepStrictEqual([...rng.shuffle(items.slice())].sort((a, b) => a - b), items);
});

Deno.test("the eval partition holds about 1/8 of secrets", () => {
  let evals = 0;
  for (let k = 10000; k < 100000; k++) if (splitOf(String(k)) === "eval") evals++;
  const fraction = evals / 90000;
  ok(Math.abs(fraction - 1 / 8) < 0.005, `eval fraction ${fraction}`);
});
