/**
 * Backend agreement across run folders: `deno run -A tools/agreement.ts DIR... [--md FILE]`.
 * Merges the rows of every folder (e.g. a reference run and a cuda run of the same samples), then prints,
 * per model and pair of variants on different backends and per length, the shared samples and identical greedy outputs, and
 * lists every divergence with its first divergent token and the teacher-forced log-probability gap there.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { agreement, divergences } from "../reports/agreement.ts";
import { formatLength } from "../reports/format.ts";
import { loadResultRows } from "../reports/load.ts";
import type { ResultRow } from "../runner/result.ts";

const { values, positionals } = parseArgs({ options: { md: { type: "string" } }, allowPositionals: true });
if (positionals.length === 0) {
  console.error("Usage: deno run -A tools/agreement.ts DIR... [--md FILE]");
  Deno.exit(2);
}
let rows: ResultRow[];
try {
  rows = await loadResultRows(positionals);
} catch (e) {
  console.error(`agreement: ${(e as Error).message}`);
  Deno.exit(1);
}
/** Pairs of variants on two different backends ("cuda · bf16" vs "reference · f64"), not two precisions of one. */
const crossBackend = (a: string, b: string) => a.split(" · ")[0] !== b.split(" · ")[0];
const lines = [
  "| model | variants | length | shared samples | identical greedy | fraction |",
  "| --- | --- | --- | --- | --- | --- |",
];
const lengths = [...new Set(rows.map((r) => r.length_requested))].sort((a, b) => a - b);
let shared = 0, identical = 0;
for (const L of lengths) {
  for (const p of agreement(rows.filter((r) => r.length_requested === L))) {
    if (!crossBackend(p.a, p.b)) continue;
    shared += p.samples, identical += p.identical;
    lines.push(
      `| ${p.model} | ${p.a} vs ${p.b} | ${formatLength(L)} | ${p.samples} | ${p.identical} | ${
        (100 * p.identical_fraction!).toFixed(1)
      }% |`,
    );
  }
}
lines.push(
  "",
  `All cross-backend pairs: ${identical}/${shared} identical (${(100 * identical / shared).toFixed(2)}%).`,
  "",
);
const div = divergences(rows).filter((d) => crossBackend(d.a, d.b));
lines.push(`Divergences (${div.length}):`, "");
if (div.length > 0) {
  lines.push(
    "| model | variants | length | depth | seed | sample | expected | output a | output b | first divergent token | log-prob gap (b − a) | argmax a / b |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  );
  for (const d of div) {
    lines.push(
      `| ${d.model} | ${d.a} vs ${d.b} | ${
        formatLength(d.length)
      } | ${d.depth} | ${d.seed} | ${d.sample} | ${d.expected} | ${JSON.stringify(d.output_a)} | ${
        JSON.stringify(d.output_b)
      } | ${d.position} | ${d.logprob_gap === null ? "-" : d.logprob_gap.toFixed(4)} | ${
        d.argmax_a === null ? "-" : JSON.stringify(String.fromCharCode(d.argmax_a))
      } / ${d.argmax_b === null ? "-" : JSON.stringify(String.fromCharCode(d.argmax_b))} |`,
    );
  }
}
const md = lines.join("\n");
console.log(md);
if (values.md) await Deno.writeTextFile(values.md, md + "\n");
