/**
 * The scripts inlined into index.html: the UMD builds of Chart.js and of its matrix plugin
 * (chartjs-chart-matrix) from node_modules, at the versions pinned in deno.json, and the report's own
 * html_client.js. Read once per render; nothing is fetched.
 *
 * @module
 */

/** Script sources for {@link renderHtml}. */
export interface ReportAssets {
  /** Chart.js UMD build (defines the global `Chart`). */
  chartJs: string;
  /** chartjs-chart-matrix UMD build (registers the `matrix` chart type on the global `Chart`). */
  matrixJs: string;
  /** The report's script (html_client.js). */
  client: string;
}

/**
 * Reads the UMD builds of Chart.js and its matrix plugin, and the report script.
 *
 * Each build is found beside the file that `import.meta.resolve` gives for the package (its ESM
 * entry, in dist/), else in the project's node_modules. Source-map comments are dropped, so that
 * developer tools never look for a file beside the report.
 *
 * @example
 * ```ts
 * const assets = await loadAssets();
 * ```
 */
export async function loadAssets(): Promise<ReportAssets> {
  const chartJs = await readFirst(
    candidates("chart.js", "chart.umd.js"),
    "Chart.js UMD build (chart.umd.js)",
  );
  const matrixJs = await readFirst(
    candidates("chartjs-chart-matrix", "chartjs-chart-matrix.min.js"),
    "chartjs-chart-matrix UMD build (chartjs-chart-matrix.min.js)",
  );
  const client = await Deno.readTextFile(new URL("./html_client.js", import.meta.url));
  return { chartJs: dropSourceMap(chartJs), matrixJs: dropSourceMap(matrixJs), client };
}

function dropSourceMap(source: string): string {
  return source.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, "\n");
}

/** `file` beside the package's resolved entry (in dist/), then in node_modules/<pkg>/dist/. */
function candidates(pkg: string, file: string): URL[] {
  const found: URL[] = [];
  try {
    found.push(new URL(`./${file}`, import.meta.resolve(pkg)));
  } catch {
    // Not resolvable (no import map): fall back to the project's node_modules.
  }
  found.push(new URL(`../node_modules/${pkg}/dist/${file}`, import.meta.url));
  return found;
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
