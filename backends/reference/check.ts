/**
 * The reference backend's side of argument checking: a tensor must be a live RefTensor, floats f64 or
 * f32, and its typed array is what an op reads. Shapes and options are the contract's (../op_args.ts).
 * @module
 */
import type { Tensor } from "../backend.ts";
import { checkIndex, fail } from "../arg_check.ts";
import { type FloatArray, RefTensor } from "./tensor.ts";

/** The RefTensor behind `t`; throws if it is not one or has been disposed. */
export function refTensor(op: string, name: string, t: Tensor): RefTensor {
  if (!(t instanceof RefTensor)) fail(op, `${name} is not a tensor of the reference backend`);
  t.data; // throws "Tensor used after dispose"
  return t;
}

/** A float (f64 or f32) tensor → its storage. */
export function floatData(op: string, name: string, t: Tensor): FloatArray {
  const r = refTensor(op, name, t);
  if (r.dtype !== "f64" && r.dtype !== "f32") fail(op, `${name} has dtype ${r.dtype}, expected f64 or f32`);
  return r.data as FloatArray;
}

/** An i32 tensor → its storage (the dtype checked again here, as the storage is read as an Int32Array). */
export function indexData(op: string, name: string, t: Tensor): Int32Array {
  const r = refTensor(op, name, t);
  checkIndex(op, name, r, r.shape);
  return r.data as Int32Array;
}
