/**
 * The float formats tensors are stored in (safetensors names F64, F32, F16, BF16): scalar
 * conversions and little-endian array codecs. Decoding is exact; encoding rounds each number (a
 * float64) once, to nearest with ties to even.
 *
 * @module
 */

/** A stored float dtype, spelled as in a safetensors header. */
export type SafetensorsDType = "F32" | "F16" | "BF16" | "F64";

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDType, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

/** Every supported dtype, in the order error messages list them. */
export const SAFETENSORS_DTYPES: readonly SafetensorsDType[] = ["F32", "F16", "BF16", "F64"];

// Scratch views for reinterpreting a float32 as its bits.
const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/**
 * The float32 bit pattern of `x` after rounding it to float32 (round to nearest even).
 *
 * @example Bits of 1.0
 * ```ts
 * import { f32Bits } from "./dtype.ts";
 * f32Bits(1); // 0x3f800000
 * ```
 */
export function f32Bits(x: number): number {
  F32[0] = x;
  return U32[0];
}

/**
 * The float32 value of a 32-bit pattern.
 *
 * @example
 * ```ts
 * import { f32FromBits } from "./dtype.ts";
 * f32FromBits(0x3f800000); // 1
 * ```
 */
export function f32FromBits(bits: number): number {
  U32[0] = bits >>> 0;
  return F32[0];
}

/**
 * Decodes a bfloat16 bit pattern (the upper half of a float32). Exact.
 *
 * @example
 * ```ts
 * import { bf16ToF32 } from "./dtype.ts";
 * bf16ToF32(0xc020); // -2.5
 * ```
 */
export function bf16ToF32(bits: number): number {
  return f32FromBits((bits & 0xffff) << 16);
}

/**
 * Encodes `x` as bfloat16 bits, rounding to nearest with ties to even. Overflow gives ±Inf, NaN
 * stays NaN (quiet, sign and top payload bits kept).
 *
 * `x` is rounded once: a float64 that float32 would round onto a bfloat16 tie is rounded in the
 * direction of its true value, so float64 input gets the same answer as exact rounding would.
 *
 * @example
 * ```ts
 * import { f32ToBf16 } from "./dtype.ts";
 * f32ToBf16(1); // 0x3f80
 * f32ToBf16(1 + 2 ** -8); // 0x3f80: a tie, goes to the even neighbour
 * ```
 */
export function f32ToBf16(x: number): number {
  const u = f32Bits(x);
  // 1. NaN: truncation alone could clear every mantissa bit of a signalling NaN and make it Inf
  //    (V8 on x64 quiets NaNs on conversion already; this guards engines that do not).
  if ((u & 0x7fffffff) > 0x7f800000) return (u >>> 16) | 0x0040;
  const low = u & 0xffff;
  // 2. Float32 rounding landed exactly on a tie (it never crosses one, the bfloat16 grid is a subgrid).
  if (low === 0x8000 && F32[0] !== x) return (u >>> 16) + (Math.abs(x) > Math.abs(F32[0]) ? 1 : 0);
  // 3. Round to nearest even on the dropped 16 bits; a carry into the exponent is the right answer.
  return (u + 0x7fff + ((u >>> 16) & 1)) >>> 16;
}

/**
 * Decodes an IEEE 754 half-precision bit pattern. Exact.
 *
 * @example
 * ```ts
 * import { f16ToF32 } from "./dtype.ts";
 * f16ToF32(0x7bff); // 65504
 * ```
 */
export function f16ToF32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/**
 * Encodes `x` as IEEE half-precision bits, rounding to nearest with ties to even (once, from the
 * float64 value). Values from 65520 up overflow to ±Inf; NaN stays NaN.
 *
 * @example
 * ```ts
 * import { f32ToF16 } from "./dtype.ts";
 * f32ToF16(65504); // 0x7bff
 * f32ToF16(-2.5); // 0xc100
 * ```
 */
export function f32ToF16(x: number): number {
  if (Number.isNaN(x)) return ((f32Bits(x) >>> 16) & 0x8000) | 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  // 65520 is the tie between 65504 (odd mantissa) and 2^16, so it and everything above is Inf.
  if (a >= 65520) return sign | 0x7c00;
  // Subnormal: multiples of 2^-24; a result of 1024 is the smallest normal, whose bits are 0x0400.
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24);
  // 1. Exponent e with 2^e <= a < 2^(e+1) (log2 may be off by one near powers of two).
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  // 2. Mantissa with its leading one, in [1024, 2048]; scaling by a power of two is exact.
  let m = roundHalfEven(a * 2 ** (10 - e));
  if (m === 2048) {
    m = 1024;
    e++;
  }
  return sign | ((e + 15) << 10) | (m - 1024);
}

/** Rounds a non-negative number below 2^52 to an integer, ties to even. */
function roundHalfEven(v: number): number {
  const r = Math.floor(v);
  const d = v - r;
  return d > 0.5 || (d === 0.5 && r % 2 === 1) ? r + 1 : r;
}

/**
 * Decodes little-endian elements of `dtype` from `bytes` into `out` (one per slot of `out`).
 * Works at any alignment and on any host byte order.
 *
 * @example
 * ```ts
 * import { decodeFloats } from "./dtype.ts";
 * decodeFloats(new Uint8Array([0x20, 0xc0]), "BF16", new Float64Array(1)); // [-2.5]
 * ```
 */
export function decodeFloats<T extends Float32Array | Float64Array>(
  bytes: Uint8Array,
  dtype: SafetensorsDType,
  out: T,
): T {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case "F64":
      for (let i = 0; i < out.length; i++) out[i] = v.getFloat64(8 * i, true);
      break;
    case "F32":
      for (let i = 0; i < out.length; i++) out[i] = v.getFloat32(4 * i, true);
      break;
    case "F16":
      for (let i = 0; i < out.length; i++) out[i] = f16ToF32(v.getUint16(2 * i, true));
      break;
    case "BF16":
      for (let i = 0; i < out.length; i++) out[i] = bf16ToF32(v.getUint16(2 * i, true));
      break;
  }
  return out;
}

/**
 * Encodes `data` as little-endian elements of `dtype` at the start of `out`, rounding each value
 * to nearest, ties to even.
 *
 * @example
 * ```ts
 * import { encodeFloats } from "./dtype.ts";
 * encodeFloats(new Float32Array([-2.5]), "BF16", new Uint8Array(2)); // [0x20, 0xc0]
 * ```
 */
export function encodeFloats(
  data: Float32Array | Float64Array,
  dtype: SafetensorsDType,
  out: Uint8Array,
): Uint8Array {
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  switch (dtype) {
    case "F64":
      for (let i = 0; i < data.length; i++) v.setFloat64(8 * i, data[i], true);
      break;
    case "F32":
      for (let i = 0; i < data.length; i++) v.setFloat32(4 * i, data[i], true);
      break;
    case "F16":
      for (let i = 0; i < data.length; i++) v.setUint16(2 * i, f32ToF16(data[i]), true);
      break;
    case "BF16":
      for (let i = 0; i < data.length; i++) v.setUint16(2 * i, f32ToBf16(data[i]), true);
      break;
  }
  return out;
}
