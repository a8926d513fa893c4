// Tests of the haystack sources: bytes at any offset equal the repeated text, sentence boundaries, speed.
import { ok, strictEqual, throws } from "node:assert/strict";
import { createHaystack, FILLER_TEXT, RepeatedFiller } from "./haystack.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("RepeatedFiller.fill yields the repeated text at any offset", () => {
  const hay = new RepeatedFiller();
  strictEqual(hay.period, 90);
  const big = FILLER_TEXT.repeat(3000); // 270,000 bytes, past one tile
  for (const [offset, n] of [[0, 5], [85, 20], [89, 1], [1000, 0], [7, 150_000], [65_500, 100_000]]) {
    const out = new Uint8Array(n);
    hay.fill(offset, out);
    strictEqual(text(out), big.slice(offset, offset + n), `offset ${offset}, ${n} bytes`);
  }
  const out = new Uint8Array(90);
  hay.fill(90 * 1_000_000_000 + 20, out); // far offsets are exact too
  strictEqual(text(out), big.slice(20, 110));
});

Deno.test("nextBoundary finds the first sentence start at or after a position", () => {
  const hay = new RepeatedFiller();
  strictEqual(hay.starts.join(","), "0,20,37,56,68");
  strictEqual(hay.nextBoundary(0), 0);
  strictEqual(hay.nextBoundary(1), 20);
  strictEqual(hay.nextBoundary(20), 20);
  strictEqual(hay.nextBoundary(21), 37);
  strictEqual(hay.nextBoundary(69), 90);
  strictEqual(hay.nextBoundary(90 * 1000 + 57), 90 * 1000 + 68);
  const big = FILLER_TEXT.repeat(4);
  for (let pos = 0; pos < 270; pos++) {
    const b = hay.nextBoundary(pos);
    ok(b === 0 || big.slice(b - 2, b) === ". ", `boundary ${b} does not follow ". "`);
    for (let q = pos; q < b; q++) ok(q === 0 ? false : big.slice(q - 2, q) !== ". ", `missed boundary ${q}`);
  }
});

Deno.test("haystack inputs are checked", () => {
  throws(() => new RepeatedFiller("No period at the end"), /Filler text "No period at the end"/);
  throws(() => new RepeatedFiller().fill(-1, new Uint8Array(1)), /Haystack offset -1/);
  throws(() => new RepeatedFiller().nextBoundary(2.5), /Haystack position 2.5/);
  throws(() => createHaystack("pg19", 0), /Unknown haystack "pg19"; known: repeated-filler/);
  strictEqual(createHaystack("repeated-filler", 0).name, "repeated-filler");
});

Deno.test("RepeatedFiller fills 256 MiB in well under a second", () => {
  const hay = new RepeatedFiller();
  const out = new Uint8Array(1 << 16);
  const t0 = performance.now();
  for (let off = 0; off < 2 ** 28; off += out.length) hay.fill(off, out);
  const seconds = (performance.now() - t0) / 1000;
  ok(seconds < 1, `${seconds.toFixed(3)} s for 2^28 bytes`);
});
