/**
 * The byte-level tokenizer of the shipped models: a token is one UTF-8 byte, so the vocabulary is 256 and
 * every string round-trips.
 *
 * @module
 */

/** Number of token ids: one per byte value. */
export const VOCAB_SIZE = 256;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/**
 * Tokens of a string: its UTF-8 bytes.
 *
 * @example
 * ```ts
 * import { encode } from "./tokenizer.ts";
 * encode("Hi"); // Uint8Array [72, 105]
 * ```
 */
export function encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Text of tokens: UTF-8 decoding, lossy (an invalid sequence becomes U+FFFD). Every id must be an integer
 * in [0, 256).
 *
 * @example
 * ```ts
 * import { decode } from "./tokenizer.ts";
 * decode([72, 105]); // "Hi"
 * ```
 */
export function decode(tokens: Uint8Array | readonly number[]): string {
  if (tokens instanceof Uint8Array) return decoder.decode(tokens);
  const bytes = new Uint8Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!Number.isInteger(t) || t < 0 || t >= VOCAB_SIZE) {
      throw new Error(`Token ${t} at index ${i} is not a byte id in [0, ${VOCAB_SIZE})`);
    }
    bytes[i] = t;
  }
  return decoder.decode(bytes);
}
