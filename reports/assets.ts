/**
 * The scripts inlined into index.html: Chart.js's UMD build from node_modules (the version pinned
 * in deno.json) and the report's own html_client.js. Read once per render; nothing is fetched.
 *
 * @module
 */

/** Script sources for {@link renderHtml}. */
export interface ReportAssets {
  /** Chart.js UMD build (defines the global `Chart`). */
  chartJs: string;
  /** The report's script (html_client.js). */
  client: string;
}

/**
 * Reads Chart.js's UMD build and the report script.
 *
 * Chart.js is found beside the file that `import.meta.resolve("chart.js")` gives (its ESM entry,
 * dist/chart.js), else at node_modules/chart.js/dist/chart.umd.js of the project root. Its source-map
 * comment is dropped, so that developer tools never look for a file beside the report.
 *
 * @example
 * ```ts
 * const assets = await loadAssets();
 * ```
 */
export async function loadAssets(): Promise<ReportAssets> {
  const chartJs = await readFirst(chartJsCandidates(), "Chart.js UMD build (chart.umd.js)");
  const client = await Deno.readTextFile(new URL("./html_client.js", import.meta.url));
  return { chartJs: chartJs.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, "\n"), client };
}

function chartJsCandidates(): URL[] {
  const candidates: URL[] = [];
  try {
    candidates.push(new URL("./chart.umd.js", import.meta.resolve("chart.js")));
  } catch {
    // Not resolvable (no import map): fall back to the project's node_modules.
  }
  candidates.push(new URL("../node_modules/chart.js/dist/chart.umd.js", import.meta.url));
  return candidates;
}

async function readFirst(candidates: URL[], what: string): Promise<string> {
  for (const url of candidates) {
    try {
      return await Deno.readTextFile(url);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        throw new Error(`Cannot read ${what} at ${url.pathname}: ${(e as Error).message}`);
      }
    }
  }
  const tried = candidates.map((u) => u.pathname).join(", ");
  throw new Error(`Missing ${what}: looked at ${tried}; run \`deno install\` in the project root`);
}
