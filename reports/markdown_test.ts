// Tests of markdown.ts: padded tables and code spans that hold any text.

import assert from "node:assert/strict";
import { codeSpan, markdownTable } from "./markdown.ts";

Deno.test("markdownTable pads columns and escapes pipes", () => {
  const table = markdownTable(["model", "acc"], [["ramba", "0.90 (9/10)"], ["a|b", "1"]], ["left", "right"]);
  assert.equal(
    table,
    [
      "| model |         acc |",
      "| ----- | ----------: |",
      "| ramba | 0.90 (9/10) |",
      "| a\\|b  |           1 |",
    ].join("\n"),
  );
});

Deno.test("markdownTable puts multi-line cells on one line", () => {
  assert.equal(markdownTable(["x"], [["a\nb"]]).split("\n").length, 3);
});

Deno.test("codeSpan fences text containing backticks", () => {
  assert.equal(codeSpan("plain"), "`plain`");
  assert.equal(codeSpan("a `b` c"), "`` a `b` c ``");
  assert.equal(codeSpan("x\ny"), "`x y`");
});
