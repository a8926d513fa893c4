/**
 * Reads, checks and writes safetensors files (float dtypes F64, F32, F16, BF16). Parsing validates
 * the whole header before anything is used; every error names the file and, where one is at
 * fault, the tensor.
 *
 * Layout: u64 little-endian header length N, N bytes of JSON header, then the data buffer, all
 * offsets relative to its start, all values little-endian.
 *
 * @module
 */

import {
  decodeFloats,
  DTYPE_BYTES,
  encodeFloats,
  SAFETENSORS_DTYPES,
  type SafetensorsDType,
} from "./dtype.ts";

export {
  bf16ToF32,
  DTYPE_BYTES,
  f16ToF32,
  f32ToBf16,
  f32ToF16,
  SAFETENSORS_DTYPES,
  type SafetensorsDType,
} from "./dtype.ts";

/** A header longer than this is rejected as corrupt (the reference implementation's bound). */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor of a parsed file. */
export interface TensorEntry {
  /** Name as written in the header. */
  name: string;
  /** Element type of `bytes`. */
  dtype: SafetensorsDType;
  /** Dimensions, outermost first; `[]` is a scalar. */
  shape: number[];
  /** The raw little-endian elements: a view into the file (keeps the whole file alive). */
  bytes: Uint8Array;
}

/** A parsed file: tensors in header order, plus the free-form `__metadata__` map. */
export interface Safetensors {
  /** Tensors by name. */
  tensors: Map<string, TensorEntry>;
  /** The `__metadata__` entry, `{}` when absent. */
  metadata: Record<string, string>;
}

/** A tensor to write; `data` holds product(shape) elements, row-major. */
export interface TensorToWrite {
  /** Name in the header; unique, not `__metadata__`. */
  name: string;
  /** Stored element type; `data` is rounded to it (to nearest, ties to even). */
  dtype: SafetensorsDType;
  /** Dimensions, outermost first. */
  shape: number[];
  /** Values, row-major. */
  data: Float32Array | Float64Array;
}

/**
 * Parses and validates a safetensors file held in memory. `source` (a file path) starts every
 * error message. Tensor bytes are views into `bytes`, not copies.
 *
 * @example
 * ```ts
 * import { parseSafetensors, serializeSafetensors, toFloat64 } from "./safetensors.ts";
 * const bytes = serializeSafetensors([{ name: "w", dtype: "F32", shape: [2], data: new Float32Array([1, 2]) }]);
 * const st = parseSafetensors(bytes, "w.safetensors");
 * toFloat64(st.tensors.get("w")!); // Float64Array [1, 2]
 * ```
 */
export function parseSafetensors(bytes: Uint8Array, source: string): Safetensors {
  const fail = (message: string): never => {
    throw new Error(`${source}: ${message}`);
  };
  // 1. Header length.
  if (bytes.length < 8) {
    fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length (truncated file?)`);
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    fail(
      `header length ${headerLength} bytes is absurd (limit ${MAX_HEADER_BYTES}); not a safetensors file?`,
    );
  }
  const n = Number(headerLength);
  if (8 + n > bytes.length) {
    fail(`header length ${n} bytes runs past the end of the ${bytes.length}-byte file (truncated file?)`);
  }
  // 2. Header JSON.
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    fail(`header is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!isObject(header)) fail(`header is ${describe(header)}, expected a JSON object`);
  // 3. Entries, each checked on its own.
  const data = bytes.subarray(8 + n);
  const tensors = new Map<string, TensorEntry>();
  const spans: { name: string; begin: number; end: number }[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      metadata = parseMetadata(raw, fail);
      continue;
    }
    const [entry, begin, end] = parseEntry(name, raw, data.length, fail);
    tensors.set(name, { ...entry, bytes: data.subarray(begin, end) });
    if (end > begin) spans.push({ name, begin, end });
  }
  // 4. No two tensors share a byte.
  spans.sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < spans.length; i++) {
    const [a, b] = [spans[i - 1], spans[i]];
    if (b.begin < a.end) {
      fail(`tensors "${a.name}" [${a.begin}, ${a.end}] and "${b.name}" [${b.begin}, ${b.end}] overlap`);
    }
  }
  return { tensors, metadata };
}

/**
 * Reads and validates a safetensors file; errors name `path`.
 *
 * @example
 * ```ts ignore
 * import { readSafetensors } from "./safetensors.ts";
 * const st = await readSafetensors("models/x/model.safetensors");
 * ```
 */
export async function readSafetensors(path: string): Promise<Safetensors> {
  return parseSafetensors(await Deno.readFile(path), path);
}

/**
 * Decodes a tensor to float64 (exact for every supported dtype).
 *
 * @example
 * ```ts
 * import { toFloat64 } from "./safetensors.ts";
 * toFloat64({ name: "x", dtype: "BF16", shape: [1], bytes: new Uint8Array([0x20, 0xc0]) }); // [-2.5]
 * ```
 */
export function toFloat64(entry: TensorEntry): Float64Array {
  return decodeFloats(entry.bytes, entry.dtype, new Float64Array(elementCount(entry)));
}

/**
 * Decodes a tensor to float32 (exact except for F64, which is rounded to nearest).
 *
 * @example
 * ```ts
 * import { toFloat32 } from "./safetensors.ts";
 * toFloat32({ name: "x", dtype: "F16", shape: [1], bytes: new Uint8Array([0xff, 0x7b]) }); // [65504]
 * ```
 */
export function toFloat32(entry: TensorEntry): Float32Array {
  return decodeFloats(entry.bytes, entry.dtype, new Float32Array(elementCount(entry)));
}

/**
 * Encodes tensors as a safetensors file. The header is padded with spaces so the data starts at a
 * multiple of 8; tensors are laid out contiguously, widest dtype first (stable), so each one
 * starts at a multiple of its element size and the reference loader, which rejects gaps, accepts
 * the file.
 *
 * @example
 * ```ts
 * import { serializeSafetensors } from "./safetensors.ts";
 * const bytes = serializeSafetensors(
 *   [{ name: "w", dtype: "BF16", shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) }],
 *   { format: "pt" },
 * );
 * ```
 */
export function serializeSafetensors(
  tensors: TensorToWrite[],
  metadata?: Record<string, string>,
): Uint8Array {
  // 1. Validate.
  const names = new Set<string>();
  for (const t of tensors) {
    const where = `Tensor "${t.name}"`;
    if (t.name === "__metadata__") throw new Error(`${where}: the name is reserved for file metadata`);
    if (names.has(t.name)) throw new Error(`${where} appears twice`);
    names.add(t.name);
    if (!SAFETENSORS_DTYPES.includes(t.dtype)) {
      throw new Error(
        `${where} has unsupported dtype "${t.dtype}" (supported: ${SAFETENSORS_DTYPES.join(", ")})`,
      );
    }
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new Error(`${where} has shape ${fmtShape(t.shape)}, expected non-negative integers`);
    }
    const count = product(t.shape);
    if (t.data.length !== count) {
      throw new Error(
        `${where} has ${t.data.length} values, expected ${count} for shape ${fmtShape(t.shape)}`,
      );
    }
  }
  for (const [key, value] of Object.entries(metadata ?? {})) {
    if (typeof value !== "string") {
      throw new Error(`Metadata "${key}" is ${describe(value)}, expected a string`);
    }
  }
  // 2. Layout: widest first keeps every tensor aligned to its element size without padding.
  const ordered = [...tensors].sort((a, b) => DTYPE_BYTES[b.dtype] - DTYPE_BYTES[a.dtype]);
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header.__metadata__ = metadata;
  let offset = 0;
  const offsets = new Map<string, number>();
  for (const t of ordered) {
    offsets.set(t.name, offset);
    offset += t.data.length * DTYPE_BYTES[t.dtype];
  }
  for (const t of tensors) {
    const begin = offsets.get(t.name)!;
    const end = begin + t.data.length * DTYPE_BYTES[t.dtype];
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [begin, end] };
  }
  // 3. Header, space-padded so 8 + N is a multiple of 8.
  const json = new TextEncoder().encode(JSON.stringify(header));
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  // 4. Data.
  for (const t of tensors) encodeFloats(t.data, t.dtype, out.subarray(8 + n + offsets.get(t.name)!));
  return out;
}

/**
 * Checks a parsed file against the tensors a model expects: each present, with that shape and an
 * allowed dtype, and nothing else. Throws an error naming `source` and the first wrong tensor
 * (in `expected` order; unexpected tensors are reported after every expected one passed).
 *
 * @example
 * ```ts
 * import { checkTensors, parseSafetensors, serializeSafetensors } from "./safetensors.ts";
 * const bytes = serializeSafetensors([{ name: "w", dtype: "F32", shape: [2], data: new Float32Array(2) }]);
 * checkTensors(parseSafetensors(bytes, "m.safetensors"), [{ name: "w", shape: [2] }], "m.safetensors");
 * ```
 */
export function checkTensors(
  st: Safetensors,
  expected: { name: string; shape: number[] }[],
  source: string,
  allowedDtypes: readonly SafetensorsDType[] = SAFETENSORS_DTYPES,
): void {
  const fail = (message: string): never => {
    throw new Error(`${source}: ${message}`);
  };
  for (const { name, shape } of expected) {
    const t = st.tensors.get(name);
    if (t === undefined) {
      const missing = expected.filter((e) => !st.tensors.has(e.name)).length;
      const all = missing > 1 ? `; ${missing} of ${expected.length} expected tensors are missing` : "";
      fail(`tensor "${name}" is missing, expected shape ${fmtShape(shape)}${all}`);
    } else if (fmtShape(t.shape) !== fmtShape(shape)) {
      fail(`tensor "${name}" has shape ${fmtShape(t.shape)}, expected ${fmtShape(shape)}`);
    } else if (!allowedDtypes.includes(t.dtype)) {
      fail(`tensor "${name}" has dtype ${t.dtype}, expected ${allowedDtypes.join(" or ")}`);
    }
  }
  const wanted = new Set(expected.map((e) => e.name));
  const extra = [...st.tensors.values()].filter((t) => !wanted.has(t.name));
  if (extra.length > 0) {
    const all = extra.length > 1 ? `; ${extra.length} unexpected tensors in all` : "";
    fail(
      `unexpected tensor "${extra[0].name}" (shape ${
        fmtShape(extra[0].shape)
      }), not a parameter of the model${all}`,
    );
  }
}

/** Validates one header entry; returns it with its data span. */
function parseEntry(
  name: string,
  raw: unknown,
  dataLength: number,
  fail: (message: string) => never,
): [Omit<TensorEntry, "bytes">, number, number] {
  const where = `tensor "${name}"`;
  if (!isObject(raw)) {
    fail(`${where} is ${describe(raw)}, expected an object with dtype, shape and data_offsets`);
  }
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  for (const [key, value] of [["dtype", dtype], ["shape", shape], ["data_offsets", offsets]] as const) {
    if (value === undefined) fail(`${where} has no "${key}"`);
  }
  if (typeof dtype !== "string") fail(`${where} has dtype ${describe(dtype)}, expected a string`);
  if (!SAFETENSORS_DTYPES.includes(dtype as SafetensorsDType)) {
    fail(`${where} has unsupported dtype "${dtype}" (supported: ${SAFETENSORS_DTYPES.join(", ")})`);
  }
  if (!Array.isArray(shape)) fail(`${where} has shape ${describe(shape)}, expected an array`);
  const dims = shape as unknown[];
  const bad = dims.findIndex((d) => !Number.isSafeInteger(d) || (d as number) < 0);
  if (bad >= 0) {
    fail(
      `${where} has shape ${JSON.stringify(dims)}: dimension ${bad} is ${
        JSON.stringify(dims[bad])
      }, expected a non-negative integer`,
    );
  }
  const span = offsets as unknown[];
  if (
    !Array.isArray(span) || span.length !== 2 ||
    !span.every((o) => Number.isSafeInteger(o) && (o as number) >= 0) ||
    (span[0] as number) > (span[1] as number)
  ) {
    fail(
      `${where} has data_offsets ${JSON.stringify(offsets)}, expected [begin, end] with 0 <= begin <= end`,
    );
  }
  const [begin, end] = span as number[];
  const size = DTYPE_BYTES[dtype as SafetensorsDType];
  const count = product(dims as number[]);
  if (end - begin !== count * size) {
    fail(
      `${where} (${dtype}, shape ${fmtShape(dims as number[])}) spans ${
        end - begin
      } bytes, expected ${count} × ${size} = ${count * size}`,
    );
  }
  if (end > dataLength) {
    fail(
      `${where} has data_offsets [${begin}, ${end}] past the end of the ${dataLength}-byte data buffer (truncated file?)`,
    );
  }
  return [{ name, dtype: dtype as SafetensorsDType, shape: dims as number[] }, begin, end];
}

/** Validates `__metadata__`: an object of strings. */
function parseMetadata(raw: unknown, fail: (message: string) => never): Record<string, string> {
  if (!isObject(raw)) fail(`"__metadata__" is ${describe(raw)}, expected an object of strings`);
  const entries = Object.entries(raw as Record<string, unknown>);
  for (const [key, value] of entries) {
    if (typeof value !== "string") {
      fail(`"__metadata__" value "${key}" is ${describe(value)}, expected a string`);
    }
  }
  // fromEntries defines own properties, so a key "__proto__" stays a plain key.
  return Object.fromEntries(entries) as Record<string, string>;
}

/** Elements of an entry, after checking its byte length matches its shape and dtype. */
function elementCount(entry: TensorEntry): number {
  const count = product(entry.shape);
  if (entry.bytes.length !== count * DTYPE_BYTES[entry.dtype]) {
    throw new Error(
      `Tensor "${entry.name}" holds ${entry.bytes.length} bytes, expected ${count} ${entry.dtype} elements for shape ${
        fmtShape(entry.shape)
      }`,
    );
  }
  return count;
}

function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

function isObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A short description of a JSON value for error messages. */
function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array ${truncate(JSON.stringify(v))}`;
  if (typeof v === "object") return "an object";
  return `${typeof v} ${truncate(JSON.stringify(v) ?? String(v))}`;
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
