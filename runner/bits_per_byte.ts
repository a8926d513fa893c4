/**
 * Bits per byte of a likelihood-scored prompt, overall and by position bucket: [0, 1024), [1024, 2048),
 * [2048, 4096), … doubling, so a long prompt's curve shows how the model does as its context grows.
 *
 * @module
 */
import type { BpbBucket } from "./result.ts";

/**
 * Sums −ln p of scored bytes by the bucket of their prompt position and turns the sums into bits per byte.
 * Sums are f64: a 64M-byte prompt loses nothing that shows in the result.
 *
 * @example
 * ```ts
 * const bits = new BitsPerByte(3000);
 * bits.add(1, new Float64Array(2999).fill(-Math.LN2)); // every byte at p = 1/2
 * bits.total(); // 1
 * bits.buckets(); // [{ start: 0, end: 1024, bytes: 1023, bpb: 1 }, { start: 1024, end: 2048, … }, …]
 * ```
 */
export class BitsPerByte {
  #length: number;
  #nats: number[] = [];
  #bytes: number[] = [];

  /** For a prompt of `length` bytes (the last bucket ends there). */
  constructor(length: number) {
    this.#length = length;
  }

  /** Adds the natural-log probabilities of the bytes at positions first, first + 1, …. */
  add(first: number, logProbs: ArrayLike<number>): void {
    for (let i = 0; i < logProbs.length; i++) {
      const pos = first + i;
      if (!(pos >= 0 && pos < this.#length)) {
        throw new RangeError(`BitsPerByte: position ${pos} is outside the prompt's [0, ${this.#length})`);
      }
      const k = bucketOf(pos);
      this.#nats[k] = (this.#nats[k] ?? 0) - logProbs[i];
      this.#bytes[k] = (this.#bytes[k] ?? 0) + 1;
    }
  }

  /** Bits per byte over every scored byte; null when none was. */
  total(): number | null {
    let nats = 0, bytes = 0;
    this.#bytes.forEach((n, k) => {
      nats += this.#nats[k];
      bytes += n;
    });
    return bytes > 0 ? nats / bytes / Math.LN2 : null;
  }

  /** The buckets holding a scored byte, in position order. */
  buckets(): BpbBucket[] {
    const out: BpbBucket[] = [];
    this.#bytes.forEach((n, k) => {
      const start = k === 0 ? 0 : 1024 * 2 ** (k - 1);
      const end = Math.min(1024 * 2 ** k, this.#length);
      out.push({ start, end, bytes: n, bpb: this.#nats[k] / n / Math.LN2 });
    });
    return out;
  }
}

/** 0 below 1024, else floor(log2(pos / 1024)) + 1, in integers (the bit length of floor(pos / 1024)). */
function bucketOf(pos: number): number {
  return 32 - Math.clz32(Math.floor(pos / 1024));
}
