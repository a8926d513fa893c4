// Tests of the word list: size, form, order and provenance.
import { ok, strictEqual } from "node:assert/strict";
import { wordList } from "./words.ts";

Deno.test("the word list has 2,000 distinct lowercase words, most frequent first", () => {
  const words = wordList();
  strictEqual(words.length, 2000);
  strictEqual(new Set(words).size, words.length);
  for (const w of words) ok(/^[a-z]+$/.test(w), JSON.stringify(w));
  strictEqual(words.slice(0, 4).join(" "), "the to of and");
  strictEqual(wordList(), words); // read once
});
