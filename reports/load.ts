/**
 * Reads a run folder: run.json (RunInfo) and results.jsonl (one ResultRow per line). A torn last line,
 * left by a process killed mid-append, is dropped; any other unreadable line is an error naming it.
 *
 * @module
 */

import { type ResultRow, type RunInfo, SCHEMA_VERSION, type Status, STATUSES } from "../runner/result.ts";

/** A run folder's contents. */
export interface LoadedRun {
  /** run.json. */
  info: RunInfo;
  /** results.jsonl, in file order. */
  rows: ResultRow[];
}

/**
 * Loads `dir/run.json` and `dir/results.jsonl`.
 *
 * @example
 * ```ts
 * const { info, rows } = await loadRun("runs/2025-01-01T00-00-00Z");
 * console.log(info.run_id, rows.length);
 * ```
 */
export async function loadRun(dir: string): Promise<LoadedRun> {
  const infoPath = `${dir}/run.json`;
  const rowsPath = `${dir}/results.jsonl`;
  const info = parseRunInfo(await readText(infoPath), infoPath);
  const rows = parseResults(await readText(rowsPath), rowsPath);
  return { info, rows };
}

/**
 * The result rows of several run folders, in order (run.json is not needed). A path that does not exist, is
 * not a folder or has no results.jsonl throws an error naming it.
 *
 * @example
 * ```ts
 * const rows = await loadResultRows(["runs/a", "runs/b"]);
 * ```
 */
export async function loadResultRows(dirs: readonly string[]): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const dir of dirs) {
    let stat: Deno.FileInfo;
    try {
      stat = await Deno.stat(dir);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) throw new Error(`Run folder ${dir} does not exist`);
      throw new Error(`Cannot read ${dir}: ${(e as Error).message}`);
    }
    if (!stat.isDirectory) throw new Error(`Run folder ${dir} is not a folder`);
    const path = `${dir}/results.jsonl`;
    rows.push(...parseResults(await readText(path), path));
  }
  return rows;
}

/**
 * Parses results.jsonl text. A line that is not JSON is dropped only when it is the last non-empty
 * line (a torn append); elsewhere it is an error naming `path` and the line number (1-based).
 */
export function parseResults(text: string, path: string): ResultRow[] {
  const lines = text.split("\n");
  let last = lines.length - 1;
  while (last >= 0 && lines[last].trim() === "") last--;
  const rows: ResultRow[] = [];
  for (let i = 0; i <= last; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      if (i === last) break; // torn last line: the cell will be run again on resume
      throw new Error(`Corrupt ${path} line ${i + 1}: ${(e as Error).message}`);
    }
    rows.push(checkRow(value, `${path} line ${i + 1}`));
  }
  return rows;
}

/** Parses run.json text; errors name `path`. */
export function parseRunInfo(text: string, path: string): RunInfo {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`Corrupt ${path}: ${(e as Error).message}`);
  }
  if (!isObject(value)) throw new Error(`Corrupt ${path}: expected a JSON object`);
  checkSchemaVersion(value.schema_version, path);
  for (const key of ["run_id", "created_at"]) {
    if (typeof value[key] !== "string") throw new Error(`Corrupt ${path}: "${key}" must be a string`);
  }
  for (const key of ["config", "environment", "op_support", "backends", "commit"]) {
    if (!isObject(value[key])) throw new Error(`Corrupt ${path}: "${key}" must be an object`);
  }
  return value as unknown as RunInfo;
}

async function readText(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`Missing ${path}: not a run folder?`);
    throw new Error(`Cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Checks the fields the printers group and filter on; the rest is trusted to the writer. */
function checkRow(value: unknown, where: string): ResultRow {
  if (!isObject(value)) throw new Error(`Corrupt ${where}: expected a JSON object`);
  checkSchemaVersion(value.schema_version, where);
  for (const key of ["model", "backend", "dtype", "task", "message"]) {
    if (typeof value[key] !== "string") throw new Error(`Corrupt ${where}: "${key}" must be a string`);
  }
  if (typeof value.length_requested !== "number") {
    throw new Error(`Corrupt ${where}: "length_requested" must be a number`);
  }
  if (!STATUSES.includes(value.status as Status)) {
    throw new Error(`Corrupt ${where}: "status" must be one of ${STATUSES.join(", ")}`);
  }
  return value as unknown as ResultRow;
}

function checkSchemaVersion(version: unknown, where: string): void {
  if (version !== SCHEMA_VERSION) {
    throw new Error(
      `Unsupported schema_version ${
        JSON.stringify(version)
      } in ${where}: this reader knows ${SCHEMA_VERSION}`,
    );
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
