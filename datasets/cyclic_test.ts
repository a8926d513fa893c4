// Tests of the cyclic text behind the text haystacks: the sentence rule, copies across the wrap, starts.
import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { CyclicText, sentenceStarts, TextHaystack } from "./cyclic.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("sentenceStarts: after . ? ! (and a closing quote) and whitespace, before a capital", () => {
  deepStrictEqual([...sentenceStarts(bytes('No. "Yes," she said. etc. Fine.\n'))], [0, 4, 26]);
  deepStrictEqual([...sentenceStarts(bytes('A? B! C.\nD.\' E." "F. g. 1. H'))], [0, 3, 6, 9, 13, 17, 27]);
  deepStrictEqual([...sentenceStarts(bytes("One two.\n\n  Three"))], [0, 12]);
  deepStrictEqual([...sentenceStarts(bytes("Ends here. "))], [0]); // a match at the end is no start
  deepStrictEqual([...sentenceStarts(bytes("Caf\u00e9 au lait. Tr\u00e8s bien."))], [0, 15]); // byte offsets
});

Deno.test("CyclicText copies any range of the endless repetition and finds the next start", () => {
  for (const s of ["Ab. Cd. ", "Long. ".repeat(20_000)]) { // a tiled short text and a long one
    const t = new CyclicText(bytes(s), sentenceStarts(bytes(s)));
    strictEqual(t.period, s.length);
    const endless = s.repeat(Math.ceil(300_000 / s.length) + 2);
    for (const [pos, n] of [[0, 3], [5, 300_000], [s.length - 1, 2], [7 * s.length + 3, 100]]) {
      const out = new Uint8Array(n);
      t.copy(pos, out);
      strictEqual(text(out), endless.slice(pos % s.length, (pos % s.length) + n), `copy ${pos} + ${n}`);
    }
    for (const pos of [0, 1, 4, 5, s.length - 1, s.length, 3 * s.length + 2]) {
      let want = pos;
      while (want % s.length !== 0 && endless.slice((want % s.length) - 2, want % s.length) !== ". ") want++;
      strictEqual(t.nextStart(pos), want, `next start at ${pos}`);
    }
  }
  throws(() => new CyclicText(new Uint8Array(0), Int32Array.of(0)), /must not be empty/);
  throws(() => new CyclicText(bytes("x"), Int32Array.of(1)), /must begin with 0/);
});

Deno.test("TextHaystack streams from its origin, which must be a sentence start", () => {
  const t = new CyclicText(bytes("Ab. Cd. "), sentenceStarts(bytes("Ab. Cd. ")));
  const hay = new TextHaystack("t", t, 4);
  const out = new Uint8Array(10);
  hay.fill(0, out);
  strictEqual(text(out), "Cd. Ab. Cd");
  deepStrictEqual([0, 1, 4, 5, 8].map((p) => hay.nextBoundary(p)), [0, 4, 4, 8, 8]);
  throws(() => new TextHaystack("t", t, 2), /Origin 2 is not a sentence start/);
  throws(() => hay.fill(-1, out), /Haystack offset -1/);
});
