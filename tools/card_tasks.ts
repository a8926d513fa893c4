/**
 * Prints the task tables of a model card from run folders: `deno task card --model NAME DIR [DIR ...]`
 * (or `deno run -A tools/card_tasks.ts ...`) reads each DIR/results.jsonl and prints Markdown:
 *
 * - one row per answer task (registry order), one column per evaluated length: greedy exact match
 *   `hits/n` and the mean partial-credit score, over the model's `ok` rows of the eval split (other
 *   statuses counted after the cell, e.g. " +3 timeout"); then the task's chance level (Task.chance) and
 *   whether it was learned: at least twice chance, in exact match and in mean score, at its shortest
 *   evaluated length (4K when evaluated there);
 * - a line naming the tasks not learned;
 * - for likelihood tasks (lm_bpb): mean bits per byte by length, with sample counts.
 *
 * @module
 */

import { formatChance, formatLength } from "../reports/format.ts";
import { loadResultRows } from "../reports/load.ts";
import { type ResultRow, type Status, STATUSES } from "../runner/result.ts";
import { listTasks } from "../tasks/registry.ts";
import type { Task } from "../tasks/task.ts";

/** The fields of a result row the card reads. */
export type CardRow = Pick<
  ResultRow,
  "model" | "task" | "status" | "task_params" | "length_requested" | "correct" | "score" | "bpb"
>;

/** The length a task's "learned" verdict prefers. */
export const LEARNED_LENGTH = 4096;

const USAGE = "Usage: deno run -A tools/card_tasks.ts --model NAME DIR [DIR ...]";

/** What one (task, length) cell holds. */
interface Cell {
  /** `ok` rows. */
  n: number;
  /** Of them, exact matches. */
  hits: number;
  /** Sum of their partial-credit scores (or bits per byte, for likelihood tasks). */
  sum: number;
  /** Rows of any other status, by status. */
  other: Map<Status, number>;
}

function emptyCell(): Cell {
  return { n: 0, hits: 0, sum: 0, other: new Map() };
}

/** " +3 timeout +1 oom" for the rows of a cell that are not ok, in status order. */
function otherSuffix(cell: Cell | undefined): string {
  if (cell === undefined) return "";
  return STATUSES.filter((s) => cell.other.has(s)).map((s) => ` +${cell.other.get(s)} ${s}`).join("");
}

/** A row's partial-credit score; rows from before `score` existed count 1 when correct, else 0. */
function scoreOf(row: CardRow): number {
  return typeof row.score === "number" ? row.score : row.correct === true ? 1 : 0;
}

/** The verdict on one task: learned or not, at which length; undefined when it has no ok rows. */
interface Verdict {
  learned: boolean;
  length: number;
}

/**
 * The verdict on a task from its cells: at its shortest length with ok rows, "not learned" when the exact
 * match rate is below 2 × chance.exact or the mean score below 2 × chance.score (exactly twice chance is
 * learned).
 */
function verdictOf(cells: Map<number, Cell>, chance: Task["chance"]): Verdict | undefined {
  if (chance === undefined) return undefined;
  const lengths = [...cells.keys()].filter((l) => cells.get(l)!.n > 0).sort((a, b) => a - b);
  if (lengths.length === 0) return undefined;
  const length = lengths[0];
  const { n, hits, sum } = cells.get(length)!;
  const learned = !(hits / n < 2 * chance.exact || sum / n < 2 * chance.score);
  return { learned, length };
}

function at(length: number): string {
  return length === LEARNED_LENGTH ? "" : ` (at ${formatLength(length)})`;
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

/**
 * The Markdown of the card's task tables for `model` from result rows (see the module doc). `tasks`
 * gives the task order and chance levels (default: the registry); tasks without a chance level are
 * likelihood tasks, shown by bits per byte; rows of tasks it does not know are shown after the known
 * answer tasks, without chance. Only rows of the eval split (task_params.split) count. Throws when no row
 * is of `model`, or none of them is of the eval split.
 *
 * @example
 * ```ts
 * import { cardTables } from "./card_tasks.ts";
 * const row = { model: "m", task: "passkey", status: "ok" as const, task_params: { split: "eval" },
 *   length_requested: 4096, correct: true, score: 1, bpb: null };
 * console.log(cardTables([row], "m"));
 * ```
 */
export function cardTables(
  rows: readonly CardRow[],
  model: string,
  tasks: readonly Task[] = listTasks(),
): string {
  const mine = rows.filter((r) => r.model === model);
  if (mine.length === 0) {
    const models = [...new Set(rows.map((r) => r.model))];
    throw new Error(
      `No rows of model ${JSON.stringify(model)}` +
        (models.length === 0 ? " (there are no rows at all)" : `; models in the rows: ${models.join(", ")}`),
    );
  }
  const evalRows = mine.filter((r) => r.task_params?.split === "eval");
  if (evalRows.length === 0) {
    throw new Error(
      `No eval-split rows of model ${JSON.stringify(model)} (${mine.length} rows of other splits)`,
    );
  }
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const isLikelihood = (name: string) => byName.has(name) && byName.get(name)!.chance === undefined;
  // task → length → cell, tasks in first-appearance order.
  const cells = new Map<string, Map<number, Cell>>();
  for (const r of evalRows) {
    let task = cells.get(r.task);
    if (task === undefined) cells.set(r.task, task = new Map());
    let cell = task.get(r.length_requested);
    if (cell === undefined) task.set(r.length_requested, cell = emptyCell());
    if (r.status !== "ok") cell.other.set(r.status, (cell.other.get(r.status) ?? 0) + 1);
    else if (isLikelihood(r.task)) {
      if (typeof r.bpb === "number") {
        cell.n++;
        cell.sum += r.bpb;
      }
    } else {
      cell.n++;
      if (r.correct === true) cell.hits++;
      cell.sum += scoreOf(r);
    }
  }
  const answerTasks = [
    ...tasks.filter((t) => t.chance !== undefined && cells.has(t.name)).map((t) => t.name),
    ...[...cells.keys()].filter((name) => !byName.has(name)),
  ];
  const out: string[] = [];
  if (answerTasks.length > 0) {
    const lengths = [...new Set(answerTasks.flatMap((name) => [...cells.get(name)!.keys()]))]
      .sort((a, b) => a - b);
    const notLearned: string[] = [];
    const body = answerTasks.map((name) => {
      const taskCells = cells.get(name)!;
      const chance = byName.get(name)?.chance;
      const row = [name];
      for (const length of lengths) {
        const cell = taskCells.get(length);
        const main = cell === undefined || cell.n === 0
          ? "–"
          : `${cell.hits}/${cell.n} (${(cell.sum / cell.n).toFixed(2)})`;
        row.push(main + otherSuffix(cell));
      }
      row.push(chance === undefined ? "–" : `${formatChance(chance.exact)} / ${formatChance(chance.score)}`);
      const verdict = verdictOf(taskCells, chance);
      if (verdict === undefined) row.push(chance === undefined ? "–" : "– (no ok rows)");
      else {
        row.push((verdict.learned ? "yes" : "no") + at(verdict.length));
        if (!verdict.learned) notLearned.push(name + at(verdict.length));
      }
      return row;
    });
    out.push(
      `### Answer tasks of ${model}: greedy exact match hits/n (mean partial-credit score), eval split`,
      "",
      ...table(
        [
          "task",
          ...lengths.map(formatLength),
          "chance (exact / score)",
          `learned at ${formatLength(LEARNED_LENGTH)}?`,
        ],
        body,
      ),
      "",
      `Not learned (below twice chance at ${formatLength(LEARNED_LENGTH)}): ${
        notLearned.length === 0 ? "none" : notLearned.join(", ")
      }.`,
    );
  }
  for (const task of tasks.filter((t) => isLikelihood(t.name) && cells.has(t.name))) {
    const taskCells = cells.get(task.name)!;
    const body = [...taskCells.keys()].sort((a, b) => a - b).map((length) => {
      const cell = taskCells.get(length)!;
      return [
        formatLength(length),
        String(cell.n) + otherSuffix(cell),
        cell.n === 0 ? "–" : (cell.sum / cell.n).toFixed(3),
      ];
    });
    if (out.length > 0) out.push("");
    out.push(
      `### ${task.name} of ${model}: mean bits per byte by length, eval split`,
      "",
      ...table(["length", "samples", "mean bpb"], body),
    );
  }
  return out.join("\n") + "\n";
}

/**
 * The command line: prints the tables to stdout and returns 0; a usage error returns 2, any other error
 * (a missing folder, no rows of the model) is printed to stderr and returns 1.
 */
export async function cardMain(args: readonly string[]): Promise<number> {
  let model: string | undefined;
  const dirs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "-h" || a === "--help") {
      console.log(USAGE);
      return 0;
    }
    if (a === "--model") {
      if (i + 1 >= args.length) {
        console.error(`--model needs a value\n${USAGE}`);
        return 2;
      }
      model = args[++i];
    } else if (a.startsWith("--model=")) model = a.slice("--model=".length);
    else if (a.startsWith("-")) {
      console.error(`Unknown option ${a}\n${USAGE}`);
      return 2;
    } else dirs.push(a);
  }
  if (model === undefined || model === "") {
    console.error(`--model NAME is required\n${USAGE}`);
    return 2;
  }
  if (dirs.length === 0) {
    console.error(`Give at least one run folder\n${USAGE}`);
    return 2;
  }
  try {
    console.log(cardTables(await loadResultRows(dirs), model).trimEnd());
    return 0;
  } catch (e) {
    console.error(`Error: ${(e as Error).message}`);
    return 1;
  }
}

if (import.meta.main) Deno.exit(await cardMain(Deno.args));
