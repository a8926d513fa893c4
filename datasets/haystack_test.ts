// Tests of the haystack sources: bytes at any offset equal the repeated text, sentence boundaries, the
// random-words blocks, the corpus parts and user files, speed.
import { notStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { createHaystack, FILLER_TEXT, type HaystackSource, RepeatedFiller } from "./haystack.ts";
import { corpusText } from "./corpus.ts";
import { BLOCK_BYTES, RandomWords } from "./random_words.ts";
import { TextHaystack } from "./cyclic.ts";
import { wordList } from "./words.ts";

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
  throws(
    () => createHaystack("pg19", 0, "eval"),
    /Unknown haystack "pg19"; known: repeated-filler, random-words, austen, file:PATH/,
  );
  strictEqual(createHaystack("repeated-filler", 0, "eval").name, "repeated-filler");
  throws(() => new RandomWords(-1), /Haystack seed -1/);
  throws(() => new RandomWords(1).fill(0.5, new Uint8Array(1)), /Haystack offset 0.5/);
  throws(() => createHaystack("austen", 0, "eval").nextBoundary(-3), /Haystack position -3/);
});

/** Haystack bytes [offset, offset + n) as text. */
function read(hay: HaystackSource, offset: number, n: number): string {
  const out = new Uint8Array(n);
  hay.fill(offset, out);
  return text(out);
}

Deno.test("random words: blocks depend on the seed and block index only, and are sentences of list words", () => {
  const words = new Set(wordList());
  const hay = new RandomWords(7);
  const whole = read(hay, 0, 5 * BLOCK_BYTES);
  // Any offset, in any order, from a fresh or a used source, gives the same bytes.
  for (
    const [offset, n] of [[3 * BLOCK_BYTES + 17, 900], [5, 3 * BLOCK_BYTES], [BLOCK_BYTES - 1, 2], [0, 1]]
  ) {
    strictEqual(read(new RandomWords(7), offset, n), whole.slice(offset, offset + n));
    strictEqual(read(hay, offset, n), whole.slice(offset, offset + n));
  }
  notStrictEqual(read(new RandomWords(8), 0, 200), whole.slice(0, 200));
  // Whole sentences: capitalised list words ending ". ", every block starting one.
  ok(whole.endsWith(". "));
  for (const sentence of whole.split(". ").slice(0, -1)) {
    const ws = sentence.split(" ");
    ok(/^[A-Z]/.test(ws[0]), `sentence ${JSON.stringify(sentence)} is not capitalised`);
    for (const w of ws) ok(words.has(w.toLowerCase()), `${JSON.stringify(w)} is not a list word`);
  }
  for (let b = 1; b < 5; b++) strictEqual(whole.slice(b * BLOCK_BYTES - 2, b * BLOCK_BYTES), ". ");
  // Boundaries: exactly the offsets right after ". " (and 0).
  for (let pos = 0; pos < 2 * BLOCK_BYTES + 50; pos++) {
    const b = hay.nextBoundary(pos);
    ok(b === 0 || whole.slice(b - 2, b) === ". ", `boundary ${b} does not follow ". "`);
    for (let q = pos; q < b; q++) ok(q > 0 && whole.slice(q - 2, q) !== ". ", `missed boundary ${q}`);
  }
  // Far offsets work without generating what comes before.
  strictEqual(read(new RandomWords(7), 2 ** 40, 64), read(hay, 2 ** 40, 64));
});

Deno.test("the natural-text haystack reads the corpus part of its split, from a seeded sentence start", () => {
  const train = corpusText("train"), held = corpusText("eval");
  ok(train.period > 1_500_000 && held.period > 200_000 && held.period < train.period / 5);
  const a = createHaystack("austen", 1, "eval") as TextHaystack;
  strictEqual(a.text, held);
  strictEqual((createHaystack("austen", 1, "train") as TextHaystack).text, train);
  notStrictEqual(a.origin, (createHaystack("austen", 2, "eval") as TextHaystack).origin);
  // No paragraph of the held-out part is in the training part.
  const trainText = read(new TextHaystack("t", train, 0), 0, train.period);
  const heldParagraphs = read(new TextHaystack("h", held, 0), 0, held.period).split("\n").filter((p) =>
    p.length > 80
  );
  ok(heldParagraphs.length > 300);
  for (const p of heldParagraphs) {
    ok(!trainText.includes(p), `held-out paragraph in training: ${p.slice(0, 60)}`);
  }
  // Plain ASCII, and the haystack wraps around the part.
  ok(/^[\n -~]*$/.test(trainText));
  const wrapped = read(a, held.period - a.origin - 10, 20);
  strictEqual(
    wrapped,
    read(new TextHaystack("h", held, 0), held.period - 10, 10) + read(a, -a.origin + held.period, 10),
  );
  // Sentence starts: after a sentence end and whitespace, before a capital.
  strictEqual(a.nextBoundary(0), 0);
  for (let pos = 1, n = 0; n < 300; n++) {
    const b = a.nextBoundary(pos);
    ok(
      b >= pos && /[.?!]["']?[ \n]+$/.test(read(a, b - 6, 6)) && /^"?[A-Z]/.test(read(a, b, 2)),
      read(a, b - 6, 8),
    );
    pos = b + 1;
  }
});

Deno.test("a user file haystack: read once, repeated with a newline, errors name the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/hay.txt`;
    await Deno.writeTextFile(path, "First one. Second one? Third.");
    const hay = createHaystack(`file:${path}`, 5, "eval") as TextHaystack;
    strictEqual(hay.name, `file:${path}`);
    strictEqual(hay.digest, "9f41a2314cd84e18d1592685e28cb9173b6fae6460ef2c28180fb7771a490533");
    const period = "First one. Second one? Third.\n"; // the newline is appended
    const starts = [0, 11, 23];
    ok(starts.includes(hay.origin));
    strictEqual(read(hay, 0, 80), period.repeat(4).slice(hay.origin, hay.origin + 80));
    const all = [0, 1, 2, 3].flatMap((r) => starts.map((s) => r * period.length + s - hay.origin));
    for (let pos = 0; pos < 60; pos++) {
      strictEqual(hay.nextBoundary(pos), Math.min(...all.filter((b) => b >= pos)), `next boundary at ${pos}`);
    }
    for (
      const [content, error] of [
        ["", /Haystack file .*empty\.txt is empty/],
        [" \n\t", /Haystack file .*empty\.txt is empty/],
      ] as const
    ) {
      await Deno.writeTextFile(`${dir}/empty.txt`, content);
      throws(() => createHaystack(`file:${dir}/empty.txt`, 0, "eval"), error);
    }
    await Deno.writeFile(`${dir}/bin.txt`, new Uint8Array([0x41, 0xff, 0xfe, 0x42]));
    throws(
      () => createHaystack(`file:${dir}/bin.txt`, 0, "eval"),
      /Haystack file .*bin\.txt is not UTF-8 text/,
    );
    await Deno.writeFile(`${dir}/nul.txt`, new Uint8Array([0x41, 0, 0x42]));
    throws(() => createHaystack(`file:${dir}/nul.txt`, 0, "eval"), /Haystack file .*nul\.txt is not text/);
    throws(() => createHaystack(`file:${dir}/missing.txt`, 0, "eval"), /Haystack file .*missing\.txt: /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
