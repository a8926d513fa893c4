/**
 * Prints the parity summary from the JSON lines the tests append to $OPS_REPORT: one row per test with
 * its outputs, failures, near-ties and the worst err / bound, then the totals. Exits 1 on any failure.
 *
 * Usage: deno run --allow-read tests/ops/summary.ts REPORT.jsonl
 *
 * @module
 */
import type { Verdict } from "./parity.ts";

type Row = Omit<Verdict, "err" | "errRef" | "bound"> & {
  err: number | string | null;
  errRef: number | string | null;
  bound: number | string | null;
};

function num(x: number | string | null): number {
  return x === null ? NaN : Number(x);
}

if (import.meta.main) {
  const path = Deno.args[0];
  if (!path) {
    console.error("Usage: deno run --allow-read tests/ops/summary.ts REPORT.jsonl");
    Deno.exit(2);
  }
  const rows: Row[] = Deno.readTextFileSync(path).split("\n").filter((l) => l.trim()).map((l) =>
    JSON.parse(l)
  );
  const byTest = new Map<string, Row[]>();
  for (const r of rows) byTest.set(r.test, [...(byTest.get(r.test) ?? []), r]);
  const seeds = new Set(rows.map((r) => r.seed));
  console.log(`\nParity summary (${rows.length} outputs; seed ${[...seeds].join(", ")}):`);
  console.log(
    `${"test".padEnd(58)} ${"outputs".padStart(7)} ${"failed".padStart(6)} ${
      "ties".padStart(5)
    }  worst err/bound`,
  );
  let failed = 0, ties = 0;
  for (const [test, rs] of byTest) {
    const f = rs.filter((r) => !r.ok).length;
    const t = rs.reduce((n, r) => n + r.notes.filter((x) => x.startsWith("near-tie")).length, 0);
    const ratios = rs.map((r) => num(r.err) / num(r.bound)).filter((x) => !Number.isNaN(x));
    const worst = ratios.length ? Math.max(...ratios) : NaN;
    failed += f;
    ties += t;
    console.log(
      `${test.slice(0, 58).padEnd(58)} ${String(rs.length).padStart(7)} ${String(f).padStart(6)} ${
        String(t).padStart(5)
      }  ${Number.isNaN(worst) ? "exact" : worst.toFixed(3)}`,
    );
  }
  console.log(`\n${byTest.size} tests, ${rows.length} outputs, ${failed} failed, ${ties} near-ties flagged`);
  for (const r of rows.filter((r) => !r.ok)) {
    console.log(
      `FAIL ${r.op} ${r.precision} [${r.case}] ${r.output}: err ${r.err} bound ${r.bound}; ${
        r.notes.join("; ")
      }`,
    );
  }
  Deno.exit(failed > 0 ? 1 : 0);
}
