// Tests of prompt layout streaming: pieces in order, empty pieces, chunk sizes.
import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { RepeatedFiller } from "../datasets/haystack.ts";
import { layoutLength, type Piece, streamLayout } from "./layout.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("streamLayout yields the pieces in order, in chunks of the given size", () => {
  const source = new RepeatedFiller("Ab. Cd. ");
  const pieces: Piece[] = [
    { kind: "bytes", bytes: enc("[") },
    { kind: "haystack", source, start: 0, end: 5 },
    { kind: "bytes", bytes: enc("") },
    { kind: "haystack", source, start: 5, end: 5 },
    { kind: "bytes", bytes: enc("|") },
    { kind: "haystack", source, start: 5, end: 19 },
    { kind: "bytes", bytes: enc("]") },
  ];
  strictEqual(layoutLength(pieces), 22);
  const want = "[Ab. C|d. Ab. Cd. Ab.]";
  for (const size of [1, 3, 22, 100]) {
    const chunks = [...streamLayout(pieces, size)];
    strictEqual(chunks.map(dec).join(""), want);
    deepStrictEqual(
      chunks.map((c) => c.length),
      [...Array(Math.ceil(22 / size))].map((_, i) => Math.min(size, 22 - i * size)),
    );
  }
  deepStrictEqual([...streamLayout([], 4)], []);
  throws(() => streamLayout(pieces, -2), /Segment tokens -2 must be a positive integer/);
});
