// Tests of format.ts: units, accuracies, truncation and commits.

import assert from "node:assert/strict";
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

Deno.test("formatLength uses binary units where exact, else decimal", () => {
  assert.equal(formatLength(4096), "4K");
  assert.equal(formatLength(1536), "1.5K");
  assert.equal(formatLength(64 * 2 ** 20), "64M");
  assert.equal(formatLength(2 ** 30), "1G");
  assert.equal(formatLength(4000), "4k");
  assert.equal(formatLength(1_000_000), "1M");
  assert.equal(formatLength(1000), "1000");
});

Deno.test("formatCompact keeps three significant digits", () => {
  assert.equal(formatCompact(40960), "41k");
  assert.equal(formatCompact(1_234_567), "1.23M");
  assert.equal(formatCompact(12.345), "12.3");
  assert.equal(formatCompact(null), "–");
});

Deno.test("formatBytes uses IEC units", () => {
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(3 * 2 ** 30), "3 GiB");
  assert.equal(formatBytes(null), "–");
});

Deno.test("formatAccuracy and formatPercent", () => {
  assert.equal(formatAccuracy({ k: 9, n: 10, rate: 0.9, interval: null }), "0.90 (9/10)");
  assert.equal(formatAccuracy({ k: 0, n: 0, rate: null, interval: null }), "–");
  assert.equal(formatPercent(0.59584), "59.6%");
});

Deno.test("truncate puts text on one line and cuts by code point", () => {
  assert.equal(truncate("a\nb   c", 80), "a b c");
  assert.equal(truncate("abcdef", 4), "abc…");
  assert.equal(truncate("😀😀😀", 2), "😀…");
});

Deno.test("formatCommit shows source and dirtiness", () => {
  assert.equal(formatCommit({ sha: "abc", dirty: true, source: "git" }), "abc (git, dirty)");
  assert.equal(formatCommit({ sha: "abc", dirty: false, source: "flag" }), "abc (flag)");
  assert.equal(formatCommit({ sha: null, dirty: null, source: "unknown" }), "unknown (unknown)");
});

Deno.test("statusTally lists non-ok counts in status order", () => {
  const none = { ok: 0, oom: 0, timeout: 0, error: 0, unsupported: 0, skipped: 0 };
  assert.equal(statusTally({ ...none, ok: 3 }), "");
  assert.equal(
    statusTally({ ...none, ok: 1, skipped: 2, oom: 1, unsupported: 4 }),
    "1 oom, 4 unsupported, 2 skipped",
  );
});

Deno.test("formatMeanScore and formatBpb show the value and the rows, or a dash", () => {
  assert.equal(formatMeanScore({ n: 4, mean: 0.6251, partial: 2 }), "0.63 (n=4)");
  assert.equal(formatMeanScore({ n: 0, mean: null, partial: 0 }), "–");
  assert.equal(formatBpb({ n: 3, bytes: 12285, bpb: 1.23449 }), "1.234 (n=3)");
  assert.equal(formatBpb({ n: 0, bytes: 0, bpb: null }), "–");
});

Deno.test("formatChanceCell: one number when exact and score agree, else both; a dash without a level", () => {
  assert.equal(formatChanceCell({ exact: 1 / 9e6, score: 1 / 9e6 }), "1.1e-7");
  assert.equal(formatChanceCell({ exact: 1e-30, score: 0.01 }), "1.0e-30 / 0.01");
  assert.equal(formatChanceCell(null), "–");
  assert.equal(formatChanceCell(undefined), "–");
});
