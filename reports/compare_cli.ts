/**
 * `deno task compare BASE CURRENT [flags]`: compares two run folders, writes compare.html and
 * compare.md (into CURRENT, or --out DIR), prints the verdict, and returns the exit code: 0 when no
 * metric regressed, 1 when one did, 2 when the runs cannot be compared or the command is wrong.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { compareRuns, type CompareThresholds, DEFAULT_THRESHOLDS, incompatibility } from "./compare.ts";
import { renderCompareHtml } from "./compare_html.ts";
import { cellName, formatChange, METRIC_TITLES, renderCompareMarkdown } from "./compare_markdown.ts";
import { loadRun } from "./load.ts";
import { writeAtomic } from "./render.ts";

/** Exit codes of {@link compareMain}. */
export const EXIT = { pass: 0, regression: 1, cannotCompare: 2 } as const;

const USAGE = `Usage: deno task compare BASE CURRENT [flags]

Compares two run folders (each with results.jsonl and run.json) cell by cell: greedy accuracy, median
prefill time per token and decode ms/token, peak device and host memory. Writes compare.html and
compare.md into CURRENT (or --out DIR).

Flags:
  --accuracy-drop POINTS   fail when accuracy drops by more than this      [${DEFAULT_THRESHOLDS.accuracyDropPoints}]
  --bpb-rise BITS          fail when bits per byte rise by more than this  [${DEFAULT_THRESHOLDS.bpbRiseBits}]
  --time-rise PERCENT      fail when a median time rises by more than this [${DEFAULT_THRESHOLDS.timeRisePercent}]
  --memory-rise PERCENT    fail when a peak memory rises by more than this [${DEFAULT_THRESHOLDS.memoryRisePercent}]
  --out DIR                write the two files into DIR instead of CURRENT
  --help                   this text

Exit status: 0 no regression, 1 a regression, 2 the runs cannot be compared (different schema or task
generator versions, a missing folder) or a bad command line.`;

/**
 * Runs the comparison; returns the exit code. `log` gets the verdict and the regressions.
 *
 * @example
 * ```ts
 * Deno.exit(await compareMain(["runs/base", "runs/current"]));
 * ```
 */
export async function compareMain(
  args: string[],
  log: (line: string) => void = console.log,
): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      options: {
        "accuracy-drop": { type: "string" },
        "bpb-rise": { type: "string" },
        "time-rise": { type: "string" },
        "memory-rise": { type: "string" },
        out: { type: "string" },
        help: { type: "boolean" },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    log(`error: ${(e as Error).message}\n\n${USAGE}`);
    return EXIT.cannotCompare;
  }
  if (values.help) {
    log(USAGE);
    return EXIT.pass;
  }
  if (positionals.length !== 2) {
    log(`error: expected two run folders, BASE and CURRENT, got ${positionals.length}\n\n${USAGE}`);
    return EXIT.cannotCompare;
  }
  const [baseDir, currentDir] = positionals;
  try {
    const thresholds: CompareThresholds = {
      accuracyDropPoints: threshold(
        values["accuracy-drop"],
        "--accuracy-drop",
        DEFAULT_THRESHOLDS.accuracyDropPoints,
      ),
      bpbRiseBits: threshold(values["bpb-rise"], "--bpb-rise", DEFAULT_THRESHOLDS.bpbRiseBits),
      timeRisePercent: threshold(values["time-rise"], "--time-rise", DEFAULT_THRESHOLDS.timeRisePercent),
      memoryRisePercent: threshold(
        values["memory-rise"],
        "--memory-rise",
        DEFAULT_THRESHOLDS.memoryRisePercent,
      ),
    };
    // 1. Schema versions first, from run.json as written: loadRun refuses any it does not know.
    const versions = await Promise.all([schemaVersion(baseDir), schemaVersion(currentDir)]);
    const early = incompatibility(
      { info: { schema_version: versions[0] }, rows: [] },
      { info: { schema_version: versions[1] }, rows: [] },
    );
    if (early) throw new Error(early);
    const [base, current] = await Promise.all([loadRun(baseDir), loadRun(currentDir)]);
    // 2. Then the rows' schema and task generator versions.
    const why = incompatibility(base, current);
    if (why) throw new Error(why);
    // 3. Compare, write, report.
    const comparison = compareRuns(base.rows, current.rows, thresholds);
    const runs = [{ dir: baseDir, info: base.info }, { dir: currentDir, info: current.info }] as const;
    const out = typeof values.out === "string" ? values.out : currentDir;
    await Deno.mkdir(out, { recursive: true });
    await writeAtomic(`${out}/compare.md`, renderCompareMarkdown(comparison, ...runs));
    await writeAtomic(`${out}/compare.html`, renderCompareHtml(comparison, ...runs));
    for (const cell of comparison.cells) {
      for (const m of cell.changes.filter((m) => m.regression)) {
        log(`REGRESSION ${cellName(cell)}: ${METRIC_TITLES[m.metric]} ${formatChange(m)}`);
      }
    }
    const verdict = comparison.regressions === 0
      ? "PASS: no regression"
      : `FAIL: ${comparison.regressions} regressions`;
    log(`${verdict} over ${comparison.cells.length} cells. Wrote ${out}/compare.html and ${out}/compare.md`);
    return comparison.regressions === 0 ? EXIT.pass : EXIT.regression;
  } catch (e) {
    log(`Cannot compare ${baseDir} with ${currentDir}: ${(e as Error).message}`);
    return EXIT.cannotCompare;
  }
}

function threshold(value: unknown, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== "string" || value.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new Error(`${flag}: ${JSON.stringify(value)} is not a number ≥ 0`);
  }
  return n;
}

async function schemaVersion(dir: string): Promise<number> {
  const path = `${dir}/run.json`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`Missing ${path}: not a run folder?`);
    throw new Error(`Cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text).schema_version;
  } catch (e) {
    throw new Error(`Corrupt ${path}: ${(e as Error).message}`);
  }
}
