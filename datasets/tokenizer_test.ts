// Tests of the byte-level tokenizer: UTF-8 round trip, lossy decoding, id checks.
import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { decode, encode, VOCAB_SIZE } from "./tokenizer.ts";

Deno.test("encode is UTF-8 and decode inverts it", () => {
  deepStrictEqual(encode("Hi ü"), new Uint8Array([72, 105, 32, 0xc3, 0xbc]));
  strictEqual(decode(encode("pass key 48213 — ✓")), "pass key 48213 — ✓");
  strictEqual(decode([72, 105]), "Hi");
  strictEqual(VOCAB_SIZE, 256);
});

Deno.test("decode is lossy on invalid UTF-8", () => {
  strictEqual(decode(new Uint8Array([0x41, 0xff, 0x42])), "A\ufffdB");
  strictEqual(decode([0xc3]), "\ufffd");
});

Deno.test("decode rejects ids outside the vocabulary, naming them", () => {
  throws(() => decode([65, 256]), /Token 256 at index 1/);
  throws(() => decode([-1]), /Token -1 at index 0/);
});
