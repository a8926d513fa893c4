// Tests of sample dumping: the files dumpSamples writes, and the CLI's --dump and --haystack flags.
import { deepStrictEqual, match, notStrictEqual, ok, strictEqual } from "node:assert/strict";
import { dumpSamples } from "./dump.ts";
import { getTask } from "./registry.ts";

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../main.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: o.code, out: dec.decode(o.stdout), err: dec.decode(o.stderr) };
}

Deno.test("dumpSamples writes each prompt's exact bytes and its answer and params", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const task = getTask("niah_multivalue");
    const n = await dumpSamples({
      tasks: [task, getTask("passkey")],
      lengths: [6000],
      depths: [0.25],
      seeds: [3],
      samples: 2,
      split: "train",
      dir: `${dir}/out`,
    });
    strictEqual(n, 4);
    const base = `${dir}/out/niah_multivalue_L6000_d0.25_s3_n1`;
    const s = task.generate({ length: 6000, depth: 0.25, seed: 3, sample: 1, split: "train" });
    const bytes = await Deno.readFile(`${base}.txt`);
    deepStrictEqual(bytes, Uint8Array.from([...s.segments(6000)][0]));
    const info = JSON.parse(await Deno.readTextFile(`${base}.json`));
    strictEqual(info.expected, s.expected);
    deepStrictEqual(info.task_params, s.taskParams);
    deepStrictEqual(info.needle_depths, s.needleDepths);
    strictEqual(info.stop, ".");
    strictEqual(
      JSON.parse(await Deno.readTextFile(`${dir}/out/passkey_L6000_d0.25_s3_n0.json`)).needle_depths,
      null,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--dump N writes samples without running a model; --haystack picks the haystack", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const hay = `${dir}/hay.txt`;
    await Deno.writeTextFile(hay, "My own text. It repeats.");
    const r = await cli(
      "--task",
      "niah_single",
      "--lengths",
      "2k",
      "--depths",
      "0.5",
      "--haystack",
      hay,
      "--dump",
      "1",
      "--out",
      `${dir}/d`,
    );
    strictEqual(r.code, 0, r.err);
    match(r.out, /Wrote 1 samples/);
    const info = JSON.parse(await Deno.readTextFile(`${dir}/d/niah_single_L2048_d0.5_s0_n0.json`));
    strictEqual(info.task_params.haystack, `file:${hay}`);
    ok(
      (await Deno.readTextFile(`${dir}/d/niah_single_L2048_d0.5_s0_n0.txt`)).includes(
        "My own text. It repeats.\n",
      ),
    );
    const words = await cli(
      "--task",
      "niah_single",
      "--lengths",
      "2k",
      "--haystack",
      "random-words",
      "--dump",
      "1",
      "--out",
      `${dir}/w`,
    );
    strictEqual(words.code, 0, words.err);
    const w = JSON.parse(await Deno.readTextFile(`${dir}/w/niah_single_L2048_d0.25_s0_n0.json`));
    strictEqual(w.task_params.haystack, "random-words");
    for (
      const [args, error] of [
        [["--haystack", `${dir}/missing.txt`], /Haystack file .*missing\.txt: /],
        [["--haystack", ""], /--haystack: the value is empty/],
        [["--dump", "0"], /--dump: "0" is not a positive integer/],
      ] as const
    ) {
      const bad = await cli(
        "--task",
        "niah_single",
        "--lengths",
        "2k",
        "--dump",
        "1",
        ...args,
        "--out",
        `${dir}/x`,
      );
      notStrictEqual(bad.code, 0);
      match(bad.err, error);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
