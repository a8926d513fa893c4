/**
 * compare.html: the comparison as one self-contained page (no script, no network): verdict, both
 * runs' provenance, the regressions, and every cell both runs ran with regressions highlighted.
 * Every string from the runs is escaped.
 *
 * @module
 */

import type { Comparison } from "./compare.ts";
import {
  cellName,
  type ComparedRun,
  formatChange,
  formatThresholds,
  machineWarning,
  METRIC_TITLES,
  provenance,
} from "./compare_markdown.ts";
import { escapeHtml } from "./escape.ts";
import { REPORT_CSS } from "./html.ts";
import { section } from "./html_sections.ts";
import { type Cell, htmlTable, raw } from "./html_table.ts";

const CSS = `${REPORT_CSS}
.verdict { font-size: 1.1rem; font-weight: 700; padding: 8px 12px; display: inline-block; }
.pass { background: #e3f4e1; color: #1a5e1a; } .fail { background: #fde0e0; color: #8b1111; }
.regression { background: #fde0e0; font-weight: 600; }
`;

/**
 * Renders compare.html.
 *
 * @example
 * ```ts
 * const html = renderCompareHtml(comparison, { dir: "runs/a", info: a.info }, { dir: "runs/b", info: b.info });
 * ```
 */
export function renderCompareHtml(c: Comparison, base: ComparedRun, current: ComparedRun): string {
  const verdict = c.regressions === 0
    ? `<p class="verdict pass">PASS: no regression over ${c.cells.length} cells</p>`
    : `<p class="verdict fail">FAIL: ${c.regressions} regression${
      c.regressions === 1 ? "" : "s"
    } over ${c.cells.length} cells</p>`;
  const warning = machineWarning(base, current);
  const header =
    `<header>\n<h1>Comparison: ${escapeHtml(current.info.run_id)} against ${
      escapeHtml(base.info.run_id)
    }</h1>\n${verdict}\n<p class="note">Thresholds: ${escapeHtml(formatThresholds(c.thresholds))}. ` +
    "Prefill is compared as time per token.</p>\n" +
    htmlTable(["", "BASE", "CURRENT"], provenance(base, current)) +
    (warning === "" ? "" : `\n<p class="warn">${escapeHtml(warning)}</p>`) + "\n</header>";

  const regressions: Cell[][] = c.cells.flatMap((cell) =>
    cell.changes.filter((m) => m.regression).map((
      m,
    ) => [cellName(cell), METRIC_TITLES[m.metric], formatChange(m)])
  );
  const regressionTable = regressions.length === 0
    ? "<p>None.</p>"
    : htmlTable(["cell", "metric", "base → current"], regressions);

  const all: Cell[][] = c.cells.map((cell) => [
    cellName(cell),
    `${cell.n_base} → ${cell.n_current}`,
    ...cell.changes.map((m) =>
      m.regression ? raw(`<span class="regression">${escapeHtml(formatChange(m))}</span>`) : formatChange(m)
    ),
  ]);
  const allTable = all.length === 0
    ? "<p>None: the runs share no cell.</p>"
    : htmlTable(["cell", "n", ...Object.values(METRIC_TITLES)], all, { numeric: [1, 2, 3, 4, 5, 6] });
  const only = [
    ...c.only_base.map((name) => `<li>only in BASE: ${escapeHtml(name)}</li>`),
    ...c.only_current.map((name) => `<li>only in CURRENT: ${escapeHtml(name)}</li>`),
  ];

  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    `<title>Comparison ${escapeHtml(current.info.run_id)} against ${escapeHtml(base.info.run_id)}</title>`,
    `<style>${CSS}</style>`,
    "</head>",
    "<body>",
    header,
    section("regressions", "Regressions", regressionTable),
    section("cells", "Every cell both runs ran", allTable),
    only.length === 0 ? "" : section("only", "Cells in one run only", `<ul>\n${only.join("\n")}\n</ul>`),
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
