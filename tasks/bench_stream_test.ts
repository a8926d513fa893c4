// Tests of the streaming benchmark's core: the checksum against MurmurHash3's published values and its
// naive twin, every task's stream at 64K checked three ways, corrupted streams caught, the verdicts and the
// command line. No timing is asserted.
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { HAYSTACK_NAMES } from "../datasets/haystack.ts";
import { createRng } from "../datasets/prng.ts";
import {
  digestStream,
  formatTable,
  judge,
  type Measurement,
  measureStream,
  referenceChecksum,
  StreamChecksum,
} from "./bench_stream.ts";
import { getTask, listTasks } from "./registry.ts";
import type { SampleRequest, Task } from "./task.ts";

const enc = new TextEncoder();
const REQUEST: SampleRequest = { length: 65536, depth: 0.5, seed: 3, sample: 0, split: "eval" };

/** MurmurHash3_x86_32 with seed 0, as published (SMHasher; the Wikipedia article's examples). */
const VECTORS: [string, number][] = [
  ["", 0x00000000],
  ["hello", 0x248bfa47],
  ["test", 0xba6bd213],
  ["Hello, world!", 0xc0363e43],
  ["The quick brown fox jumps over the lazy dog", 0x2e4ff723],
];

Deno.test("both checksums give MurmurHash3_x86_32's published values, whatever the segmentation", () => {
  for (const [text, expected] of VECTORS) {
    const bytes = enc.encode(text);
    strictEqual(referenceChecksum(bytes), expected, text);
    const whole = new StreamChecksum();
    whole.update(bytes);
    strictEqual(whole.digest(), expected, text);
    const bytewise = new StreamChecksum();
    for (let i = 0; i < bytes.length; i++) bytewise.update(bytes.subarray(i, i + 1));
    strictEqual(bytewise.digest(), expected, text);
  }
});

Deno.test("the streamed checksum equals the naive one on random bytes cut at random places", () => {
  const rng = createRng(7);
  for (let trial = 0; trial < 40; trial++) {
    const bytes = Uint8Array.from({ length: rng.uniformInt(0, 3000) }, () => rng.uniformInt(0, 255));
    const c = new StreamChecksum();
    for (let at = 0; at < bytes.length;) {
      const n = Math.min(bytes.length - at, rng.uniformInt(0, 9) === 0 ? 0 : rng.uniformInt(1, 700));
      c.update(bytes.subarray(at, at + n)); // unaligned views and empty segments included
      at += n;
    }
    strictEqual(c.length, bytes.length);
    strictEqual(c.digest(), referenceChecksum(bytes), `trial ${trial}`);
  }
});

Deno.test("every task over every shipped haystack streams the same bytes three ways at 64K", () => {
  const tasks = listTasks().filter((t) => (t.maxLength?.("eval") ?? Infinity) >= REQUEST.length).flatMap((
    t,
  ) => t.withHaystack === undefined ? [t] : HAYSTACK_NAMES.map((h) => getTask(t.name, h)));
  ok(tasks.length >= listTasks().length + 2);
  for (const task of tasks) {
    const m = measureStream(task, { request: REQUEST, segment: 65536, repeats: 2 });
    deepStrictEqual(m.problems, [], `${task.name} ${m.haystack}`);
    ok(m.ok);
    strictEqual(m.verifyChecksum, m.checksum);
    strictEqual(m.referenceChecksum, m.checksum);
    strictEqual(m.seconds.length, 2);
    ok(m.peakRssBytes > 0);
  }
});

/** `task` with its segments passed through `mutate` (given each segment, the segment size and its index). */
function corrupt(task: Task, mutate: (seg: Uint8Array, size: number, index: number) => Uint8Array): Task {
  return {
    ...task,
    generate(req: SampleRequest) {
      const s = task.generate(req);
      return {
        ...s,
        *segments(size: number) {
          let index = 0;
          for (const seg of s.segments(size)) yield mutate(seg, size, index++);
        },
      };
    },
  };
}

Deno.test("a corrupted stream is caught", () => {
  const task = getTask("niah_single", "random-words");
  // Byte 70,000 flipped whenever the prompt comes in several segments: the two segmentations agree, and
  // only the whole prompt, checked byte by byte, tells.
  const flip = (seg: Uint8Array, size: number, index: number) => {
    const at = 70000 - index * size;
    if (size < 100000 && at >= 0 && at < seg.length) seg[at] ^= 1;
    return seg;
  };
  const same = measureStream(corrupt(task, flip), {
    request: { ...REQUEST, length: 100000 },
    segment: 65536,
    repeats: 1,
  });
  ok(!same.ok);
  strictEqual(same.verifyChecksum, same.checksum);
  match(same.problems.join("\n"), /≠ whole-prompt reference/);

  // A bug of one segmentation only, beyond the reference's reach: the two segmentations disagree.
  const cases: [string, (seg: Uint8Array, size: number, index: number) => Uint8Array, RegExp][] = [
    [
      "a byte altered",
      (seg, size) => (size === 8192 && (seg[7] ^= 0x20), seg),
      /segments\(8192\) .* ≠ segments\(4093\)/,
    ],
    [
      "the last byte of each segment lost",
      (seg, size) => size === 8192 ? seg.subarray(0, -1) : seg,
      /gave \d+ tokens/,
    ],
    [
      "a segment cut in two",
      (seg, size, i) => size === 8192 && i === 1 ? seg.subarray(0, 5) : seg,
      /not the last/,
    ],
  ];
  for (const [what, mutate, why] of cases) {
    const m = measureStream(corrupt(task, mutate), {
      request: { ...REQUEST, length: 40000 },
      segment: 8192,
      repeats: 1,
      referenceMaxLength: 0,
    });
    ok(!m.ok, what);
    strictEqual(m.referenceChecksum, null);
    match(m.problems.join("\n"), why, what);
  }

  // Bytes moved across a segment boundary, same length: the checksums still differ.
  const swap = corrupt(task, (seg, size, i) => {
    if (size === 8192 && i === 0) [seg[0], seg[8191]] = [seg[8191], seg[0]];
    return seg;
  });
  const m = measureStream(swap, { request: REQUEST, segment: 8192, repeats: 1, referenceMaxLength: 0 });
  ok(!m.ok);
  ok(m.verifyChecksum !== m.checksum);
});

Deno.test("digestStream counts tokens and flags segments of the wrong size", () => {
  const a = enc.encode("abcdefgh");
  deepStrictEqual(digestStream([a.subarray(0, 4), a.subarray(4)], 4), {
    checksum: referenceChecksum(a),
    tokens: 8,
  });
  match(digestStream([a.subarray(0, 3), a.subarray(3)], 4).badSegment!, /segment 1 has 5 tokens/);
  match(digestStream([a.subarray(0, 0), a], 8).badSegment!, /segment 0 has 0 tokens/);
});

function row(
  task: string,
  length: number,
  rate: number,
  rssMiB: number,
  problems: string[] = [],
): Measurement {
  return {
    task,
    haystack: "austen",
    length,
    segment: 65536,
    seconds: [length / rate],
    tokensPerSecond: rate,
    cpuSeconds: [length / (2 * rate)],
    tokensPerCpuSecond: 2 * rate,
    peakRssBytes: rssMiB * 2 ** 20,
    rssMethod: "test",
    gcEveryTokens: 0,
    checksum: 0xabc,
    verifyChecksum: 0xabc,
    referenceChecksum: null,
    ok: problems.length === 0,
    problems,
  };
}

Deno.test("judge names every broken bound; the table shows each row", () => {
  const rows = [
    row("passkey", 1 << 20, 2e8, 70),
    row("passkey", 64 << 20, 3e8, 101), // 31 MiB above 1M: within 32
    row("niah_single", 1 << 20, 2e8, 70),
    row("niah_single", 64 << 20, 9e7, 103, ["checksum 1 ≠ whole-prompt reference 2"]),
  ];
  const wall = { minRate: 1e8, clock: "wall" as const, rssGrowthBytes: 32 * 2 ** 20 };
  const failures = judge(rows, wall);
  strictEqual(failures.length, 3, failures.join("\n"));
  match(failures[0], /niah_single \(austen\) at 64M: checksum 1 ≠ whole-prompt reference 2/);
  match(failures[1], /90\.0M tokens per second is under 100\.0M/);
  match(failures[2], /peak RSS grew 33\.0 MiB .* more than 32\.0 MiB/);
  strictEqual(judge(rows, { ...wall, clock: "cpu" }).length, 2); // 180M tokens per CPU-second passes
  deepStrictEqual(judge(rows.slice(0, 2), wall), []);
  const table = formatTable(rows).split("\n");
  strictEqual(table.length, 2 + rows.length);
  match(table[0], /\| task .* \| RSS − RSS\(1M\) MiB \| checksum ok +\|/);
  match(
    table[3],
    /\| passkey +\| austen +\| +64M \| +300\.0 \| +600\.0 \| +101\.0 \| +31\.0 \| ok 00000abc +\|/,
  );
  match(table[5], /MISMATCH/);
});

Deno.test("the command line measures in child processes and prints the table", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./bench_stream.ts", import.meta.url).pathname,
      "--task",
      "passkey",
      "--haystack",
      "repeated-filler",
      "--lengths",
      "64k,128k",
      "--warmup",
      "0",
      "--repeats",
      "1",
      "--min-rate",
      "0",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  strictEqual(out.code, 0, text + new TextDecoder().decode(out.stderr));
  match(text, /\| passkey +\| repeated-filler \| +64k \|/);
  match(text, /\| passkey +\| repeated-filler \| +128k \|.* ok [0-9a-f]{8} \|/);
  match(text, /PASS: checksums agree/);
});
