/**
 * Elementwise ops and row/column moves: add, mul, silu, sliceCols, copyRows.
 * @module
 */
import type { Tensor } from "../backend.ts";
import { checkInt, fail, floatArg, floatData, refTensor } from "./check.ts";
import type { Allocator, FloatArray, RefTensor } from "./tensor.ts";

/** Elementwise a + b; a, b of the same shape (any rank). */
export function add(mem: Allocator, a: Tensor, b: Tensor): RefTensor {
  const ad = floatData("add", "a", a);
  const bd = floatArg("add", "b", b, a.shape, "= a.shape");
  const y = mem.alloc(a.shape);
  const yd = y.data as FloatArray;
  for (let i = 0; i < yd.length; i++) yd[i] = ad[i] + bd[i];
  return y;
}

/** Elementwise a ⊙ b; a, b of the same shape (any rank). */
export function mul(mem: Allocator, a: Tensor, b: Tensor): RefTensor {
  const ad = floatData("mul", "a", a);
  const bd = floatArg("mul", "b", b, a.shape, "= a.shape");
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
  const xd = floatArg("sliceCols", "x", x, [null, null]);
  const [rows, cols] = x.shape;
  checkInt("sliceCols", "start", start, 0);
  checkInt("sliceCols", "width", width, 0);
  if (start + width > cols) {
    fail("sliceCols", `columns ${start} .. ${start + width - 1} exceed x with shape [${rows}, ${cols}]`);
  }
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
  const d = refTensor(op, "dst", dst);
  const s = refTensor(op, "src", src);
  if (d.shape.length !== 2) fail(op, `dst has shape [${d.shape.join(", ")}], expected [*, *]`);
  const cols = d.shape[1];
  if (s.shape.length !== 2 || s.shape[1] !== cols) {
    fail(op, `src has shape [${s.shape.join(", ")}], expected [*, ${cols}] (C = dst.shape[1])`);
  }
  if ((d.dtype === "i32") !== (s.dtype === "i32")) fail(op, `src has dtype ${s.dtype}, dst ${d.dtype}`);
  checkInt(op, "n", n, 0);
  checkInt(op, "dstRow", dstRow, 0);
  checkInt(op, "srcRow", srcRow, 0);
  if (srcRow + n > s.shape[0]) {
    fail(op, `src rows ${srcRow} .. ${srcRow + n - 1} exceed src rows ${s.shape[0]}`);
  }
  if (dstRow + n > d.shape[0]) {
    fail(op, `dst rows ${dstRow} .. ${dstRow + n - 1} exceed dst rows ${d.shape[0]}`);
  }
  // TypedArray.set handles overlap (dst === src) as if through a temporary copy.
  d.data.set(s.data.subarray(srcRow * cols, (srcRow + n) * cols), dstRow * cols);
}
