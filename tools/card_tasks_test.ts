// Tests of the model card's task tables (tools/card_tasks.ts): cells of hits and partial scores, missing
// cells, rows that are not ok, the learned verdict at exactly twice chance, the lm_bpb table, the errors and
// the command line.
import { deepStrictEqual, ok, rejects, strictEqual, throws } from "node:assert/strict";
import { SCHEMA_VERSION, type Status } from "../runner/result.ts";
import type { Task, TaskChance } from "../tasks/task.ts";
import { loadResultRows } from "../reports/load.ts";
import { formatChance } from "../reports/format.ts";
import { cardMain, type CardRow, cardTables } from "./card_tasks.ts";

/** A row of model "m", eval split, ok, exact match as given, score 1 or 0 unless given. */
function row(task: string, length: number, correct: boolean, more: Partial<CardRow> = {}): CardRow {
  return {
    model: "m",
    task,
    status: "ok",
    task_params: { split: "eval" },
    length_requested: length,
    correct,
    score: correct ? 1 : 0,
    bpb: null,
    ...more,
  };
}

function rows(task: string, length: number, hits: number, n: number, more: Partial<CardRow> = {}): CardRow[] {
  return Array.from({ length: n }, (_, i) => row(task, length, i < hits, more));
}

function failed(task: string, length: number, status: Status, n: number): CardRow[] {
  return rows(task, length, 0, n, { status, correct: null, score: null });
}

/** A task with the given chance level (none: a likelihood task); it generates nothing. */
function fakeTask(name: string, chance?: TaskChance): Task {
  return {
    name,
    description: name,
    stopByte: 0x2e,
    generatorVersion: 1,
    minLength: 1,
    generate: () => {
      throw new Error("not used");
    },
    ...(chance === undefined ? {} : { chance }),
  };
}

Deno.test("chance levels are formatted compactly", () => {
  deepStrictEqual(
    [1 / 9e6, 1 / 270000, 0.01, 0.003, 4.2e-36, 0].map(formatChance),
    ["1.1e-7", "3.7e-6", "0.01", "0.003", "4.2e-36", "0"],
  );
});

Deno.test("registry tasks: hits/n with mean score per length, missing cells, non-ok rows, chance, verdicts", () => {
  const input: CardRow[] = [
    // passkey: learned at 4K, weaker at 8K, three timeouts and a skip at 8K.
    ...rows("passkey", 4096, 9, 10),
    ...rows("passkey", 8192, 2, 4),
    ...failed("passkey", 8192, "timeout", 3),
    ...failed("passkey", 8192, "skipped", 1),
    // niah_multivalue: no exact match at 4K but partial credit (0.5 and 0.25): not learned (exact 0 <
    // 2 × 1.5e-28); no 8K rows.
    row("niah_multivalue", 4096, false, { score: 0.5 }),
    row("niah_multivalue", 4096, false, { score: 0.25 }),
    // niah_single: only 8K evaluated, one hit of two; the verdict names 8K.
    ...rows("niah_single", 8192, 1, 2),
    // common_words: all timeouts at 4K; at 8K one exact match of 2 but the mean score 0.015 < 2 × 0.01.
    ...failed("common_words", 4096, "timeout", 2),
    row("common_words", 8192, true, { score: 0.02 }),
    row("common_words", 8192, false, { score: 0.01 }),
    // Ignored: another model, the train split, and a row without a split.
    ...rows("passkey", 4096, 0, 5, { model: "other" }),
    ...rows("passkey", 4096, 0, 5, { task_params: { split: "train" } }),
    row("passkey", 4096, false, { task_params: {} }),
  ];
  const md = cardTables(input, "m");
  strictEqual(
    md,
    [
      "### Answer tasks of m: greedy exact match hits/n (mean partial-credit score), eval split",
      "",
      "| task | 4K | 8K | chance (exact / score) | learned at 4K? |",
      "|---|---|---|---|---|",
      "| passkey | 9/10 (0.90) | 2/4 (0.50) +3 timeout +1 skipped | 3.7e-6 / 3.7e-6 | yes |",
      "| niah_single | – | 1/2 (0.50) | 1.1e-7 / 1.1e-7 | yes (at 8K) |",
      "| niah_multivalue | 0/2 (0.38) | – | 1.5e-28 / 4.4e-7 | no |",
      "| common_words | – +2 timeout | 1/2 (0.01) | 1.0e-30 / 0.01 | no (at 8K) |",
      "",
      "Not learned (below twice chance at 4K): niah_multivalue, common_words (at 8K).",
      "",
    ].join("\n"),
  );
});

Deno.test("the verdict at exactly twice chance is learned; just below, in exact match or score, is not", () => {
  const tasks = [
    fakeTask("at_twice", { exact: 0.25, score: 0.375 }),
    fakeTask("exact_below", { exact: 0.25, score: 0.375 }),
    fakeTask("score_below", { exact: 0.25, score: 0.375 }),
    fakeTask("no_ok_rows", { exact: 0.25, score: 0.375 }),
  ];
  const input = [
    // 1 hit of 2 = 0.5 = 2 × 0.25; scores 1 and 0.5: mean 0.75 = 2 × 0.375.
    row("at_twice", 4096, true),
    row("at_twice", 4096, false, { score: 0.5 }),
    // 1 hit of 3 < 0.5, mean score (1 + 1 + 0.25) / 3 = 0.75.
    row("exact_below", 4096, true),
    row("exact_below", 4096, false, { score: 1 }),
    row("exact_below", 4096, false, { score: 0.25 }),
    // 1 hit of 2, mean score (1 + 0.49) / 2 < 0.75.
    row("score_below", 4096, true),
    row("score_below", 4096, false, { score: 0.49 }),
    ...failed("no_ok_rows", 4096, "oom", 2),
  ];
  const md = cardTables(input, "m", tasks);
  ok(md.includes("| at_twice | 1/2 (0.75) | 0.25 / 0.38 | yes |"), md);
  ok(md.includes("| exact_below | 1/3 (0.75) | 0.25 / 0.38 | no |"), md);
  ok(md.includes("| score_below | 1/2 (0.74) | 0.25 / 0.38 | no |"), md);
  ok(md.includes("| no_ok_rows | – +2 oom | 0.25 / 0.38 | – (no ok rows) |"), md);
  ok(md.includes("Not learned (below twice chance at 4K): exact_below, score_below.\n"), md);
});

Deno.test("rows without a score count 1 when correct; unknown tasks come last, without chance", () => {
  const input = [
    row("passkey", 4096, true, { score: undefined }),
    row("passkey", 4096, false, { score: undefined }),
    row("mystery", 4096, true),
  ];
  const md = cardTables(input, "m");
  ok(md.includes("| passkey | 1/2 (0.50) | 3.7e-6 / 3.7e-6 | yes |"), md);
  ok(md.includes("| mystery | 1/1 (1.00) | – | – |"), md);
  ok(md.includes("Not learned (below twice chance at 4K): none."), md);
});

Deno.test("lm_bpb rows give a table of mean bits per byte by length, with sample counts", () => {
  const bpb = (length: number, value: number | null, status: Status = "ok") =>
    row("lm_bpb", length, false, { correct: null, score: null, bpb: value, status });
  const input = [
    bpb(4096, 1.5),
    bpb(4096, 2.0),
    bpb(16384, 1.25),
    bpb(16384, null, "oom"),
    ...rows("passkey", 4096, 1, 1),
  ];
  const md = cardTables(input, "m");
  ok(!md.includes("| lm_bpb |"), "lm_bpb is no answer task");
  ok(
    md.endsWith(
      [
        "### lm_bpb of m: mean bits per byte by length, eval split",
        "",
        "| length | samples | mean bpb |",
        "|---|---|---|",
        "| 4K | 2 | 1.750 |",
        "| 16K | 1 +1 oom | 1.250 |",
        "",
      ].join("\n"),
    ),
    md,
  );
  // Only lm_bpb rows: no answer table, no verdict line.
  const only = cardTables([bpb(4096, 1.5)], "m");
  ok(only.startsWith("### lm_bpb of m") && !only.includes("Not learned"), only);
});

Deno.test("a model with no rows, or none on the eval split, is an error naming the problem", () => {
  throws(() => cardTables(rows("passkey", 4096, 1, 1), "x"), /No rows of model "x"; models in the rows: m/);
  throws(() => cardTables([], "x"), /No rows of model "x" \(there are no rows at all\)/);
  throws(
    () => cardTables(rows("passkey", 4096, 1, 3, { task_params: { split: "train" } }), "m"),
    /No eval-split rows of model "m" \(3 rows of other splits\)/,
  );
});

Deno.test("the command line reads run folders; a missing folder or results.jsonl is named", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const full = (r: CardRow) => ({
      schema_version: SCHEMA_VERSION,
      backend: "reference",
      dtype: "f32",
      message: r.status === "ok" ? "" : "x",
      ...r,
    });
    await Deno.mkdir(`${dir}/a`);
    await Deno.mkdir(`${dir}/b`);
    await Deno.mkdir(`${dir}/empty`);
    await Deno.writeTextFile(
      `${dir}/a/results.jsonl`,
      rows("passkey", 4096, 3, 4).map((r) => JSON.stringify(full(r))).join("\n") + "\n",
    );
    await Deno.writeTextFile(
      `${dir}/b/results.jsonl`,
      failed("passkey", 4096, "timeout", 1).map((r) => JSON.stringify(full(r))).join("\n") + "\n",
    );
    strictEqual((await loadResultRows([`${dir}/a`, `${dir}/b`])).length, 5);
    await rejects(loadResultRows([`${dir}/a`, `${dir}/nothere`]), /Run folder .*\/nothere does not exist/);
    await rejects(loadResultRows([`${dir}/empty`]), /Missing .*\/empty\/results\.jsonl: not a run folder\?/);
    await rejects(loadResultRows([`${dir}/a/results.jsonl`]), /Run folder .*results\.jsonl is not a folder/);

    const command = (...args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", new URL("./card_tasks.ts", import.meta.url).pathname, ...args],
        stdout: "piped",
        stderr: "piped",
      }).output();
    const good = await command("--model", "m", `${dir}/a`, `${dir}/b`);
    const out = new TextDecoder().decode(good.stdout);
    strictEqual(good.code, 0, new TextDecoder().decode(good.stderr));
    ok(out.includes("| passkey | 3/4 (0.75) +1 timeout | 3.7e-6 / 3.7e-6 | yes |"), out);
    const bad = await command("--model=zz", `${dir}/a`);
    strictEqual(bad.code, 1);
    ok(new TextDecoder().decode(bad.stderr).includes('No rows of model "zz"; models in the rows: m'));
    strictEqual(await cardMain(["--model", "m"]), 2);
    strictEqual(await cardMain([`${dir}/a`]), 2);
    strictEqual(await cardMain(["--model", "m", `${dir}/nothere`]), 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
