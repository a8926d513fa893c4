/**
 * Streaming benchmark of the task generators (issue 5): every registered task (each shipped haystack for
 * tasks with one) at 1M, 16M and 64M tokens, each measurement in its own process, streaming every segment
 * through a rolling checksum that must equal a reference, with tokens/s and peak RSS. Exits non-zero on a
 * checksum mismatch, peak RSS more than 32 MiB above the shortest length's, or under 100M tokens/s.
 *
 *   taskset -c 0 deno task bench:tasks [--task LIST] [--haystack LIST] [--lengths 1M,16M,64M]
 *     [--segment 65536] [--repeats 3] [--warmup 16M] [--gc-every 16M] [--cpu auto|N|none]
 *     [--min-rate 1e8] [--clock wall|cpu] [--rss-growth-mib 32] [--depth 0.5] [--seed 0]
 *
 * One core: `taskset -c 0` pins the run and its children (which inherit the affinity); without it,
 * `--cpu auto` pins each child to the first allowed CPU itself when taskset is installed. Deno needs -A:
 * the children read /proc/self/status and reset VmHWM through /proc/self/clear_refs. Each child warms up
 * (`--warmup` tokens, so the timed passes run JIT-compiled code as a long sweep does) and asks V8 for a
 * minor GC every `--gc-every` tokens (see {@link MeasureOptions.gcEveryTokens}; 0 leaves GC to V8).
 *
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { HAYSTACK_NAMES } from "../datasets/haystack.ts";
import { formatLength, parseLength } from "../runner/config.ts";
import { cpuName, HostPeak } from "../runner/env.ts";
import { getTask, listTasks } from "./registry.ts";
import type { SampleRequest, Task } from "./task.ts";

const C1 = 0xcc9e2d51, C2 = 0x1b873593, TWO_POW_32 = 4294967296;
/** The second segmentation every stream is checked with: a prime, so boundaries fall everywhere. */
export const VERIFY_SEGMENT = 4093;
/** Longest prompt also checked against a whole-prompt, byte-by-byte reference (it is held whole). */
export const REFERENCE_MAX_LENGTH = 1 << 20;

/**
 * The rolling checksum of a token stream: MurmurHash3_x86_32 (Appleby) with seed 0 over the prompt's bytes,
 * computed incrementally. Each 4 bytes form a little-endian word k; k = rotl(k·c1, 15)·c2; h ^= k;
 * h = rotl(h, 13)·5 + 0xe6546b64. Up to 3 bytes carry over to the next segment, so the value depends on the
 * bytes alone, not on how they were segmented. digest() mixes in the 1–3 tail bytes and the length (mod
 * 2^32) and applies fmix32. About 3 GB/s on one core, so it costs a consumer ~3% of the time budget at 100M
 * tokens/s, and it reads every byte: no stream that skips or alters one passes.
 *
 * @example
 * ```ts
 * import { StreamChecksum } from "./bench_stream.ts";
 * const c = new StreamChecksum();
 * c.update(new TextEncoder().encode("hel"));
 * c.update(new TextEncoder().encode("lo"));
 * c.digest(); // 0x248bfa47, MurmurHash3_x86_32("hello", 0)
 * ```
 */
export class StreamChecksum {
  /** Bytes consumed so far. */
  length = 0;
  #h = 0;
  #carry = 0; // (0–3 bytes, little-endian) the start of a word the next segment completes
  #carried = 0;

  /** Consumes `bytes`, the next bytes of the stream. */
  update(bytes: Uint8Array): void {
    const n = bytes.length;
    let h = this.#h, i = 0;
    this.length += n;
    if (this.#carried > 0) {
      let carry = this.#carry, carried = this.#carried;
      while (carried < 4 && i < n) carry |= bytes[i++] << (8 * carried++);
      if (carried < 4) {
        this.#carry = carry;
        this.#carried = carried;
        return;
      }
      h = mixWord(h, carry);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, n);
    for (const end = n - ((n - i) & 3); i < end; i += 4) {
      let k = Math.imul(view.getUint32(i, true), C1);
      k = (k << 15) | (k >>> 17);
      h ^= Math.imul(k, C2);
      h = (h << 13) | (h >>> 19);
      h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    }
    let carry = 0, carried = 0;
    while (i < n) carry |= bytes[i++] << (8 * carried++);
    this.#h = h;
    this.#carry = carry;
    this.#carried = carried;
  }

  /** The checksum of every byte consumed so far, a u32 (the stream may go on after it). */
  digest(): number {
    let h = this.#h;
    if (this.#carried > 0) {
      const k = Math.imul(this.#carry, C1);
      h ^= Math.imul((k << 15) | (k >>> 17), C2);
    }
    h ^= this.length;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }
}

function mixWord(h: number, word: number): number {
  let k = Math.imul(word, C1);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, C2);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** a · b mod 2^32 in plain binary64 arithmetic: every partial product stays below 2^49, so exact. */
function mul32(a: number, b: number): number {
  return ((a * Math.floor(b / 65536)) % TWO_POW_32 * 65536 + a * (b % 65536)) % TWO_POW_32;
}

/** rotl(x, r) on a u32 in plain arithmetic. */
function rotl32(x: number, r: number): number {
  return (x * 2 ** r) % TWO_POW_32 + Math.floor(x / 2 ** (32 - r));
}

/** a ^ b as a u32. */
function xor32(a: number, b: number): number {
  return (a ^ b) >>> 0;
}

/**
 * MurmurHash3_x86_32(bytes, seed 0) written from the published algorithm, independently of
 * {@link StreamChecksum}: whole-input, words assembled byte by byte, u32 products and rotations in plain
 * arithmetic (no Math.imul, no DataView, no carry). The slow, obviously-correct twin of the streaming one.
 *
 * @example
 * ```ts
 * import { referenceChecksum } from "./bench_stream.ts";
 * referenceChecksum(new TextEncoder().encode("hello")); // 0x248bfa47
 * ```
 */
export function referenceChecksum(bytes: Uint8Array): number {
  let h = 0;
  const words = Math.floor(bytes.length / 4);
  for (let w = 0; w < words; w++) {
    const i = 4 * w;
    const k = bytes[i] + bytes[i + 1] * 256 + bytes[i + 2] * 65536 + bytes[i + 3] * 16777216;
    h = xor32(h, mul32(rotl32(mul32(k, C1), 15), C2));
    h = (mul32(rotl32(h, 13), 5) + 0xe6546b64) % TWO_POW_32;
  }
  const tail = bytes.length % 4;
  if (tail > 0) {
    let k = 0;
    for (let j = tail - 1; j >= 0; j--) k = k * 256 + bytes[4 * words + j];
    h = xor32(h, mul32(rotl32(mul32(k, C1), 15), C2));
  }
  h = xor32(h, bytes.length % TWO_POW_32);
  h = mul32(xor32(h, Math.floor(h / 65536)), 0x85ebca6b);
  h = mul32(xor32(h, Math.floor(h / 8192)), 0xc2b2ae35);
  return xor32(h, Math.floor(h / 65536));
}

/** A stream's checksum, token count and the first segment whose size broke the contract, if any. */
export interface StreamDigest {
  checksum: number;
  tokens: number;
  /** "segment 3 has 100 tokens, expected 4093": segments are `segmentTokens` long but the last. */
  badSegment?: string;
}

/** Asks V8 for a young-generation collection; only present when V8 runs with --expose-gc. */
type MinorGc = (options: { type: "minor" }) => void;

/** A consumer's GC cadence: `collect` after every `every` tokens, counted across streams in `due`. */
export interface GcCadence {
  collect: MinorGc;
  every: number;
  /** Tokens left before the next collection. */
  due: number;
}

/**
 * Streams `segments` (made with `segmentTokens`) through a {@link StreamChecksum}, collecting garbage on
 * the cadence `gc` when given (see {@link MeasureOptions.gcEveryTokens}).
 */
export function digestStream(
  segments: Iterable<Uint8Array>,
  segmentTokens: number,
  gc?: GcCadence,
): StreamDigest {
  const c = new StreamChecksum();
  let index = 0, badSegment: string | undefined, short: string | undefined;
  for (const seg of segments) {
    if (badSegment === undefined) {
      if (seg.length === 0 || seg.length > segmentTokens) {
        badSegment = `segment ${index} has ${seg.length} tokens, expected ${segmentTokens}`;
      } else if (short !== undefined) badSegment = `${short}, yet it is not the last`;
    }
    if (seg.length < segmentTokens) short = `segment ${index} has ${seg.length} tokens`;
    c.update(seg);
    index++;
    if (gc !== undefined && (gc.due -= seg.length) <= 0) {
      gc.collect({ type: "minor" });
      gc.due += gc.every;
    }
  }
  return { checksum: c.digest(), tokens: c.length, ...(badSegment === undefined ? {} : { badSegment }) };
}

/** What one measurement streams. */
export interface MeasureOptions {
  /** The request; its length is the prompt's. */
  request: SampleRequest;
  /** Tokens per segment of the timed passes. */
  segment: number;
  /** Timed passes; the reported rate is their median (default 3). */
  repeats?: number;
  /** Segment tokens of the verifying pass, the first pass (default {@link VERIFY_SEGMENT}). */
  verifySegment?: number;
  /**
   * Tokens to stream before the clock starts, the verifying pass included: untimed passes of `segment`
   * follow it until this many have streamed (default 0: the verifying pass alone), so that the timed passes
   * run JIT-compiled code as a long sweep does, also at short lengths.
   */
  warmupTokens?: number;
  /** Longest length also checked byte by byte against a fresh whole prompt (default 1M). */
  referenceMaxLength?: number;
  /**
   * Tokens streamed between two minor GCs the consumer asks for (0, the default: never). V8 frees dead
   * ArrayBuffers only when 64 MiB of young ones pile up (a scavenge for "external memory pressure"), so a
   * consumer that allocates nothing else sees RSS grow by up to 64 MiB of dead segments whatever the
   * generator holds; collecting more often makes peak RSS show what the generator keeps alive. Needs V8's
   * --expose-gc; the collections run inside the timed passes, so their cost is counted.
   */
  gcEveryTokens?: number;
}

/** One measurement: throughput, peak RSS and the checksums that must agree. */
export interface Measurement {
  task: string;
  /** The haystack streamed, "" for tasks without one. */
  haystack: string;
  length: number;
  segment: number;
  /** Seconds of each timed pass: generate() plus streaming every segment through the checksum. */
  seconds: number[];
  /** length / the median of seconds. */
  tokensPerSecond: number;
  /** CPU seconds of the process (every thread) in each timed pass; on one core, wall time less waits. */
  cpuSeconds: number[];
  /** length / the median of cpuSeconds. */
  tokensPerCpuSecond: number;
  /** Peak RSS over the streaming passes (bytes) and how it was read. */
  peakRssBytes: number;
  rssMethod: string;
  /** Tokens between the consumer's minor GCs, 0 for none. */
  gcEveryTokens: number;
  /** Checksum of the timed passes (segments of `segment`). */
  checksum: number;
  /** Checksum of the verifying pass (segments of verifySegment). */
  verifyChecksum: number;
  /** Checksum of a fresh whole prompt by {@link referenceChecksum}; null above referenceMaxLength. */
  referenceChecksum: number | null;
  /** Every check passed: checksums equal, tokens = length, segment sizes as the contract says. */
  ok: boolean;
  /** Why not, when not ok. */
  problems: string[];
}

/**
 * Measures `task` on one request (steps numbered as they run):
 * 1. Verifying pass: generate(), stream segments(verifySegment) through the checksum.
 * 2. Warm-up: untimed passes of segments(segment) until warmupTokens have streamed (1 included).
 * 3. `repeats` timed passes: generate() again and stream segments(segment); the clocks (wall and process
 *    CPU time) cover both.
 * 4. Peak RSS of passes 1–3 (VmHWM, reset when this function starts).
 * 5. Up to referenceMaxLength: one more generate(), its prompt whole as one segment, checked by
 *    {@link referenceChecksum}.
 * Every checksum must agree and every pass must yield exactly `length` tokens.
 *
 * @example
 * ```ts
 * import { measureStream } from "./bench_stream.ts";
 * import { getTask } from "./registry.ts";
 * const m = measureStream(getTask("passkey"), {
 *   request: { length: 65536, depth: 0.5, seed: 0, sample: 0, split: "eval" }, segment: 65536 });
 * m.ok; // true
 * ```
 */
export function measureStream(task: Task, options: MeasureOptions): Measurement {
  const { request, segment } = options;
  const repeats = options.repeats ?? 3;
  const verifySegment = options.verifySegment ?? VERIFY_SEGMENT;
  const referenceMax = options.referenceMaxLength ?? REFERENCE_MAX_LENGTH;
  const gcEveryTokens = options.gcEveryTokens ?? 0;
  const warmupTokens = options.warmupTokens ?? 0;
  let gc: GcCadence | undefined;
  if (gcEveryTokens > 0) {
    const collect = (globalThis as { gc?: MinorGc }).gc;
    if (collect === undefined) throw new Error("gcEveryTokens needs V8's --expose-gc");
    gc = { collect, every: gcEveryTokens, due: gcEveryTokens };
  }
  const problems: string[] = [];
  const hex = (x: number) => x.toString(16).padStart(8, "0");
  const check = (d: StreamDigest, segmentTokens: number) => {
    if (d.tokens !== request.length) {
      problems.push(`segments(${segmentTokens}) gave ${d.tokens} tokens, expected ${request.length}`);
    }
    if (d.badSegment !== undefined) problems.push(`segments(${segmentTokens}): ${d.badSegment}`);
  };
  const peak = new HostPeak();
  let lengthActual = 0, haystack: unknown;
  const pass = (segmentTokens: number) => {
    const sample = task.generate(request);
    const d = digestStream(sample.segments(segmentTokens), segmentTokens, gc);
    check(d, segmentTokens);
    lengthActual = sample.lengthActual;
    haystack = sample.taskParams.haystack;
    return d.checksum;
  };

  const verify = pass(verifySegment);
  const checksums: number[] = []; // of every pass of segments(segment), warm-up and timed
  for (let streamed = request.length; streamed < warmupTokens; streamed += request.length) {
    checksums.push(pass(segment));
  }
  const seconds: number[] = [], cpuSeconds: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const cpu0 = process.cpuUsage(), t0 = performance.now();
    checksums.push(pass(segment));
    seconds.push((performance.now() - t0) / 1000);
    const cpu = process.cpuUsage(cpu0);
    cpuSeconds.push((cpu.user + cpu.system) / 1e6);
  }
  const checksum = checksums[checksums.length - 1];
  if (checksums.some((c) => c !== checksum)) {
    problems.push(`passes of segments(${segment}) disagree: ${checksums.map(hex).join(" ")}`);
  }
  const peakRssBytes = peak.peak();

  let reference: number | null = null;
  if (request.length <= referenceMax) {
    const fresh = task.generate(request);
    const parts = [...fresh.segments(fresh.lengthActual)];
    if (parts.length !== 1) problems.push(`segments(length) gave ${parts.length} segments, expected 1`);
    const whole = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (whole.set(p, at), at + p.length), 0);
    if (whole.length !== request.length) {
      problems.push(`the whole prompt has ${whole.length} tokens, expected ${request.length}`);
    }
    reference = referenceChecksum(whole);
  }

  if (verify !== checksum) {
    problems.push(
      `checksum of segments(${segment}) ${hex(checksum)} ≠ segments(${verifySegment}) ${hex(verify)}`,
    );
  }
  if (reference !== null && reference !== checksum) {
    problems.push(`checksum ${hex(checksum)} ≠ whole-prompt reference ${hex(reference)}`);
  }
  if (lengthActual !== request.length) {
    problems.push(`lengthActual ${lengthActual} ≠ requested ${request.length}`);
  }
  const median = (xs: number[]) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    task: task.name,
    haystack: typeof haystack === "string" ? haystack : "",
    length: request.length,
    segment,
    seconds,
    tokensPerSecond: request.length / median(seconds),
    cpuSeconds,
    tokensPerCpuSecond: request.length / median(cpuSeconds),
    peakRssBytes,
    rssMethod: peak.method,
    gcEveryTokens,
    checksum,
    verifyChecksum: verify,
    referenceChecksum: reference,
    ok: problems.length === 0,
    problems,
  };
}

/** The bounds a run must meet. */
export interface Thresholds {
  /** Least tokens/s of every measurement (0: no floor). */
  minRate: number;
  /** The rate judged: by wall time, or by the process's CPU time (on one core: wall time less waits). */
  clock: "wall" | "cpu";
  /** Most peak-RSS growth (bytes) from a (task, haystack)'s shortest length to each longer one. */
  rssGrowthBytes: number;
}

/** RSS growth of each measurement over its (task, haystack)'s shortest length, in bytes (0 for that one). */
export function rssGrowth(rows: readonly Measurement[]): number[] {
  return rows.map((r) => {
    const base = rows.filter((o) => o.task === r.task && o.haystack === r.haystack)
      .reduce((a, b) => (b.length < a.length ? b : a));
    return r.peakRssBytes - base.peakRssBytes;
  });
}

/** Every broken bound and failed check, one line each; empty when the run passes. */
export function judge(rows: readonly Measurement[], t: Thresholds): string[] {
  const growth = rssGrowth(rows);
  const failures: string[] = [];
  rows.forEach((r, i) => {
    const what = `${r.task}${r.haystack ? ` (${r.haystack})` : ""} at ${formatLength(r.length)}`;
    for (const p of r.problems) failures.push(`${what}: ${p}`);
    const rate = t.clock === "wall" ? r.tokensPerSecond : r.tokensPerCpuSecond;
    if (rate < t.minRate) {
      failures.push(
        `${what}: ${mtps(rate)}M tokens per ${t.clock === "wall" ? "" : "CPU "}second is under ${
          mtps(t.minRate)
        }M`,
      );
    }
    if (growth[i] > t.rssGrowthBytes) {
      failures.push(
        `${what}: peak RSS grew ${mib(growth[i])} MiB over the shortest length, more than ${
          mib(t.rssGrowthBytes)
        } MiB`,
      );
    }
  });
  return failures;
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const mtps = (rate: number) => (rate / 1e6).toFixed(1);

/** The markdown table of `rows`. */
export function formatTable(rows: readonly Measurement[]): string {
  const growth = rssGrowth(rows);
  const shortest = Math.min(...rows.map((r) => r.length));
  const header = [
    "task",
    "haystack",
    "length",
    "M tokens/s",
    "M tokens/CPU-s",
    "peak RSS MiB",
    `RSS − RSS(${formatLength(shortest)}) MiB`,
    "checksum ok",
  ];
  const body = rows.map((r, i) => [
    r.task,
    r.haystack || "—",
    formatLength(r.length),
    mtps(r.tokensPerSecond),
    mtps(r.tokensPerCpuSecond),
    mib(r.peakRssBytes),
    mib(growth[i]),
    `${r.ok ? "ok" : "MISMATCH"} ${r.checksum.toString(16).padStart(8, "0")}`,
  ]);
  const right = [false, false, true, true, true, true, true, false];
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  const line = (cells: string[]) =>
    `| ${cells.map((x, c) => right[c] ? x.padStart(widths[c]) : x.padEnd(widths[c])).join(" | ")} |`;
  const rule = `| ${widths.map((w, c) => right[c] ? "-".repeat(w - 1) + ":" : "-".repeat(w)).join(" | ")} |`;
  return [line(header), rule, ...body.map(line)].join("\n");
}

/** One child process's job. */
interface Job {
  task: string;
  haystack: string | null;
  length: number;
  segment: number;
  repeats: number;
  warmupTokens: number;
  gcEveryTokens: number;
  depth: number;
  seed: number;
}

/**
 * Runs `job` in a fresh Deno process (so its peak RSS is its own), behind the command prefix `pin`
 * (["taskset", "-c", "0"], say, or none), and returns its measurement; a child that fails gives a failed
 * row, and the run goes on.
 */
async function runChild(job: Job, pin: readonly string[]): Promise<Measurement> {
  const deno = [Deno.execPath(), "run", "-A", "--v8-flags=--expose-gc", new URL(import.meta.url).pathname];
  const [command, ...args] = [...pin, ...deno, "--child", JSON.stringify(job)];
  const env = { NO_COLOR: "1" };
  const out = await new Deno.Command(command, { args, env, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (out.success) return JSON.parse(text.split("\n").at(-1)!) as Measurement;
  const stderr = new TextDecoder().decode(out.stderr).trim().split("\n");
  const why = stderr.find((line) => line.startsWith("error:")) ?? stderr.at(-1);
  return {
    task: job.task,
    haystack: job.haystack ?? "",
    length: job.length,
    segment: job.segment,
    seconds: [],
    tokensPerSecond: 0,
    cpuSeconds: [],
    tokensPerCpuSecond: 0,
    peakRssBytes: NaN,
    rssMethod: "",
    gcEveryTokens: job.gcEveryTokens,
    checksum: 0,
    verifyChecksum: 0,
    referenceChecksum: null,
    ok: false,
    problems: [`the measuring process exited with code ${out.code}: ${why}`],
  };
}

function child(job: Job): void {
  const task = getTask(job.task, job.haystack ?? undefined);
  const request = { length: job.length, depth: job.depth, seed: job.seed, sample: 0, split: "eval" as const };
  const m = measureStream(task, { ...job, request });
  console.log(JSON.stringify(m));
}

function cpusAllowed(): string {
  try {
    return /Cpus_allowed_list:\s*(\S+)/.exec(Deno.readTextFileSync("/proc/self/status"))?.[1] ?? "?";
  } catch {
    return "?";
  }
}

/**
 * The command prefix pinning each child to one core, and a line saying how: --cpu N → taskset -c N;
 * "auto" → the first CPU this process may use, unless it may use only one already (or taskset is missing);
 * "none" → no pinning.
 */
function pinning(cpu: string): { prefix: string[]; note: string } {
  const allowed = cpusAllowed();
  if (cpu === "none") return { prefix: [], note: `not pinned (CPUs allowed: ${allowed})` };
  if (cpu === "auto" && /^\d+$/.test(allowed)) return { prefix: [], note: `pinned to CPU ${allowed}` };
  const target = cpu === "auto" ? /^\d+/.exec(allowed)?.[0] : cpu;
  if (target === undefined || !/^\d+$/.test(target)) {
    if (cpu !== "auto") throw new Error(`--cpu: "${cpu}" must be a CPU number, auto or none`);
    return { prefix: [], note: `not pinned (CPUs allowed: ${allowed})` };
  }
  try {
    new Deno.Command("taskset", { args: ["-V"], stdout: "null", stderr: "null" }).outputSync();
  } catch {
    if (cpu !== "auto") throw new Error("--cpu needs taskset (util-linux), which is not installed");
    return { prefix: [], note: `not pinned: no taskset (CPUs allowed: ${allowed})` };
  }
  return { prefix: ["taskset", "-c", target], note: `each process pinned to CPU ${target} by taskset` };
}

function number(flag: string, text: string, min: number, integer = false): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v < min || (integer && !Number.isSafeInteger(v))) {
    throw new Error(`${flag}: "${text}" must be ${integer ? "an integer" : "a number"} ≥ ${min}`);
  }
  return v;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      task: { type: "string" },
      haystack: { type: "string", default: HAYSTACK_NAMES.join(",") },
      lengths: { type: "string", default: "1M,16M,64M" },
      segment: { type: "string", default: "65536" },
      repeats: { type: "string", default: "3" },
      warmup: { type: "string", default: "16M" },
      clock: { type: "string", default: "wall" },
      "gc-every": { type: "string", default: "16M" },
      "min-rate": { type: "string", default: "1e8" },
      "rss-growth-mib": { type: "string", default: "32" },
      depth: { type: "string", default: "0.5" },
      seed: { type: "string", default: "0" },
      cpu: { type: "string", default: "auto" },
      child: { type: "string" },
    },
  });
  if (values.child !== undefined) {
    child(JSON.parse(values.child) as Job);
    return 0;
  }
  const split = (s: string) => s.split(",").map((x) => x.trim()).filter((x) => x !== "");
  const tasks = values.task === undefined ? listTasks() : split(values.task).map((n) => getTask(n));
  const haystacks = split(values.haystack);
  const lengths = split(values.lengths).map((s) => parseLength(s));
  const segment = number("--segment", values.segment, 1, true);
  const repeats = number("--repeats", values.repeats, 1, true);
  const warmupTokens = values.warmup === "0" ? 0 : parseLength(values.warmup, "--warmup");
  if (values.clock !== "wall" && values.clock !== "cpu") {
    throw new Error(`--clock: "${values.clock}" must be wall or cpu`);
  }
  const gcEveryTokens = values["gc-every"] === "0" ? 0 : parseLength(values["gc-every"], "--gc-every");
  const thresholds: Thresholds = {
    minRate: number("--min-rate", values["min-rate"], 0),
    clock: values.clock,
    rssGrowthBytes: number("--rss-growth-mib", values["rss-growth-mib"], 0) * 2 ** 20,
  };
  const depth = number("--depth", values.depth, 0), seed = number("--seed", values.seed, 0, true);
  if (depth > 1) throw new Error(`--depth: "${values.depth}" must be in [0, 1]`);
  const pin = pinning(values.cpu);
  // Tasks with a length cap (lm_bpb: the distinct text of a corpus part) skip the lengths beyond it.
  const skipped: string[] = [], jobs: Job[] = [];
  for (const t of tasks) {
    const max = t.maxLength?.("eval") ?? Infinity;
    const over = lengths.filter((length) => length > max);
    if (over.length > 0) {
      skipped.push(`${t.name} at ${over.map(formatLength).join(", ")} (it builds at most ${max} tokens)`);
    }
    for (const haystack of t.withHaystack === undefined ? [null] : haystacks) {
      if (haystack !== null) t.withHaystack!(haystack); // an unknown haystack throws here, naming it
      for (const length of lengths.filter((length) => length <= max)) {
        jobs.push({
          task: t.name,
          haystack,
          length,
          segment,
          repeats,
          warmupTokens,
          gcEveryTokens,
          depth,
          seed,
        });
      }
    }
  }
  const gcText = gcEveryTokens === 0
    ? "V8's own GC policy"
    : `a minor GC every ${formatLength(gcEveryTokens)} tokens streamed`;
  console.log(
    `Task streaming, ${jobs.length} measurements, each in its own process: segments of ${segment} tokens, ` +
      `${formatLength(warmupTokens)} tokens of warm-up, median of ${repeats} timed passes, ${gcText}; ` +
      `checksums checked against segments of ${VERIFY_SEGMENT} and, up to ${
        formatLength(REFERENCE_MAX_LENGTH)
      } tokens, a byte-by-byte reference. Depth ${depth}, seed ${seed}, eval split.\n${cpuName()}, ` +
      `${pin.note}, load average ${Deno.loadavg()[0].toFixed(1)}, Deno ${Deno.version.deno}.\n`,
  );
  const rows: Measurement[] = [];
  for (const job of jobs) {
    const m = await runChild(job, pin.prefix);
    rows.push(m);
    console.error(
      `  ${m.task} ${m.haystack || "—"} ${formatLength(m.length)}: ${mtps(m.tokensPerSecond)}M tokens/s, ` +
        `${mib(m.peakRssBytes)} MiB${m.ok ? "" : `, ${m.problems.join("; ")}`}`,
    );
  }
  console.log(formatTable(rows));
  if (skipped.length > 0) console.log(`\nSkipped: ${skipped.join("; ")}.`);
  console.log(
    `\nPeak RSS: ${rows[0]?.rssMethod ?? "—"}, over the verifying, warm-up and timed passes. Rate judged ` +
      `by ${thresholds.clock === "wall" ? "wall" : "process CPU"} time.`,
  );
  const failures = judge(rows, thresholds);
  for (const f of failures) console.log(`FAIL ${f}`);
  if (failures.length === 0) {
    console.log(
      `PASS: checksums agree; rate ≥ ${mtps(thresholds.minRate)}M tokens/s; RSS growth ≤ ${
        mib(thresholds.rssGrowthBytes)
      } MiB`,
    );
  }
  return failures.length === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
