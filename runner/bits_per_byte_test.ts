// Tests of BitsPerByte: power-of-two position buckets, the last clipped to the prompt, totals weighted by bytes.
import assert from "node:assert/strict";
import { BitsPerByte } from "./bits_per_byte.ts";

Deno.test("buckets double from 1024 and the last ends at the prompt's length", () => {
  const bits = new BitsPerByte(5000);
  bits.add(1, new Float64Array(4999).fill(-Math.LN2)); // p = 1/2 everywhere: 1 bit per byte
  const buckets = bits.buckets();
  assert.deepEqual(buckets.map(({ start, end, bytes }) => [start, end, bytes]), [
    [0, 1024, 1023],
    [1024, 2048, 1024],
    [2048, 4096, 2048],
    [4096, 5000, 904],
  ]);
  for (const b of buckets) assert.ok(Math.abs(b.bpb - 1) < 1e-12, `${b.start}: ${b.bpb}`);
  assert.ok(Math.abs(bits.total()! - 1) < 1e-12);
});

Deno.test("each byte lands in its position's bucket, and the total weighs buckets by their bytes", () => {
  const bits = new BitsPerByte(4096);
  // Positions 1..1023 at p = 1/4 (2 bits), 1024..2047 at p = 1/2 (1 bit), 2048..4095 at p = 1 (0 bits),
  // added in pieces that straddle the bucket edges.
  const lp = (pos: number) => pos < 1024 ? -2 * Math.LN2 : pos < 2048 ? -Math.LN2 : 0;
  for (const [a, b] of [[1, 1000], [1000, 2049], [2049, 4096]]) {
    bits.add(a, Float64Array.from({ length: b - a }, (_, i) => lp(a + i)));
  }
  const buckets = bits.buckets();
  assert.deepEqual(buckets.map(({ start, end, bytes }) => [start, end, bytes]), [
    [0, 1024, 1023],
    [1024, 2048, 1024],
    [2048, 4096, 2048],
  ]);
  [2, 1, 0].forEach((want, i) => assert.ok(Math.abs(buckets[i].bpb - want) < 1e-12, `bucket ${i}`));
  assert.ok(Math.abs(bits.total()! - (2 * 1023 + 1024) / 4095) < 1e-12);
});

Deno.test("nothing scored gives a null total and no buckets; a position outside the prompt throws", () => {
  const bits = new BitsPerByte(1);
  assert.equal(bits.total(), null);
  assert.deepEqual(bits.buckets(), []);
  assert.throws(() => bits.add(1, [-1]), /position 1 is outside the prompt's \[0, 1\)/);
});
