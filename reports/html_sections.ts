/**
 * The HTML report's sections other than the charts: run header, results by cell, every row, the
 * non-ok rows, op × backend support and the run config. Every run or row string is escaped here.
 *
 * @module
 */

import type { ResultRow, RunInfo } from "../runner/result.ts";
import { type Group, untrainedModels } from "./aggregate.ts";
import { escapeHtml } from "./escape.ts";
import { groupFailures } from "./failures.ts";
import {
  formatAccuracy,
  formatBpb,
  formatBytes,
  formatChanceCell,
  formatCommit,
  formatCompact,
  formatLength,
  formatMeanScore,
  formatPercent,
  statusTally,
  truncate,
} from "./format.ts";
import { type Cell, htmlTable, raw } from "./html_table.ts";

/** Rows listed in "All rows"; results.csv has them all. */
const ROWS_MAX = 5000;
/** Characters of an output or message shown in a table cell; the whole text is in the title. */
const TEXT_MAX = 120;

/** Run id, commit, creation time and environment. */
export function headerSection(info: RunInfo, rows: readonly ResultRow[]): string {
  const env = info.environment;
  const ok = rows.filter((r) => r.status === "ok").length;
  const items: [string, string][] = [
    ["commit", formatCommit(info.commit)],
    ["created", info.created_at],
    ["rows", `${rows.length} (${ok} ok, ${rows.length - ok} not ok)`],
    ["CPU", `${env.cpu}, ${env.cores} cores, ${formatBytes(env.memory_bytes)}`],
    ["devices", env.devices.join(", ") || "none"],
    ["OS", env.os],
    ["runtime", `Deno ${env.deno}, V8 ${env.v8}, TypeScript ${env.typescript}`],
  ];
  const dl = items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join("\n");
  const untrained = untrainedModels(rows);
  const warn = untrained.length === 0
    ? ""
    : `\n<p class="warn">Untrained random weights: ${
      escapeHtml(untrained.join(", "))
    }. Their accuracy is chance, not a measurement of the architecture.</p>`;
  return `<header>\n<h1>Run ${
    escapeHtml(info.run_id)
  }</h1>\n<dl class="meta">\n${dl}\n</dl>${warn}\n</header>`;
}

/**
 * One line per group: failures, accuracies with intervals, mean partial credit, the task's chance level
 * (from run.json's `tasks`: a blind uniform guess, exact match / mean score), bits per byte
 * (likelihood-scored tasks), timings and peaks.
 */
export function resultsSection(groups: readonly Group[], tasks: RunInfo["tasks"] = {}): string {
  const rows: Cell[][] = groups.map((g) => [
    g.task,
    g.model,
    g.backend,
    g.dtype,
    formatLength(g.length),
    g.length_actual_median === null ? "–" : String(g.length_actual_median),
    g.n,
    g.n_ok,
    raw(`<span class="not-ok">${escapeHtml(statusTally(g.status_counts))}</span>`),
    accuracyCell(g.greedy),
    accuracyCell(g.teacher_forced),
    formatMeanScore(g.score),
    formatChanceCell(tasks[g.task]?.chance),
    formatBpb(g.bpb),
    formatCompact(g.prefill_tokens_per_s_median),
    formatCompact(g.decode_ms_per_token_median),
    formatBytes(g.peak_host_bytes_max),
    formatBytes(g.peak_device_bytes_max),
  ]);
  const header = [
    "task",
    "model",
    "backend",
    "dtype",
    "length",
    "actual",
    "n",
    "ok",
    "not ok",
    "greedy",
    "teacher-forced",
    "mean score",
    "chance",
    "bits/byte",
    "prefill tok/s",
    "decode ms/tok",
    "peak host",
    "peak device",
  ];
  const numeric = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
  return section("results", "Results by cell", htmlTable(header, rows, { numeric }));
}

/** Every row (up to ROWS_MAX) with its expected answer and output, folded away by default. */
export function rowsSection(rows: readonly ResultRow[]): string {
  const shown = rows.slice(0, ROWS_MAX);
  const body: Cell[][] = shown.map((r) => [
    r.task,
    r.model,
    r.backend,
    r.dtype,
    formatLength(r.length_requested),
    r.depth,
    r.seed,
    r.sample,
    r.status,
    longText(r.expected),
    r.output === null ? "–" : longText(r.output),
    flag(r.correct),
    flag(r.correct_teacher_forced),
    typeof r.score === "number" ? r.score.toFixed(2) : "–",
    typeof r.bpb === "number" ? r.bpb.toFixed(3) : "–",
    formatCompact(r.prefill_tokens_per_s),
  ]);
  const header = [
    "task",
    "model",
    "backend",
    "dtype",
    "length",
    "depth",
    "seed",
    "sample",
    "status",
    "expected",
    "output",
    "greedy",
    "teacher-forced",
    "score",
    "bits/byte",
    "prefill tok/s",
  ];
  const note = rows.length > ROWS_MAX
    ? `<p>First ${ROWS_MAX} of ${rows.length} rows; results.csv has all.</p>`
    : "";
  const table = htmlTable(header, body, { numeric: [4, 5, 6, 7, 13, 14, 15] });
  return section(
    "rows",
    "All rows",
    `<details>\n<summary>${rows.length} rows</summary>\n${note}${table}\n</details>`,
  );
}

/** Non-ok rows folded by status, cell, length and message. */
export function failuresSection(rows: readonly ResultRow[]): string {
  const failures = groupFailures(rows);
  if (failures.length === 0) return section("failures", "Non-ok rows", "<p>None: every row is ok.</p>");
  const body: Cell[][] = failures.map((f) => [
    raw(`<span class="status status-${escapeHtml(f.status)}">${escapeHtml(f.status)}</span>`),
    f.count,
    f.task,
    f.model,
    f.backend,
    f.dtype,
    formatLength(f.length),
    longText(f.message),
  ]);
  const header = ["status", "rows", "task", "model", "backend", "dtype", "length", "message"];
  return section("failures", "Non-ok rows", htmlTable(header, body, { numeric: [1, 6] }));
}

/** Which backend supports which op, and why a backend is unavailable. */
export function opSupportSection(info: RunInfo): string {
  const backends = [...new Set([...Object.keys(info.op_support), ...Object.keys(info.backends)])];
  const ops = [...new Set(Object.values(info.op_support).flatMap((m) => Object.keys(m)))].sort();
  const body: Cell[][] = ops.map((op) => [
    raw(`<code>${escapeHtml(op)}</code>`),
    ...backends.map((b) => {
      const supported = info.op_support[b]?.[op];
      if (supported === undefined) return "";
      return raw(supported ? '<span class="yes">✓</span>' : '<span class="no">✗</span>');
    }),
  ]);
  const availability = backends.map((b) => {
    const a = info.backends[b];
    const state = a === undefined ? "not probed" : a.available ? "available" : "unavailable";
    return `<li><b>${escapeHtml(b)}</b>: ${state}${a?.reason ? ` — ${escapeHtml(a.reason)}` : ""}</li>`;
  });
  return section(
    "ops",
    "Op support by backend",
    `${htmlTable(["op", ...backends], body)}\n<ul class="backends">\n${availability.join("\n")}\n</ul>`,
  );
}

/**
 * The environment and every knob of the run, as run.json holds them. A folder that several invocations
 * wrote into (say f64, then f32) keeps the last one's config; the variants found only in the rows are
 * named so that a reader is not misled.
 */
export function configSection(info: RunInfo, rows: readonly ResultRow[]): string {
  const resolved = info.config.backends_resolved;
  const configured = new Set(
    typeof resolved === "object" && resolved !== null ? Object.values(resolved).map(String) : [],
  );
  const inRows = [...new Set(rows.map((r) => `${r.backend}/${r.dtype}`))].sort();
  const others = inRows.filter((v) => !configured.has(v));
  const note = others.length === 0 || configured.size === 0
    ? ""
    : `<p class="note">This config is the last invocation's (${
      escapeHtml([...configured].join(", "))
    }); rows from earlier invocations into the same folder also ran ${escapeHtml(others.join(", "))}.</p>\n`;
  const json = (value: unknown) => `<pre>${escapeHtml(JSON.stringify(value, null, 2))}</pre>`;
  return section(
    "config",
    "Environment and run config",
    `${note}<h3>Config</h3>\n${json(info.config)}\n<h3>Environment</h3>\n${json(info.environment)}\n` +
      `<h3>Commit</h3>\n${json(info.commit)}`,
  );
}

/** A titled section; `id` and `title` are literals of this module, `body` is escaped markup. */
export function section(id: string, title: string, body: string): string {
  return `<section id="${id}">\n<h2>${escapeHtml(title)}</h2>\n${body}\n</section>`;
}

function accuracyCell(a: Group["greedy"]): Cell {
  if (a.interval === null) return "–";
  const ci = `95% CI ${formatPercent(a.interval.lower)}–${formatPercent(a.interval.upper)}`;
  return raw(`<span title="${escapeHtml(ci)}">${escapeHtml(formatAccuracy(a))}</span>`);
}

function longText(text: string): Cell {
  const short = truncate(text, TEXT_MAX);
  if (short === text) return raw(`<code class="text">${escapeHtml(text)}</code>`);
  return raw(`<code class="text" title="${escapeHtml(text)}">${escapeHtml(short)}</code>`);
}

function flag(value: boolean | null): string {
  return value === null ? "–" : value ? "yes" : "no";
}
