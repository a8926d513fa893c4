/**
 * An HTML table builder that is safe by default: plain string cells are escaped; markup passes only
 * when wrapped with {@link raw}, built by code that escaped its own inputs.
 *
 * @module
 */

import { escapeHtml } from "./escape.ts";

/** Markup that is already safe (escaped by its builder). */
export interface Raw {
  readonly html: string;
}

/** A table cell: text (escaped), a number (right-aligned), or markup. */
export type Cell = string | number | Raw;

/**
 * Marks markup as safe. Only for strings whose untrusted parts went through escapeHtml.
 *
 * @example
 * ```ts
 * raw(`<span title="${escapeHtml(message)}">…</span>`);
 * ```
 */
export function raw(html: string): Raw {
  return { html };
}

/**
 * Renders a table. `numeric` names the columns (by index) to right-align with tabular digits.
 *
 * @example
 * ```ts
 * htmlTable(["model", "n"], [["ramba", 10]], { numeric: [1] });
 * ```
 */
export function htmlTable(header: string[], rows: Cell[][], options: { numeric?: number[] } = {}): string {
  const numeric = new Set(options.numeric ?? []);
  const cls = (c: number) => numeric.has(c) ? ' class="num"' : "";
  const head = header.map((h, c) => `<th${cls(c)}>${escapeHtml(h)}</th>`).join("");
  const body = rows.map((row) =>
    `<tr>${row.map((cell, c) => `<td${cls(c)}>${cellHtml(cell)}</td>`).join("")}</tr>`
  );
  // The wrapper lets a wide table scroll sideways instead of widening the page.
  return `<div class="table-wrap"><table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${
    body.join("\n")
  }\n</tbody>\n</table></div>`;
}

function cellHtml(cell: Cell): string {
  if (typeof cell === "string") return escapeHtml(cell);
  if (typeof cell === "number") return escapeHtml(String(cell));
  return cell.html;
}
