/**
 * The checks op arguments are validated with, on every backend: each failure names the op, the argument
 * and what was expected, e.g. `linear: w has shape [64, 32], expected [*, 48] (in = x.shape[1])`.
 * @module
 */
import type { Tensor } from "./backend.ts";

/** Expected shape: a number must match exactly, null matches any size (printed as `*`). */
export type ShapeSpec = readonly (number | null)[];

/** `[a, b]` for messages. */
export function shapeString(shape: readonly (number | string)[]): string {
  return `[${shape.join(", ")}]`;
}

/** Throws `op: message`. */
export function fail(op: string, message: string): never {
  throw new Error(`${op}: ${message}`);
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

/** Throws unless `t` is an i32 tensor (the dtype of every index tensor) of the expected shape. */
export function checkIndex(op: string, name: string, t: Tensor, expected: ShapeSpec, note = ""): void {
  if (t.dtype !== "i32") fail(op, `${name} has dtype ${t.dtype}, expected i32`);
  checkShape(op, name, t, expected, note);
}

/** Throws unless `value` is an integer ≥ `min`. */
export function checkInt(op: string, name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) fail(op, `${name} is ${value}, expected an integer >= ${min}`);
  return value;
}

/** Throws unless every id lies in [0, n); `note` says where n comes from. */
export function checkIds(op: string, name: string, ids: Int32Array, n: number, note: string): void {
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] < 0 || ids[i] >= n) fail(op, `${name}[${i}] = ${ids[i]} is outside [0, ${n}) (${note})`);
  }
}
