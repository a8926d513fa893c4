/**
 * Argument checks shared by the ops: every failure names the op, the argument and what was
 * expected, e.g. `linear: w has shape [64, 32], expected [*, 48] (in = x.shape[1])`.
 * @module
 */
import type { Tensor } from "../backend.ts";
import { type FloatArray, RefTensor, shapeString } from "./tensor.ts";

/** Expected shape: a number must match exactly, null matches any size (printed as `*`). */
export type ShapeSpec = readonly (number | null)[];

/** Throws `op: message`. */
export function fail(op: string, message: string): never {
  throw new Error(`${op}: ${message}`);
}

/** The RefTensor behind `t`; throws if it is not one or has been disposed. */
export function refTensor(op: string, name: string, t: Tensor): RefTensor {
  if (!(t instanceof RefTensor)) fail(op, `${name} is not a tensor of the reference backend`);
  t.data; // throws "Tensor used after dispose"
  return t;
}

/** Throws unless `t.shape` matches `expected`; `note` says where an expected size comes from. */
export function checkShape(op: string, name: string, t: Tensor, expected: ShapeSpec, note = ""): void {
  const s = t.shape;
  let ok = s.length === expected.length;
  for (let i = 0; ok && i < s.length; i++) ok = expected[i] === null || expected[i] === s[i];
  if (!ok) {
    const want = shapeString(expected.map((e) => e === null ? "*" : e));
    fail(op, `${name} has shape ${shapeString(s)}, expected ${want}${note ? ` (${note})` : ""}`);
  }
}

/** A float (f64 or f32) tensor of the expected shape → its storage. */
export function floatArg(op: string, name: string, t: Tensor, expected: ShapeSpec, note = ""): FloatArray {
  const r = refTensor(op, name, t);
  if (r.dtype !== "f64" && r.dtype !== "f32") fail(op, `${name} has dtype ${r.dtype}, expected f64 or f32`);
  checkShape(op, name, r, expected, note);
  return r.data as FloatArray;
}

/** A float (f64 or f32) tensor of any shape → its storage. */
export function floatData(op: string, name: string, t: Tensor): FloatArray {
  return floatArg(op, name, t, t.shape);
}

/** An i32 tensor of the expected shape → its storage. */
export function indexArg(op: string, name: string, t: Tensor, expected: ShapeSpec, note = ""): Int32Array {
  const r = refTensor(op, name, t);
  if (r.dtype !== "i32") fail(op, `${name} has dtype ${r.dtype}, expected i32`);
  checkShape(op, name, r, expected, note);
  return r.data as Int32Array;
}

/** Throws unless `value` is an integer ≥ `min`. */
export function checkInt(op: string, name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) fail(op, `${name} is ${value}, expected an integer >= ${min}`);
  return value;
}

/** Throws unless `whole` is a multiple of `part`. */
export function checkDivides(op: string, what: string, whole: number, part: number): void {
  if (part <= 0 || whole % part !== 0) fail(op, `${what}: ${whole} is not a multiple of ${part}`);
}
