/**
 * Shared pieces of the reference backend's tests: backends at both precisions and closeness checks
 * that report the first mismatching element.
 * @module
 */
import { ReferenceBackend } from "./reference_backend.ts";

export { randomArray } from "./random.ts";

/** A fresh f64 backend (the truth). */
export function f64(): ReferenceBackend {
  return new ReferenceBackend("f64");
}

/** Throws unless |actual[i] − expected[i]| <= tol·max(1, |expected[i]|) for all i, and lengths agree. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  what = "value",
): void {
  if (actual.length !== expected.length) {
    throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (a === e) continue; // also covers ±Infinity
    if (!(Math.abs(a - e) <= tol * Math.max(1, Math.abs(e)))) {
      throw new Error(`${what}[${i}] = ${a}, expected ${e} (tolerance ${tol})`);
    }
  }
}
