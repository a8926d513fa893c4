/**
 * Seeded uniform arrays for the reference backend's tests and benchmarks (mulberry32), so that a
 * failing case can be replayed from its seed.
 * @module
 */

/** `n` values uniform in [lo, hi) from `seed`; the same seed gives the same values everywhere. */
export function randomArray(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const out = new Float64Array(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = lo + (((t ^ (t >>> 14)) >>> 0) / 4294967296) * (hi - lo);
  }
  return out;
}
