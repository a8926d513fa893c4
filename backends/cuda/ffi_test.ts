/**
 * The native boundary without a GPU: params structs pack to the layout ffi.ts declares, and a built
 * library (where there is one) agrees with that layout field for field.
 */
import assert from "node:assert/strict";
import { DEFAULT_LIBRARY_PATH, openLibrary, packParams, PARAMS } from "./ffi.ts";

Deno.test("packParams writes every field as 8 little-endian bytes in declared order", () => {
  const b = packParams("rmsNorm", {
    x: 16n,
    w: 32n,
    out: 48n,
    rows: 3,
    cols: 96,
    group: 32,
    eps: 1e-5,
    dtype: 1,
  });
  assert.equal(b.length, 8 * PARAMS.rmsNorm.length);
  const v = new DataView(b.buffer);
  assert.equal(v.getBigUint64(0, true), 16n);
  assert.equal(v.getBigInt64(8 * 5, true), 32n);
  assert.equal(v.getFloat64(8 * 6, true), 1e-5);
  assert.equal(v.getBigInt64(8 * 7, true), 1n);
});

Deno.test("packParams refuses a missing field or a non-integer size", () => {
  assert.throws(() => packParams("silu", { x: 1n, out: 2n, n: 4 }), /params field dtype is missing/);
  assert.throws(() => packParams("silu", { x: 1n, out: 2n, n: 4.5, dtype: 0 }), /n = 4.5 is not an integer/);
});

let built = false;
try {
  Deno.statSync(DEFAULT_LIBRARY_PATH);
  built = true;
} catch {
  console.log(
    "Skipping the library layout check: build/libramba_cuda.so is not built (deno task build:cuda)",
  );
}

Deno.test({
  name: "the built library reports the ABI and every params layout that ffi.ts declares",
  ignore: !built,
  fn: () => {
    const r = openLibrary();
    assert.ok(r.ok, r.ok ? "" : r.reason);
  },
});
