/**
 * Sweep behaviour end to end on the reference backend: the five files, one row per (cell, sample),
 * resume (skip present rows, drop a torn line, every row exactly once after a kill), timeouts.
 */
import { getTask } from "../tasks/mod.ts";
import assert from "node:assert/strict";
import { listBackends } from "../backends/registry.ts";
import { referenceFactory } from "../backends/reference/mod.ts";
import { resolveRunConfig } from "./config.ts";
import { runSweep } from "./sweep.ts";
import type { ResultRow, RunInfo } from "./result.ts";

const quiet = () => {};

function rows(dir: string): ResultRow[] {
  return Deno.readTextFileSync(`${dir}/results.jsonl`).trim().split("\n").map((l) => JSON.parse(l));
}

Deno.test("a sweep writes the five files with one complete row per sample", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = resolveRunConfig({
    models: "ramba-tiny,mamba2-tiny",
    backends: "reference",
    lengths: "300,400",
    depths: "0.5",
    samples: "2",
    randomWeights: true,
    segment: "128",
    out: dir,
  });
  const summary = await runSweep(cfg, quiet);
  assert.equal(summary.written, 8);
  for (const f of ["results.jsonl", "results.csv", "summary.md", "index.html", "run.json"]) {
    assert.ok(Deno.statSync(`${dir}/${f}`).size > 0, f);
  }
  const rs = rows(dir);
  assert.equal(rs.length, 8);
  assert.equal(new Set(rs.map((r) => r.key)).size, 8);
  for (const r of rs) {
    assert.equal(r.status, "ok", r.message);
    assert.equal(r.trained, false);
    assert.equal(r.length_actual, r.length_requested);
    assert.equal(r.answer_logits!.length, r.expected.length);
    assert.ok(r.prefill_tokens_per_s! > 0 && r.peak_host_bytes! > 0 && r.peak_device_bytes! > 0);
    assert.ok(r.session_bytes! > 0);
    assert.equal(typeof r.correct, "boolean");
    assert.equal(r.segment_tokens, 128);
  }
  // The same sample across models shares its sample_key, and differs in cell_key.
  const byModel = (m: string) => rs.filter((r) => r.model === m).map((r) => r.sample_key);
  assert.deepEqual(byModel("ramba-tiny"), byModel("mamba2-tiny"));
  const info: RunInfo = JSON.parse(Deno.readTextFileSync(`${dir}/run.json`));
  assert.equal(info.op_support.reference.hsaSelect, true);
  // run.json records each task's description and chance level, for the report.
  assert.deepEqual(info.tasks?.passkey.chance, getTask("passkey").chance);
  // run.json records each backend's availability as the registry probes it on this machine.
  for (const b of await listBackends()) assert.equal(info.backends[b.name].available, b.available, b.name);
});

Deno.test("without --segment each backend uses its preferred segment", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = resolveRunConfig({
    models: "mamba2-tiny",
    backends: "reference",
    lengths: "300",
    depths: "0.5",
    randomWeights: true,
    out: dir,
  });
  assert.equal(cfg.segment, 0);
  assert.equal(resolveRunConfig({ segment: "auto" }).segment, 0);
  await runSweep(cfg, quiet);
  assert.equal(rows(dir)[0].segment_tokens, referenceFactory.preferredSegment);
});

Deno.test("resume skips present rows and reruns a torn last line", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = resolveRunConfig({
    models: "mamba2-tiny",
    backends: "reference",
    lengths: "300",
    depths: "0.2,0.8",
    samples: "2",
    randomWeights: true,
    out: dir,
  });
  await runSweep(cfg, quiet);
  const path = `${dir}/results.jsonl`;
  const full = Deno.readTextFileSync(path);
  const lines = full.trim().split("\n");
  // A process killed mid-write leaves part of the last row and no newline.
  Deno.writeTextFileSync(path, lines.slice(0, 3).join("\n") + "\n" + lines[3].slice(0, 40));
  const again = await runSweep(cfg, quiet);
  assert.equal(again.written, 1);
  assert.equal(again.skippedExisting, 3);
  const rs = rows(dir);
  assert.equal(rs.length, 4);
  assert.deepEqual(rs.map((r) => r.key).sort(), lines.map((l) => JSON.parse(l).key).sort());
  const third = await runSweep(cfg, quiet);
  assert.equal(third.written, 0);
});

Deno.test("a damaged middle line stops the resume instead of writing over it", async () => {
  const dir = await Deno.makeTempDir();
  Deno.writeTextFileSync(`${dir}/results.jsonl`, '{"key":"a"}\nnot json\n{"key":"b"}\n');
  const cfg = resolveRunConfig({
    models: "mamba2-tiny",
    lengths: "300",
    randomWeights: true,
    out: dir,
    backends: "reference",
  });
  await assert.rejects(() => runSweep(cfg, quiet), /line 2 is not a result row/);
});

Deno.test("a cell over --cell-timeout becomes a timeout row, its later samples skipped, the sweep goes on", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = resolveRunConfig({
    models: "ramba-tiny",
    backends: "reference",
    lengths: "2000,300",
    depths: "0.5",
    samples: "2",
    segment: "64",
    cellTimeout: "0.05",
    randomWeights: true,
    out: dir,
  });
  await runSweep(cfg, quiet);
  const rs = rows(dir);
  const long = rs.filter((r) => r.length_requested === 2000);
  assert.deepEqual(long.map((r) => r.status), ["timeout", "skipped"]);
  assert.match(long[0].message, /timeout/i);
  assert.match(long[1].message, /earlier sample of this cell ended with timeout/);
  assert.equal(rs.length, 4);
});

Deno.test("a killed sweep rerun with the same --out ends with every row exactly once", async () => {
  const dir = await Deno.makeTempDir();
  const args = [
    "run",
    "-A",
    new URL("../main.ts", import.meta.url).pathname,
    "--model",
    "mamba2-tiny",
    "--backend",
    "reference",
    "--lengths",
    "600",
    "--depths",
    "0.1,0.3,0.5,0.7,0.9",
    "--samples",
    "2",
    "--random-weights",
    "--out",
    dir,
  ];
  const child = new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "null" }).spawn();
  // Kill it as soon as some rows are written.
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 50));
    let n = 0;
    try {
      n = Deno.readTextFileSync(`${dir}/results.jsonl`).split("\n").length - 1;
    } catch { /* not yet */ }
    if (n >= 2) break;
  }
  child.kill("SIGKILL");
  await child.status;
  const before = rows(dir).length;
  assert.ok(before >= 2 && before < 10, `killed after ${before} rows`);
  const rerun = await new Deno.Command(Deno.execPath(), { args, stdout: "null", stderr: "piped" }).output();
  assert.ok(rerun.success, new TextDecoder().decode(rerun.stderr));
  const rs = rows(dir);
  assert.equal(rs.length, 10);
  assert.equal(new Set(rs.map((r) => r.key)).size, 10);
});
