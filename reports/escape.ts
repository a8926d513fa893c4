/**
 * Escaping for the HTML report. Every string from results.jsonl or run.json passes through
 * escapeHtml (text and attributes) or jsonForScript (data read by the report's script).
 *
 * @module
 */

const HTML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for HTML element content and quoted attribute values.
 *
 * @example
 * ```ts
 * escapeHtml("<b>&</b>"); // "&lt;b&gt;&amp;&lt;/b&gt;"
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` become \u escapes, so no
 * value can close the block or open a comment, and JSON.parse of the block's text gives back `value`.
 * U+2028/U+2029 are escaped too, for readers that treat the text as JavaScript.
 *
 * @example
 * ```ts
 * jsonForScript({ s: "</script>" }); // '{"s":"\\u003c/script\\u003e"}'
 * ```
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
