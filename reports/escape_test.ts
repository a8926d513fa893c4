// Tests of escape.ts: HTML text and attributes, and JSON that cannot leave its script block.

import assert from "node:assert/strict";
import { escapeHtml, jsonForScript } from "./escape.ts";
import { HOSTILE } from "./testdata/synthetic.ts";

Deno.test("escapeHtml escapes the five special characters", () => {
  assert.equal(
    escapeHtml(`<a href="x" title='y'>&</a>`),
    "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;",
  );
  assert.equal(escapeHtml("plain · text"), "plain · text");
});

Deno.test("jsonForScript has no < > & and parses back to the value", () => {
  const value = { s: HOSTILE, t: "<!-- a & b -->", u: "\u2028\u2029", n: [1, null] };
  const json = jsonForScript(value);
  assert.ok(!/[<>&\u2028\u2029]/.test(json), json);
  assert.ok(json.includes("\\u003c/script\\u003e"));
  assert.deepEqual(JSON.parse(json), value);
});
