/**
 * results.jsonl: append-only, one row per line, each row written with a single write so a killed run
 * leaves at most one torn last line, which resuming drops (the row is then run again).
 *
 * @module
 */
import type { ResultRow } from "./result.ts";

/** An open results file. */
export class ResultStore {
  readonly path: string;
  /** Keys of rows already present (from a previous run into the same folder, and this one). */
  readonly keys: Set<string>;
  #file: Deno.FsFile;

  private constructor(path: string, keys: Set<string>, file: Deno.FsFile) {
    this.path = path;
    this.keys = keys;
    this.#file = file;
  }

  /**
   * Opens (creating) `path`. Existing complete rows are kept and their keys remembered; a torn last
   * line (no trailing newline, or not valid JSON) is cut off. A bad line in the middle is an error.
   */
  static async open(path: string): Promise<{ store: ResultStore; dropped: boolean }> {
    let text = "";
    try {
      text = await Deno.readTextFile(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    // 1. Everything after the last newline is a torn write: cut it off.
    const end = text.lastIndexOf("\n") + 1;
    const dropped = end < text.length;
    // 2. Every complete line must be a row; a bad one means damage we must not write over.
    const keys = new Set<string>();
    const lines = text.slice(0, end).split("\n").slice(0, -1);
    lines.forEach((line, i) => {
      let row: { key?: unknown } | null = null;
      try {
        row = JSON.parse(line);
      } catch {
        row = null;
      }
      if (!row || typeof row.key !== "string") {
        throw new Error(`${path}: line ${i + 1} is not a result row; refusing to resume over a damaged file`);
      }
      keys.add(row.key);
    });
    const keep = new TextEncoder().encode(text.slice(0, end)).length;
    if (dropped) await Deno.truncate(path, keep);
    const file = await Deno.open(path, { create: true, append: true });
    return { store: new ResultStore(path, keys, file), dropped };
  }

  /** Appends one row (one write of the whole line) and remembers its key. */
  append(row: ResultRow): void {
    const bytes = new TextEncoder().encode(JSON.stringify(row) + "\n");
    let off = 0;
    while (off < bytes.length) off += this.#file.writeSync(bytes.subarray(off));
    this.keys.add(row.key);
  }

  close(): void {
    this.#file.close();
  }
}
