/**
 * Tests of the safetensors reader/writer and the 16-bit float conversions: exact bit patterns,
 * hand-built files, and one case per malformed input, each asserting what its error says.
 */

import {
  checkTensors,
  parseSafetensors,
  readSafetensors,
  type SafetensorsDType,
  serializeSafetensors,
  toFloat32,
  toFloat64,
} from "./safetensors.ts";
import { bf16ToF32, f16ToF32, f32FromBits, f32ToBf16, f32ToF16 } from "./dtype.ts";

const SRC = "models/x/model.safetensors";

// ---- helpers (no assertion library: the harness takes no dependency for this) ----

function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

/** Same numbers, element by element; NaN equals NaN, 0 and -0 differ. */
function assertNumbers(actual: ArrayLike<number>, expected: ArrayLike<number>, what = "values"): void {
  const a = Array.from(actual), e = Array.from(expected);
  assert(
    a.length === e.length && a.every((x, i) => Object.is(x, e[i])),
    `${what}: got [${a}], expected [${e}]`,
  );
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function assertBits(actual: number, expected: number, what: string): void {
  assert(actual === expected, `${what}: got ${hex(actual)}, expected ${hex(expected)}`);
}

/** Runs `fn`, which must throw an Error whose message contains every part; returns the message. */
function assertThrowsWith(fn: () => unknown, ...parts: string[]): string {
  let message: string | undefined;
  try {
    fn();
  } catch (e) {
    message = e instanceof Error ? e.message : String(e);
  }
  assert(message !== undefined, `expected an error containing ${JSON.stringify(parts)}, nothing was thrown`);
  for (const p of parts) {
    assert(message.includes(p), `error ${JSON.stringify(message)} lacks ${JSON.stringify(p)}`);
  }
  return message;
}

/** A file from a raw header text and data bytes; `headerLength` overrides the length field. */
function rawFile(header: string, data: ArrayLike<number> = [], headerLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** A file whose header is `header` serialized as JSON. */
function jsonFile(header: unknown, data: ArrayLike<number> = new Uint8Array(8)): Uint8Array {
  return rawFile(JSON.stringify(header), data);
}

const parse = (bytes: Uint8Array) => parseSafetensors(bytes, SRC);

// ---- 16-bit conversions ----

Deno.test("f32ToBf16 rounds to nearest, ties to even, on explicit bit patterns", () => {
  const cases: [number, number][] = [
    [0x3f800000, 0x3f80], // 1.0 exact
    [0x3f808000, 0x3f80], // tie, 0x3f80 is even: down
    [0x3f818000, 0x3f82], // tie, 0x3f81 is odd: up
    [0xbf818000, 0xbf82], // negative tie: away from zero to the even one
    [0x3f808001, 0x3f81], // just above a tie: up
    [0x3f807fff, 0x3f80], // just below a tie: down
    [0x3f81ffff, 0x3f82], // carry within the mantissa
    [0x3fffffff, 0x4000], // carry into the exponent
    [0x7f7fffff, 0x7f80], // above the largest bf16: Inf
    [0x7f7f7fff, 0x7f7f], // largest bf16 stays
    [0xff800000, 0xff80], // -Inf
    [0x00010000, 0x0001], // smallest bf16 subnormal, 2^-133
    [0x00008000, 0x0000], // half of it: tie to even zero
    [0x00018000, 0x0002], // 1.5 of it: tie to even 2
    [0x80000000, 0x8000], // -0
  ];
  for (const [f32, bf16] of cases) assertBits(f32ToBf16(f32FromBits(f32)), bf16, `f32ToBf16(${hex(f32)})`);
});

Deno.test("f32ToBf16 keeps NaN a NaN and rounds float64 input once", () => {
  assertBits(f32ToBf16(f32FromBits(0x7fc12345)), 0x7fc1, "quiet NaN keeps its top payload");
  for (const nan of [0x7f800001, 0xff800001, 0x7f810000]) {
    const b = f32ToBf16(f32FromBits(nan));
    assert((b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0, `NaN ${hex(nan)} became ${hex(b)}, not a NaN`);
    assert(Number.isNaN(bf16ToF32(b)), `bf16 ${hex(b)} decodes to a number`);
  }
  // float32 would round these onto a bf16 tie; the true value is off the tie, so there is no tie.
  assertBits(f32ToBf16(1 + 2 ** -8 + 2 ** -40), 0x3f81, "just above the tie at 1 + 2^-8");
  assertBits(f32ToBf16(1 + 2 ** -7 + 2 ** -8 - 2 ** -40), 0x3f81, "just below the tie at 1 + 3 * 2^-8");
  assertBits(f32ToBf16(1 + 2 ** -8), 0x3f80, "the exact tie itself");
  assertBits(f32ToBf16(1e39), 0x7f80, "float64 beyond float32 range: Inf");
  assertBits(f32ToBf16(-1e-50), 0x8000, "float64 below every subnormal: -0");
});

Deno.test("f32ToF16 rounds to nearest, ties to even", () => {
  const cases: [number, number][] = [
    [1, 0x3c00],
    [-2.5, 0xc100],
    [65504, 0x7bff],
    [65519.99, 0x7bff],
    [65520, 0x7c00], // the tie above the largest half goes to Inf
    [70000, 0x7c00],
    [-1e300, 0xfc00],
    [-Infinity, 0xfc00],
    [-0, 0x8000],
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // tie between 0 and it: even is 0
    [3 * 2 ** -25, 0x0002], // tie between 1 and 2 ulps: even is 2
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -14 - 2 ** -25, 0x0400], // tie between the largest subnormal and the smallest normal
    [1 + 2 ** -11, 0x3c00], // tie: down to even
    [1 + 3 * 2 ** -11, 0x3c02], // tie: up to even
    [1 + 2 ** -11 + 2 ** -40, 0x3c01], // just above a tie
    [0.1, 0x2e66],
  ];
  for (const [x, bits] of cases) assertBits(f32ToF16(x), bits, `f32ToF16(${x})`);
  const nan = f32ToF16(NaN);
  assert((nan & 0x7c00) === 0x7c00 && (nan & 0x3ff) !== 0, `NaN became ${hex(nan)}`);
});

Deno.test("every 16-bit pattern decodes and re-encodes to itself", () => {
  for (let b = 0; b < 0x10000; b++) {
    const h = f16ToF32(b);
    if (Number.isNaN(h)) assert((b & 0x7c00) === 0x7c00 && (b & 0x3ff) !== 0, `f16 ${hex(b)} decoded to NaN`);
    else assertBits(f32ToF16(h), b, `f16 round trip of ${h}`);
    const f = bf16ToF32(b);
    if (Number.isNaN(f)) assert((b & 0x7f80) === 0x7f80 && (b & 0x7f) !== 0, `bf16 ${hex(b)} decoded to NaN`);
    else assertBits(f32ToBf16(f), b, `bf16 round trip of ${f}`);
  }
  assert(f16ToF32(0x0001) === 2 ** -24 && bf16ToF32(0x0001) === 2 ** -133, "subnormal values");
});

Deno.test("encoding picks a nearest neighbour for random float64 values", () => {
  let s = 12345;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32; // seeded LCG
  for (let i = 0; i < 20000; i++) {
    const x = (rand() - 0.5) * 2 ** Math.floor(rand() * 40 - 30);
    for (const [enc, dec] of [[f32ToF16, f16ToF32], [f32ToBf16, bf16ToF32]] as const) {
      const b = enc(x);
      const err = Math.abs(dec(b) - x);
      for (const nb of [b - 1, b + 1]) {
        const other = dec(nb & 0xffff);
        // A neighbour across zero or beyond Inf is not a candidate.
        if (Number.isFinite(other) && Math.sign(other) * Math.sign(x) >= 0) {
          assert(err <= Math.abs(other - x), `${enc.name}(${x}) = ${hex(b)} but ${hex(nb)} is nearer`);
        }
      }
    }
  }
});

// ---- round trips and byte order ----

Deno.test("round trip of F32, F16, BF16 and F64 with known values", () => {
  const values = [1, -2.5, 65504, 0, -0];
  const want: Record<SafetensorsDType, [number[], number]> = {
    F32: [[1, -2.5, 65504, 0, -0, 2 ** -149], 2 ** -149],
    F16: [[1, -2.5, 65504, 0, -0, 2 ** -24], 2 ** -24],
    BF16: [[1, -2.5, 65536, 0, -0, 2 ** -133], 2 ** -133], // 65504 is not a bf16: nearest is 2^16
    F64: [[1, -2.5, 65504, 0, -0, 5e-324], 5e-324],
  };
  const dtypes = Object.keys(want) as SafetensorsDType[];
  const tensors = dtypes.map((dtype) => ({
    name: `t.${dtype}`,
    dtype,
    shape: [2, 3],
    data: new Float64Array([...values, want[dtype][1]]),
  }));
  const bytes = serializeSafetensors(tensors, { format: "pt", note: "héllo" });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert(n % 8 === 0, `header length ${n} is not a multiple of 8`);
  const st = parse(bytes);
  assert(
    st.metadata.format === "pt" && st.metadata.note === "héllo",
    `metadata ${JSON.stringify(st.metadata)}`,
  );
  for (const dtype of dtypes) {
    const e = st.tensors.get(`t.${dtype}`)!;
    assert(e.dtype === dtype && e.shape.join() === "2,3", `${dtype}: ${e.dtype} ${e.shape}`);
    const size = { F64: 8, F32: 4, F16: 2, BF16: 2 }[dtype];
    assert(
      e.bytes.byteOffset % size === 0 && (8 + n) % 8 === 0,
      `${dtype} at byte ${e.bytes.byteOffset} is misaligned`,
    );
    assertNumbers(toFloat64(e), want[dtype][0], dtype);
  }
  assertNumbers(toFloat32(st.tensors.get("t.F64")!), [1, -2.5, 65504, 0, -0, 0], "F64 to float32");
  // Float32Array input, a scalar and an empty tensor.
  const small = parse(serializeSafetensors([
    { name: "s", dtype: "F32", shape: [], data: new Float32Array([0.1]) },
    { name: "e", dtype: "BF16", shape: [0, 4], data: new Float32Array(0) },
  ]));
  assertNumbers(toFloat32(small.tensors.get("s")!), [Math.fround(0.1)], "scalar");
  assert(toFloat64(small.tensors.get("e")!).length === 0, "empty tensor");
});

Deno.test("writer output is laid out contiguously, widest dtype first", () => {
  const bytes = serializeSafetensors([
    { name: "h", dtype: "F16", shape: [3], data: new Float32Array(3) },
    { name: "f", dtype: "F32", shape: [1], data: new Float32Array(1) },
    { name: "d", dtype: "F64", shape: [1], data: new Float64Array(1) },
  ]);
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  assertNumbers(header.d.data_offsets, [0, 8], "F64 offsets");
  assertNumbers(header.f.data_offsets, [8, 12], "F32 offsets");
  assertNumbers(header.h.data_offsets, [12, 18], "F16 offsets");
  assert(bytes.length === 8 + n + 18, `file is ${bytes.length} bytes`);
});

Deno.test("a hand-built file decodes with little-endian byte order", () => {
  const header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
    '"b":{"dtype":"BF16","shape":[1],"data_offsets":[8,10]},' +
    '"c":{"dtype":"F16","shape":[1],"data_offsets":[10,12]},' +
    '"d":{"dtype":"F64","shape":[1],"data_offsets":[12,20]}}';
  const data = [
    0x00,
    0x00,
    0x80,
    0x3f,
    0x00,
    0x00,
    0x20,
    0xc0, // F32 1.0, -2.5
    0x20,
    0xc0, // BF16 -2.5
    0xff,
    0x7b, // F16 65504
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0x00,
    0xf0,
    0xbf, // F64 -1.0
  ];
  const st = parse(rawFile(header, data));
  assertNumbers(toFloat64(st.tensors.get("a")!), [1, -2.5], "F32");
  assertNumbers(toFloat64(st.tensors.get("b")!), [-2.5], "BF16");
  assertNumbers(toFloat64(st.tensors.get("c")!), [65504], "F16");
  assertNumbers(toFloat64(st.tensors.get("d")!), [-1], "F64");
  assert(
    st.tensors.get("a")!.bytes.buffer === st.tensors.get("d")!.bytes.buffer,
    "entries are views, not copies",
  );
  // The header here is 219 bytes, so the data is unaligned: decoding must not care.
  assert((8 + header.length) % 4 !== 0, "test file should have unaligned data");
});

Deno.test("the writer produces exactly the expected bytes", () => {
  const bytes = serializeSafetensors([{
    name: "x",
    dtype: "F16",
    shape: [2],
    data: new Float32Array([1, -2.5]),
  }]);
  const json = '{"x":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}'; // 54 bytes, padded to 56
  const want = [
    56,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    ...new TextEncoder().encode(json),
    0x20,
    0x20,
    0x00,
    0x3c,
    0x00,
    0xc1,
  ];
  assertNumbers(bytes, want, "file bytes");
});

// ---- malformed files: each error names the file and the problem ----

Deno.test("rejects a file too short, a header length past the end, and an absurd header length", () => {
  assertThrowsWith(() => parse(new Uint8Array(5)), SRC, "5 bytes", "truncated file?");
  assertThrowsWith(() => parse(rawFile("{}", [], 100n)), SRC, "header length 100", "truncated file?");
  assertThrowsWith(() => parse(rawFile("{}", [], 2n ** 40n)), SRC, "absurd");
});

Deno.test("rejects a header that is not a JSON object", () => {
  assertThrowsWith(() => parse(rawFile('{"a": ')), SRC, "not valid JSON");
  assertThrowsWith(() => parse(rawFile("[1, 2]")), SRC, "header is an array", "expected a JSON object");
  assertThrowsWith(() => parse(rawFile("null")), SRC, "header is null");
  const badUtf8 = rawFile("{}  ");
  badUtf8.set([0x22, 0xff], 9); // `{"\xff `
  assertThrowsWith(() => parse(badUtf8), SRC, "not valid JSON");
});

Deno.test("rejects entries with missing or mistyped fields", () => {
  const ok = { dtype: "F32", shape: [2], data_offsets: [0, 8] };
  const cases: [Record<string, unknown>, ...string[]][] = [
    [{ w: 3 }, 'tensor "w" is number 3', "expected an object"],
    [{ w: { shape: [2], data_offsets: [0, 8] } }, 'tensor "w" has no "dtype"'],
    [{ w: { dtype: "F32", data_offsets: [0, 8] } }, 'tensor "w" has no "shape"'],
    [{ w: { dtype: "F32", shape: [2] } }, 'tensor "w" has no "data_offsets"'],
    [{ w: { ...ok, dtype: 4 } }, 'tensor "w" has dtype number 4', "expected a string"],
    [
      { w: { ...ok, dtype: "I64" } },
      'tensor "w" has unsupported dtype "I64"',
      "supported: F32, F16, BF16, F64",
    ],
    [{ w: { ...ok, shape: "2" } }, 'tensor "w" has shape string "2"', "expected an array"],
    [
      { w: { ...ok, shape: [2, -1] } },
      'tensor "w" has shape [2,-1]',
      "dimension 1 is -1",
      "non-negative integer",
    ],
    [{ w: { ...ok, shape: [1.5] } }, "dimension 0 is 1.5"],
    [{ w: { ...ok, data_offsets: [8, 0] } }, 'tensor "w" has data_offsets [8,0]', "begin <= end"],
    [{ w: { ...ok, data_offsets: [0] } }, "data_offsets [0]", "expected [begin, end]"],
    [{ w: { ...ok, data_offsets: [0, 7.5] } }, "data_offsets [0,7.5]"],
    [{ w: { ...ok, data_offsets: "0:8" } }, 'data_offsets "0:8"'],
    [{ w: { ...ok, shape: [3] } }, 'tensor "w" (F32, shape [3]) spans 8 bytes', "expected 3 × 4 = 12"],
    [{ __metadata__: { step: 5 }, w: ok }, '"__metadata__" value "step" is number 5', "expected a string"],
    [{ __metadata__: ["a"], w: ok }, '"__metadata__" is an array', "expected an object of strings"],
  ];
  for (const [header, ...parts] of cases) assertThrowsWith(() => parse(jsonFile(header)), SRC, ...parts);
});

Deno.test("rejects offsets past the data (a lying header, a truncated file) and overlapping tensors", () => {
  const lying = { w: { dtype: "F32", shape: [4], data_offsets: [0, 16] } };
  assertThrowsWith(
    () => parse(jsonFile(lying, new Uint8Array(8))),
    SRC,
    'tensor "w" has data_offsets [0, 16] past the end of the 8-byte data buffer',
    "truncated file?",
  );
  const full = serializeSafetensors([
    { name: "a", dtype: "F32", shape: [4], data: new Float32Array(4) },
    { name: "b", dtype: "F16", shape: [4], data: new Float32Array(4) },
  ]);
  parse(full);
  assertThrowsWith(() => parse(full.subarray(0, full.length - 3)), SRC, 'tensor "b"', "truncated file?");
  const overlap = {
    a: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
    b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
  };
  assertThrowsWith(
    () => parse(jsonFile(overlap, new Uint8Array(12))),
    SRC,
    '"a" [0, 8] and "b" [4, 12] overlap',
  );
});

Deno.test("checkTensors names the first wrong tensor and what was expected", () => {
  const st = parse(serializeSafetensors([
    { name: "embed", dtype: "F32", shape: [256, 128], data: new Float32Array(256 * 128) },
    {
      name: "backbone.layers.0.mixer.in_proj.weight",
      dtype: "BF16",
      shape: [1096, 128],
      data: new Float32Array(1096 * 128),
    },
  ]));
  const expected = [
    { name: "embed", shape: [256, 128] },
    { name: "backbone.layers.0.mixer.in_proj.weight", shape: [1096, 128] },
  ];
  checkTensors(st, expected, SRC); // passes
  const wrongShape = [expected[0], { name: expected[1].name, shape: [1096, 256] }];
  const message = assertThrowsWith(() => checkTensors(st, wrongShape, SRC));
  assert(
    message ===
      `${SRC}: tensor "backbone.layers.0.mixer.in_proj.weight" has shape [1096, 128], expected [1096, 256]`,
    `message: ${message}`,
  );
  assertThrowsWith(
    () => checkTensors(st, [...expected, { name: "norm.weight", shape: [128] }], SRC),
    SRC,
    'tensor "norm.weight" is missing, expected shape [128]',
  );
  assertThrowsWith(
    () => checkTensors(st, [expected[1]], SRC),
    SRC,
    'unexpected tensor "embed" (shape [256, 128])',
  );
  assertThrowsWith(
    () => checkTensors(st, expected, SRC, ["F32", "F64"]),
    SRC,
    'tensor "backbone.layers.0.mixer.in_proj.weight" has dtype BF16, expected F32 or F64',
  );
  // Two wrong tensors: the first in the expected order is named.
  const bothWrong = [{ name: "embed", shape: [1] }, { name: "zzz", shape: [1] }];
  assertThrowsWith(
    () => checkTensors(st, bothWrong, SRC),
    'tensor "embed" has shape [256, 128], expected [1]',
  );
});

Deno.test("the writer rejects inconsistent input", () => {
  const t = { name: "w", dtype: "F32" as const, shape: [2, 2], data: new Float32Array(4) };
  assertThrowsWith(() => serializeSafetensors([t, t]), 'Tensor "w" appears twice');
  assertThrowsWith(() => serializeSafetensors([{ ...t, shape: [3] }]), 'Tensor "w" has 4 values, expected 3');
  assertThrowsWith(() => serializeSafetensors([{ ...t, name: "__metadata__" }]), "reserved");
  const badMeta = { step: 5 } as unknown as Record<string, string>;
  assertThrowsWith(
    () => serializeSafetensors([t], badMeta),
    'Metadata "step" is number 5, expected a string',
  );
  assertThrowsWith(
    () => toFloat64({ name: "w", dtype: "F32", shape: [3], bytes: new Uint8Array(8) }),
    'Tensor "w" holds 8 bytes',
  );
});

Deno.test("readSafetensors reads a file and names its path in errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/model.safetensors`;
    await Deno.writeFile(
      path,
      serializeSafetensors([{ name: "w", dtype: "F16", shape: [1], data: new Float32Array([3]) }]),
    );
    assertNumbers(toFloat64((await readSafetensors(path)).tensors.get("w")!), [3], "read back");
    await Deno.writeFile(path, new Uint8Array(3));
    let message = "";
    await readSafetensors(path).catch((e: Error) => message = e.message);
    assert(message.startsWith(`${path}: file is 3 bytes`), `message: ${message}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
