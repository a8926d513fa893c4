/**
 * The seeded PRNG every sample is drawn from: xoshiro128** seeded by splitmix32, 32-bit integer arithmetic
 * only, specified step by step in PRNG.md so that a Python port reproduces every draw byte for byte.
 *
 * @module
 */

/** Which side of the train/eval partition a sample belongs to. */
export type Split = "train" | "eval";

/** The splits, in a fixed order. */
export const SPLITS: readonly Split[] = ["train", "eval"];

const TWO_POW_32 = 4294967296;
const PART_SEPARATOR = "\u001f";
const encoder = new TextEncoder();

/**
 * The murmur3 32-bit finalizer: a bijection on u32 that spreads every input bit over the output.
 *
 * @example
 * ```ts
 * import { fmix32 } from "./prng.ts";
 * fmix32(0); // 0
 * ```
 */
export function fmix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * FNV-1a 32-bit hash of a byte string (offset basis 0x811c9dc5, prime 0x01000193).
 *
 * @example
 * ```ts
 * import { fnv1a32 } from "./prng.ts";
 * fnv1a32(new TextEncoder().encode("a")); // 0xe40c292c
 * ```
 */
export function fnv1a32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

/**
 * The canonical text of one seed part: a string as is (it may not contain U+001F); a number that is an
 * integer of magnitude ≤ 2^53 − 1 as its decimal digits (with "-" when negative; -0 is "0"); any other finite
 * number as "f" and the 16 lowercase hex digits of its IEEE-754 binary64 big-endian bytes.
 */
export function canonicalPart(part: string | number): string {
  if (typeof part === "string") {
    if (part.includes(PART_SEPARATOR)) throw new Error(`Seed part ${JSON.stringify(part)} contains U+001F`);
    return part;
  }
  if (typeof part !== "number" || !Number.isFinite(part)) {
    throw new Error(`Seed part ${String(part)} must be a string or a finite number`);
  }
  if (Number.isSafeInteger(part)) return part === 0 ? "0" : String(part);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, part, false);
  let hex = "f";
  for (let i = 0; i < 8; i++) hex += view.getUint8(i).toString(16).padStart(2, "0");
  return hex;
}

/**
 * Derives a 32-bit seed from parts: fmix32(FNV-1a 32 of the UTF-8 bytes of the canonical parts joined with
 * U+001F).
 *
 * @example
 * ```ts
 * import { seedFrom } from "./prng.ts";
 * const seed = seedFrom(["passkey", 4096, 0.5, 0, 0, "eval"]);
 * ```
 */
export function seedFrom(parts: readonly (string | number)[]): number {
  return fmix32(fnv1a32(encoder.encode(parts.map(canonicalPart).join(PART_SEPARATOR))));
}

/**
 * The split a secret belongs to: h = fmix32(FNV-1a 32 of its UTF-8 bytes); "eval" when the top three bits
 * of h are zero (h < 2^29, 1/8 of the space), else "train". Tasks draw secrets again until this matches
 * the requested split, so no secret can ever appear in both.
 *
 * @example
 * ```ts
 * import { splitOf } from "./prng.ts";
 * splitOf("48213"); // "train" or "eval", fixed forever
 * ```
 */
export function splitOf(secret: string): Split {
  return fmix32(fnv1a32(encoder.encode(secret))) >>> 29 === 0 ? "eval" : "train";
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A xoshiro128** generator. Create it with {@link createRng}. */
export class Rng {
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  /** Seeds the 128-bit state with four consecutive splitmix32 outputs from `seed` (a u32). */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed >= TWO_POW_32) {
      throw new Error(`Seed ${seed} must be an integer in [0, 2^32)`);
    }
    let sm = seed >>> 0;
    const next = () => {
      sm = (sm + 0x9e3779b9) >>> 0;
      return fmix32(sm);
    };
    this.#s0 = next();
    this.#s1 = next();
    this.#s2 = next();
    this.#s3 = next();
  }

  /** The next output, a u32. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.#s1, 5), 7), 9) >>> 0;
    const t = this.#s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= this.#s1;
    this.#s1 ^= this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result;
  }

  /**
   * A uniform integer in [lo, hi], both inclusive, without modulo bias: n = hi − lo + 1; draw x until
   * x < 2^32 − (2^32 mod n); return lo + (x mod n). Needs integers with 0 ≤ hi − lo < 2^32.
   */
  uniformInt(lo: number, hi: number): number {
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi)) {
      throw new Error(`Range [${lo}, ${hi}] must have integer bounds`);
    }
    const n = hi - lo + 1;
    if (n < 1 || n > TWO_POW_32) throw new Error(`Range [${lo}, ${hi}] must hold 1 to 2^32 integers`);
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return lo + (x % n);
  }

  /** A float in [0, 1) with 24 random bits: (nextU32 >>> 8) / 2^24. */
  nextFloat(): number {
    return (this.nextU32() >>> 8) / 16777216;
  }

  /** One element of a non-empty array: items[uniformInt(0, length − 1)]. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Choice needs a non-empty array of items");
    return items[this.uniformInt(0, items.length - 1)];
  }

  /** Fisher–Yates in place, from the end: for i = length − 1 down to 1, swap i with uniformInt(0, i). */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.uniformInt(0, i);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }
}

/**
 * A generator seeded with a u32 (use {@link seedFrom} to derive one from named parts).
 *
 * @example
 * ```ts
 * import { createRng, seedFrom } from "./prng.ts";
 * const rng = createRng(seedFrom(["passkey", 4096, 0.5, 0, 0, "eval"]));
 * rng.uniformInt(5, 7);
 * ```
 */
export function createRng(seed: number): Rng {
  return new Rng(seed);
}
