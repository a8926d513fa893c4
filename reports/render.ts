/**
 * renderReport: reads a run folder and writes its three printouts beside the inputs — results.csv,
 * summary.md and index.html. Each file is written to a temporary name and renamed into place, so a
 * reader never sees half a report.
 *
 * @module
 */

import { loadAssets } from "./assets.ts";
import { toCsv } from "./csv.ts";
import { renderHtml } from "./html.ts";
import { loadRun } from "./load.ts";
import { renderSummary } from "./summary.ts";

/**
 * Writes `dir/results.csv`, `dir/summary.md` and `dir/index.html` from `dir/results.jsonl` and
 * `dir/run.json`.
 *
 * @example
 * ```ts
 * await renderReport("runs/2025-01-01T00-00-00Z");
 * ```
 */
export async function renderReport(dir: string): Promise<void> {
  const run = await loadRun(dir);
  const assets = await loadAssets();
  await writeAtomic(`${dir}/results.csv`, toCsv(run.rows));
  await writeAtomic(`${dir}/summary.md`, renderSummary(run));
  await writeAtomic(`${dir}/index.html`, renderHtml(run, assets));
}

/** Writes `text` to a temporary name beside `path`, then renames it into place. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const temporary = `${path}.tmp`;
  try {
    await Deno.writeTextFile(temporary, text);
    await Deno.rename(temporary, path);
  } catch (e) {
    await Deno.remove(temporary).catch(() => {});
    throw new Error(`Cannot write ${path}: ${(e as Error).message}`);
  }
}
