/**
 * Markdown building blocks for summary.md: tables padded to column width (so they read well in a
 * terminal as well as rendered) and code spans for untrusted text.
 *
 * @module
 */

/** Column alignment of a Markdown table. */
export type Align = "left" | "right";

/**
 * A GitHub-flavoured Markdown table with every column padded to its widest cell. Cells are put on
 * one line and `|` is escaped; `align` gives each column's alignment (default left).
 *
 * @example
 * ```ts
 * markdownTable(["model", "acc"], [["ramba", "0.90"]], ["left", "right"]);
 * ```
 */
export function markdownTable(header: string[], rows: string[][], align: Align[] = []): string {
  const cells = [header, ...rows].map((row) => row.map(tableCell));
  const widths = header.map((_, c) => Math.max(3, ...cells.map((row) => width(row[c] ?? ""))));
  const line = (row: string[]) =>
    `| ${row.map((cell, c) => pad(cell, widths[c], align[c] ?? "left")).join(" | ")} |`;
  const rule = `| ${
    widths.map((w, c) => align[c] === "right" ? `${"-".repeat(w - 1)}:` : "-".repeat(w)).join(" | ")
  } |`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join("\n");
}

/**
 * Untrusted text as an inline code span: shown literally (no Markdown, no HTML), on one line. The
 * fence is one backtick longer than the longest run inside, as CommonMark requires.
 *
 * @example
 * ```ts
 * codeSpan("a `b` c"); // "`` a `b` c ``"
 * ```
 */
export function codeSpan(text: string): string {
  const line = text.replace(/\s+/g, " ");
  const longest = Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const padded = longest > 0 || line.startsWith(" ") || line.endsWith(" ") ? ` ${line} ` : line;
  return `${fence}${padded}${fence}`;
}

function tableCell(text: string): string {
  return text.replace(/\s+/g, " ").replace(/\|/g, "\\|");
}

function width(text: string): number {
  return [...text].length;
}

function pad(text: string, w: number, align: Align): string {
  const fill = " ".repeat(Math.max(0, w - width(text)));
  return align === "right" ? fill + text : text + fill;
}
