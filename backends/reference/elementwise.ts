/**
 * Elementwise ops and row/column moves: add, mul, silu, sliceCols, copyRows.
 * @module
 */
import type { Tensor } from "../backend.ts";
import { fail } from "../arg_check.ts";
import { binaryArgs, copyRowsArgs, sliceColsArgs } from "../op_args.ts";
import { floatData, refTensor } from "./check.ts";
import type { Allocator, FloatArray, RefTensor } from "./tensor.ts";

/** Elementwise a + b; a, b of the same shape (any rank). */
export function add(mem: Allocator, a: Tensor, b: Tensor): RefTensor {
  binaryArgs("add", a, b);
  const ad = floatData("add", "a", a), bd = floatData("add", "b", b);
  const y = mem.alloc(a.shape);
  const yd = y.data as FloatArray;
  for (let i = 0; i < yd.length; i++) yd[i] = ad[i] + bd[i];
  return y;
}

/** Elementwise a ⊙ b; a, b of the same shape (any rank). */
export function mul(mem: Allocator, a: Tensor, b: Tensor): RefTensor {
  binaryArgs("mul", a, b);
  const ad = floatData("mul", "a", a), bd = floatData("mul", "b", b);
  const y = mem.alloc(a.shape);
  const yd = y.data as FloatArray;
  for (let i = 0; i < yd.length; i++) yd[i] = ad[i] * bd[i];
  return y;
}

/** Elementwise silu(x) = x·sigmoid(x) = x / (1 + e^-x) (any rank). */
export function silu(mem: Allocator, x: Tensor): RefTensor {
  const xd = floatData("silu", "x", x);
  const y = mem.alloc(x.shape);
  const yd = y.data as FloatArray;
  for (let i = 0; i < yd.length; i++) yd[i] = xd[i] / (1 + Math.exp(-xd[i]));
  return y;
}

/** Columns `start .. start+width-1` of x `[T, C]` → `[T, width]`. */
export function sliceCols(mem: Allocator, x: Tensor, start: number, width: number): RefTensor {
  const { rows, cols } = sliceColsArgs(x, start, width);
  const xd = floatData("sliceCols", "x", x);
  const y = mem.alloc([rows, width]);
  const yd = y.data as FloatArray;
  for (let t = 0; t < rows; t++) yd.set(xd.subarray(t * cols + start, t * cols + start + width), t * width);
  return y;
}

/**
 * Copies `n` rows of src `[R2, C]` from `srcRow` into dst `[R1, C]` at `dstRow`, in place.
 * Works for any dtype as long as both agree (float tensors of either precision mix).
 */
export function copyRows(dst: Tensor, dstRow: number, src: Tensor, srcRow: number, n: number): void {
  const op = "copyRows";
  const cols = copyRowsArgs(dst, dstRow, src, srcRow, n);
  const d = refTensor(op, "dst", dst);
  const s = refTensor(op, "src", src);
  if ((d.dtype === "i32") !== (s.dtype === "i32")) fail(op, `src has dtype ${s.dtype}, dst ${d.dtype}`);
  // TypedArray.set handles overlap (dst === src) as if through a temporary copy.
  d.data.set(s.data.subarray(srcRow * cols, (srcRow + n) * cols), dstRow * cols);
}
