/**
 * The parity harness shared by tests/ops/: the run's seed (printed; OPS_SEED=n replays it), fresh random
 * inputs derived from it, running one op case on a backend, the rule check of every output, the HSA
 * selection comparison with near-ties, and the report (console lines, plus JSON lines in $OPS_REPORT).
 *
 * @module
 */
import type { Backend, HsaSelectOptions, OpName, Tensor } from "../../backends/backend.ts";
import { randomArray } from "../../backends/reference/random.ts";
import { visibleChunks } from "../../backends/reference/hsa_select.ts";
import { seedFrom } from "../../datasets/prng.ts";
import { bound, type LowPrecision, relErr, type Tolerance, tolerance } from "./tolerances.ts";

/** The run's seed: $OPS_SEED, or a fresh one. */
export const SEED: number = resolveSeed();

function resolveSeed(): number {
  const given = Deno.env.get("OPS_SEED");
  if (given !== undefined && given !== "") {
    const n = Number(given);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
      throw new Error(`OPS_SEED=${given} is not a 32-bit seed`);
    }
    return n;
  }
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/** A seed for one input of one case, stable under OPS_SEED whatever runs before it. */
export function caseSeed(...parts: (string | number)[]): number {
  return seedFrom([SEED, ...parts]);
}

/** `n` uniform values in [lo, hi) for the input named by `parts`. */
export function rand(n: number, parts: (string | number)[], lo = -1, hi = 1): Float64Array {
  return randomArray(n, caseSeed(...parts), lo, hi);
}

/** One input of a case. */
export interface InputSpec {
  shape: number[];
  data: Float64Array | Int32Array;
  /** An i32 tensor (else a float tensor of the backend's precision). */
  i32?: boolean;
}

/** How an HSA selection output pair is compared. */
export interface SelectSpec {
  /** Output names of the indices and the scores. */
  indices: string;
  scores: string;
  /** Input names of qr and landmarks, and the options, to recompute every score in f64. */
  qr: string;
  landmarks: string;
  opts: HsaSelectOptions;
}

/** One op case: inputs, the call, and which outputs to compare how. */
export interface OpCase {
  op: OpName;
  /** Unique within the op, e.g. "T=1 in=64 out=33". */
  name: string;
  inputs: Record<string, InputSpec>;
  /** Calls the op; returns the tensors to compare by name (in-place arguments included). */
  run(b: Backend, x: Record<string, Tensor>): Record<string, Tensor>;
  /** Outputs compared as a selection (indices as sets, scores where the sets agree). */
  select?: SelectSpec;
}

/** Outputs of one run of a case. */
export type Outputs = Record<string, Float64Array | Int32Array>;

/** Uploads the inputs, runs the case, downloads every named output, disposes everything. */
export async function runCase(b: Backend, c: OpCase): Promise<Outputs> {
  const x: Record<string, Tensor> = {};
  const all = new Set<Tensor>();
  try {
    for (const [name, spec] of Object.entries(c.inputs)) {
      x[name] = b.upload(spec.data, spec.shape, spec.i32 ? "i32" : undefined);
      all.add(x[name]);
    }
    const outs = c.run(b, x);
    for (const t of Object.values(outs)) all.add(t);
    const res: Outputs = {};
    for (const [name, t] of Object.entries(outs)) res[name] = await b.download(t);
    return res;
  } finally {
    for (const t of all) b.dispose(t);
  }
}

/** One compared output. */
export interface Verdict {
  test: string;
  op: string;
  precision: LowPrecision;
  case: string;
  output: string;
  ok: boolean;
  /** err(fast), err(ref) and the bound (NaN for exact comparisons). */
  err: number;
  errRef: number;
  bound: number;
  /** Near-ties (flagged, not failed) and the reason of a failure. */
  notes: string[];
  seed: number;
}

/** Compares the fast outputs with the truth by the rule, using the rounding reference's error. */
export function judge(
  test: string,
  c: OpCase,
  precision: LowPrecision,
  fast: Outputs,
  ref: Outputs,
  truth: Outputs,
  inputs64: Record<string, Float64Array | Int32Array>,
): Verdict[] {
  const out: Verdict[] = [];
  const sel = c.select;
  // Selection rows (t·Hkv + h) whose scores are not compared: where the fast or the rounding reference
  // selected other chunks than f64 (their scores then belong to other chunks).
  const skipRows = new Set<number>();
  const slot = sel ? (i: number) => Math.floor(i / sel.opts.topK) : (i: number) => i;
  if (sel) {
    const refIdx = ref[sel.indices] as Int32Array, truthIdx = truth[sel.indices] as Int32Array;
    for (let i = 0; i < truthIdx.length; i++) if (refIdx[i] !== truthIdx[i]) skipRows.add(slot(i));
    const tol = tolerance(c.op, precision, sel.scores);
    const errRefScores = relErr(ref[sel.scores], truth[sel.scores], (i) => skipRows.has(slot(i)));
    const allowed = bound(errRefScores, tol) * maxAbs(truth[sel.scores] as Float64Array);
    const r = compareSelection(
      fast[sel.indices] as Int32Array,
      truthIdx,
      inputs64[sel.qr] as Float64Array,
      inputs64[sel.landmarks] as Float64Array,
      sel.opts,
      allowed,
    );
    for (const row of r.rows) skipRows.add(row);
    out.push({
      test,
      op: c.op,
      precision,
      case: c.name,
      output: sel.indices,
      ok: r.failures.length === 0,
      err: NaN,
      errRef: NaN,
      bound: NaN,
      notes: [...r.failures, ...r.nearTies.map((n) => `near-tie ${n}`)],
      seed: SEED,
    });
  }
  for (const name of Object.keys(truth)) {
    if (sel && name === sel.indices) continue;
    const y = fast[name], y64 = truth[name], yr = ref[name];
    if (y64 instanceof Int32Array) {
      const same = y.length === y64.length && y.every((v, i) => v === y64[i]);
      out.push({
        test,
        op: c.op,
        precision,
        case: c.name,
        output: name,
        ok: same,
        err: NaN,
        errRef: NaN,
        bound: NaN,
        notes: same ? [] : [`i32 output differs at ${firstDiff(y, y64)}`],
        seed: SEED,
      });
      continue;
    }
    const skip = sel && name === sel.scores ? (i: number) => skipRows.has(slot(i)) : undefined;
    const tol = tolerance(c.op, precision, name);
    const err = relErr(y, y64, skip), errRef = relErr(yr, y64, skip);
    const b = bound(errRef, tol);
    out.push({
      test,
      op: c.op,
      precision,
      case: c.name,
      output: name,
      ok: err <= b,
      err,
      errRef,
      bound: b,
      notes: tolNotes(tol, err <= b, y, y64),
      seed: SEED,
    });
  }
  return out;
}

function tolNotes(tol: Tolerance, ok: boolean, y: ArrayLike<number>, y64: ArrayLike<number>): string[] {
  const notes: string[] = [];
  if (tol.reason) notes.push(`override: ${tol.reason}`);
  if (!ok) notes.push(`worst element ${worstElement(y, y64)}`);
  return notes;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const v of a) if (Number.isFinite(v)) m = Math.max(m, Math.abs(v));
  return m;
}

function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): string {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `[${i}]: ${a[i]} vs ${b[i]}`;
  return "nowhere";
}

function worstElement(y: ArrayLike<number>, y64: ArrayLike<number>): string {
  let w = -1, d = -1;
  for (let i = 0; i < y.length; i++) {
    const e = Number.isNaN(y[i]) || y[i] !== y64[i] && !Number.isFinite(y[i] - y64[i])
      ? Infinity
      : Math.abs(y[i] - y64[i]);
    if (e > d) d = e, w = i;
  }
  return w < 0 ? "none" : `[${w}] = ${y[w]}, f64 ${y64[w]}`;
}

/** Result of comparing selected chunk sets. */
export interface SelectionComparison {
  /** Rows (t·Hkv + h) whose sets differ (near-ties and failures). */
  rows: number[];
  nearTies: string[];
  failures: string[];
}

/** The f64 score of chunk c for query row i, kv head h. */
export function selectScore(
  qr: Float64Array,
  landmarks: Float64Array,
  dim: number,
  kvHeads: number,
  i: number,
  h: number,
  c: number,
): number {
  const dr = dim / kvHeads;
  let s = 0;
  for (let e = 0; e < dr; e++) s += qr[i * dim + h * dr + e] * landmarks[c * dim + h * dr + e];
  return s / Math.sqrt(dr);
}

/**
 * Compares selections row by row (t, h) as sets. A differing row is a near-tie when every chunk the
 * fast backend swapped in scores (in f64) within 2·`allowed` of every chunk it swapped out — what two
 * score errors of at most `allowed` each can reorder; otherwise, or when the sets differ in size or in a
 * chunk that is not visible, it is a failure.
 */
export function compareSelection(
  fast: Int32Array,
  truth: Int32Array,
  qr: Float64Array,
  landmarks: Float64Array,
  o: HsaSelectOptions,
  allowed: number,
): SelectionComparison {
  const K = o.topK, Hkv = o.kvHeads;
  const rowsN = truth.length / K;
  const dim = qr.length / (rowsN / Hkv);
  const res: SelectionComparison = { rows: [], nearTies: [], failures: [] };
  for (let row = 0; row < rowsN; row++) {
    const f = [...fast.subarray(row * K, row * K + K)].filter((c) => c >= 0);
    const t = [...truth.subarray(row * K, row * K + K)].filter((c) => c >= 0);
    const i = Math.floor(row / Hkv), h = row % Hkv;
    const where = `t=${o.startPos + i} h=${h}`;
    const fs = new Set(f), ts = new Set(t);
    const ordered = [...fast.subarray(row * K, row * K + K)];
    const sortedDesc = ordered.every((c, j) => j === 0 || c === -1 || (ordered[j - 1] > c));
    const padTail = ordered.every((c, j) => c !== -1 || ordered.slice(j).every((x) => x === -1));
    if (!sortedDesc || !padTail) {
      res.rows.push(row);
      res.failures.push(`${where}: slots [${ordered}] are not newest first with -1 padding at the end`);
      continue;
    }
    if (f.length === t.length && t.every((c) => fs.has(c))) continue;
    res.rows.push(row);
    const visible = visibleChunks(o.startPos + i, o.numChunks, o.chunkSize, o.window);
    const swappedIn = f.filter((c) => !ts.has(c)), swappedOut = t.filter((c) => !fs.has(c));
    if (f.length !== t.length || swappedIn.some((c) => c >= visible)) {
      res.failures.push(`${where}: selected {${f}} vs f64 {${t}} (visible chunks: ${visible})`);
      continue;
    }
    const score = (c: number) => selectScore(qr, landmarks, dim, Hkv, i, h, c);
    const gap = Math.max(...swappedOut.map(score)) - Math.min(...swappedIn.map(score));
    const line = `${where}: {${swappedOut}} → {${swappedIn}}, f64 score gap ${gap.toExponential(2)} ` +
      `(allowed ${(2 * allowed).toExponential(2)})`;
    if (gap <= 2 * allowed) res.nearTies.push(line);
    else res.failures.push(line);
  }
  return res;
}

/** One console line per verdict, and the JSON line in $OPS_REPORT when set. */
export function report(verdicts: Verdict[]): void {
  const path = Deno.env.get("OPS_REPORT");
  const lines: string[] = [];
  for (const v of verdicts) {
    const mark = v.ok ? "ok  " : "FAIL";
    const num = Number.isNaN(v.err)
      ? (v.notes.some((n) => n.startsWith("near-tie")) ? "equal except near-ties" : v.ok ? "equal" : "differ")
      : `err ${v.err.toExponential(2)} ≤ ${v.bound.toExponential(2)} (ref ${v.errRef.toExponential(2)})`;
    console.log(`${mark} ${v.op} ${v.precision} [${v.case}] ${v.output}: ${num}`);
    for (const n of v.notes) if (!n.startsWith("override")) console.log(`       ${n}`);
    lines.push(
      JSON.stringify({ ...v, err: finite(v.err), errRef: finite(v.errRef), bound: finite(v.bound) }),
    );
  }
  if (path) Deno.writeTextFileSync(path, lines.map((l) => l + "\n").join(""), { append: true });
}

function finite(x: number): number | string | null {
  return Number.isNaN(x) ? null : Number.isFinite(x) ? x : String(x);
}

/** Throws listing the failed verdicts (with the seed to replay them). */
export function assertVerdicts(verdicts: Verdict[]): void {
  const bad = verdicts.filter((v) => !v.ok);
  if (bad.length === 0) return;
  const lines = bad.map((v) =>
    `${v.op} ${v.precision} [${v.case}] ${v.output}: ` +
    (Number.isNaN(v.err)
      ? v.notes.join("; ")
      : `err ${v.err} > bound ${v.bound} (ref ${v.errRef}); ${v.notes.join("; ")}`)
  );
  throw new Error(
    `${bad.length} output(s) out of tolerance (replay with OPS_SEED=${SEED}):\n${lines.join("\n")}`,
  );
}
