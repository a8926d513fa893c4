/**
 * summary.md: the run's provenance, the headline (longest passing length per model × backend × dtype ×
 * task, see headline.ts), then per task its tables with a row per model × backend × dtype and a column
 * per length — greedy accuracy, mean partial credit (tasks that give it), teacher-forced accuracy and
 * median prefill tokens/s; for likelihood-scored tasks (lm_bpb) bits per byte by length and by prompt
 * position instead of the accuracies — then the non-ok rows by status. Plain enough to read with `cat`.
 *
 * @module
 */

import { STATUSES } from "../runner/result.ts";
import { aggregate, type Group, likelihoodTasks, partialCreditTasks, untrainedModels } from "./aggregate.ts";
import { type BpbCurve, bpbCurves } from "./bpb_curve.ts";
import { groupFailures } from "./failures.ts";
import { headline, HEADLINE_RULE } from "./headline.ts";
import {
  formatAccuracy,
  formatBpb,
  formatBytes,
  formatCommit,
  formatCompact,
  formatLength,
  formatMeanScore,
  truncate,
} from "./format.ts";
import type { LoadedRun } from "./load.ts";
import { codeSpan, markdownTable } from "./markdown.ts";

/** Longest message shown per failure entry (characters); results.csv has them whole. */
const MESSAGE_MAX = 160;

/**
 * Renders summary.md.
 *
 * @example
 * ```ts
 * await Deno.writeTextFile(`${dir}/summary.md`, renderSummary(await loadRun(dir)));
 * ```
 */
export function renderSummary(run: LoadedRun): string {
  const { info, rows } = run;
  const groups = aggregate(rows);
  const okCount = rows.filter((r) => r.status === "ok").length;
  const env = info.environment;
  const out: string[] = [
    `# Run ${info.run_id}`,
    "",
    `- commit: ${formatCommit(info.commit)}`,
    `- created: ${info.created_at}`,
    `- rows: ${rows.length} (${okCount} ok, ${rows.length - okCount} not ok)`,
    `- environment: ${env.cpu}, ${env.cores} cores, ${formatBytes(env.memory_bytes)}; ${env.os}; ` +
    `deno ${env.deno}; devices: ${env.devices.join(", ") || "none"}`,
  ];
  const untrained = untrainedModels(rows);
  if (untrained.length > 0) {
    out.push("", `**Untrained random weights: ${untrained.join(", ")}. Their accuracy is chance.**`);
  }
  out.push("", ...headlineSection(groups));
  const partial = partialCreditTasks(groups);
  const likelihood = likelihoodTasks(groups);
  const curves = bpbCurves(rows, false);
  for (const task of unique(groups.map((g) => g.task))) {
    const mine = groups.filter((g) => g.task === task);
    out.push(
      "",
      ...(likelihood.has(task)
        ? likelihoodSection(task, mine, curves.filter((c) => c.task === task))
        : taskSection(task, mine, partial.has(task))),
    );
  }
  out.push("", ...failureSection(run), "");
  return out.join("\n");
}

function headlineSection(groups: Group[]): string[] {
  const rows = headline(groups).map((h) => [
    h.model,
    h.backend,
    h.dtype,
    h.task,
    h.longest_passing === null ? "none" : formatLength(h.longest_passing),
    h.stop_reason === "" ? "every length passes" : h.stop_reason,
  ]);
  if (rows.length === 0) {
    return ["## Headline", "", "No answer-scored task in this run."];
  }
  return [
    "## Headline",
    "",
    `Longest length whose greedy accuracy has a Wilson 95% lower bound ≥ ${HEADLINE_RULE.lower} over ` +
    `n ≥ ${HEADLINE_RULE.minRows} rows, every shorter length passing too.`,
    "",
    markdownTable(["model", "backend", "dtype", "task", "longest passing", "stops at"], rows, [
      "left",
      "left",
      "left",
      "left",
      "right",
      "left",
    ]),
  ];
}

/** Per model × backend × dtype, the value of each length's group: a Markdown table. */
function lengthTable(groups: Group[], value: (g: Group) => string): string {
  const lengths = unique(groups.map((g) => g.length)).sort((a, b) => a - b);
  const variants = unique(groups.map((g) => JSON.stringify([g.model, g.backend, g.dtype])));
  const header = ["model", "backend", "dtype", ...lengths.map(formatLength)];
  const body = variants.map((variant) => {
    const [model, backend, dtype] = JSON.parse(variant) as string[];
    const mine = groups.filter((g) => g.model === model && g.backend === backend && g.dtype === dtype);
    return [
      model,
      backend,
      dtype,
      ...lengths.map((length) => {
        const group = mine.find((g) => g.length === length);
        return group ? value(group) : "";
      }),
    ];
  });
  return markdownTable(header, body, ["left", "left", "left", ...lengths.map(() => "right" as const)]);
}

/** An answer-scored task: greedy accuracy, mean score (when `partial`), teacher-forced, prefill. */
function taskSection(task: string, groups: Group[], partial: boolean): string[] {
  const score = partial
    ? [
      "### Mean score (partial credit)",
      "",
      "Mean over rows of the share of the answer's values the greedy output names (order-insensitive).",
      "",
      lengthTable(groups, (g) => withFailures(g, formatMeanScore(g.score))),
      "",
    ]
    : [];
  return [
    `## Task ${task}`,
    "",
    "### Greedy accuracy",
    "",
    lengthTable(groups, (g) => withFailures(g, formatAccuracy(g.greedy))),
    "",
    ...score,
    "### Teacher-forced accuracy",
    "",
    lengthTable(groups, (g) => withFailures(g, formatAccuracy(g.teacher_forced))),
    "",
    ...prefillTable(groups),
  ];
}

/** A likelihood-scored task: bits per byte by length and by prompt position, then prefill. */
function likelihoodSection(task: string, groups: Group[], curves: BpbCurve[]): string[] {
  return [
    `## Task ${task}`,
    "",
    "### Bits per byte",
    "",
    "Over every scored byte of the length's rows (each row weighted by the bytes it scored).",
    "",
    lengthTable(groups, (g) => withFailures(g, formatBpb(g.bpb))),
    "",
    "### Bits per byte by position",
    "",
    "Prompt positions [start, end) of the scored bytes, pooled over every length and sample.",
    "",
    positionTable(curves),
    "",
    ...prefillTable(groups),
  ];
}

function prefillTable(groups: Group[]): string[] {
  return [
    "### Prefill tokens/s (median)",
    "",
    lengthTable(groups, (g) =>
      withFailures(
        g,
        g.prefill_tokens_per_s_median === null ? "–" : formatCompact(g.prefill_tokens_per_s_median),
      )),
  ];
}

/** A row per curve, a column per bucket start (labelled with the largest end any curve has there). */
function positionTable(curves: BpbCurve[]): string {
  if (curves.length === 0) return "No ok row.";
  const ends = new Map<number, number>();
  for (const p of curves.flatMap((c) => c.points)) ends.set(p.start, Math.max(ends.get(p.start) ?? 0, p.end));
  const starts = [...ends.keys()].sort((a, b) => a - b);
  const header = [
    "model",
    "backend",
    "dtype",
    ...starts.map((s) => `${formatLength(s)}–${formatLength(ends.get(s)!)}`),
  ];
  const body = curves.map((c) => [
    c.model,
    c.backend,
    c.dtype,
    ...starts.map((s) => c.points.find((p) => p.start === s)?.bpb.toFixed(3) ?? ""),
  ]);
  return markdownTable(header, body, ["left", "left", "left", ...starts.map(() => "right" as const)]);
}

/** A cell's value, followed by its failed rows ("+1 oom"); only the failures when no row is ok. */
function withFailures(group: Group, value: string): string {
  const failed = STATUSES.filter((s) => s !== "ok" && group.status_counts[s] > 0)
    .map((s) => `${group.status_counts[s]} ${s}`);
  if (failed.length === 0) return value;
  if (group.n_ok === 0) return failed.join(", ");
  return `${value} +${failed.join(", +")}`;
}

function failureSection(run: LoadedRun): string[] {
  const failures = groupFailures(run.rows);
  if (failures.length === 0) return ["## Non-ok rows", "", "None."];
  const out = ["## Non-ok rows"];
  for (const status of STATUSES) {
    const mine = failures.filter((f) => f.status === status);
    if (mine.length === 0) continue;
    const total = mine.reduce((sum, f) => sum + f.count, 0);
    out.push("", `### ${status} (${total})`, "");
    for (const f of mine) {
      const times = f.count > 1 ? ` ×${f.count}` : "";
      const message = f.message === "" ? "(no message)" : codeSpan(truncate(f.message, MESSAGE_MAX));
      out.push(
        `- ${f.model} · ${f.backend} · ${f.dtype} · ${f.task} · ${
          formatLength(f.length)
        }${times}: ${message}`,
      );
    }
  }
  return out;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
