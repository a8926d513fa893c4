/**
 * Prompt layout: a prompt as a list of pieces (literal bytes or haystack ranges) streamed in fixed-size
 * segments, filling each segment on the fly so memory never grows with the prompt.
 *
 * @module
 */

import type { HaystackSource } from "../datasets/haystack.ts";

/** One run of prompt bytes: literal bytes, or haystack bytes [start, end) of a source. */
export type Piece =
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "haystack"; source: HaystackSource; start: number; end: number };

/** Bytes a piece contributes. */
export function pieceLength(piece: Piece): number {
  return piece.kind === "bytes" ? piece.bytes.length : piece.end - piece.start;
}

/** Bytes of the whole layout. */
export function layoutLength(pieces: readonly Piece[]): number {
  let total = 0;
  for (const p of pieces) total += pieceLength(p);
  return total;
}

function* stream(pieces: readonly Piece[], segmentTokens: number): Generator<Uint8Array> {
  const total = layoutLength(pieces);
  let index = 0; // current piece
  let within = 0; // bytes of it already emitted
  for (let done = 0; done < total;) {
    const out = new Uint8Array(Math.min(segmentTokens, total - done));
    let pos = 0;
    while (pos < out.length) {
      const piece = pieces[index];
      const length = pieceLength(piece);
      const take = Math.min(length - within, out.length - pos);
      if (take > 0) {
        if (piece.kind === "bytes") out.set(piece.bytes.subarray(within, within + take), pos);
        else piece.source.fill(piece.start + within, out.subarray(pos, pos + take));
      }
      pos += take;
      within += take;
      if (within === length) {
        index++;
        within = 0;
      }
    }
    done += out.length;
    yield out;
  }
}

/**
 * Streams the layout in chunks of `segmentTokens` bytes (the last may be shorter). Each call starts a
 * fresh pass; each chunk is a fresh array.
 *
 * @example
 * ```ts
 * import { streamLayout } from "./layout.ts";
 * const bytes = new TextEncoder().encode("hello");
 * for (const seg of streamLayout([{ kind: "bytes", bytes }], 2)) console.log(seg); // he, ll, o
 * ```
 */
export function streamLayout(pieces: readonly Piece[], segmentTokens: number): Iterable<Uint8Array> {
  if (!Number.isSafeInteger(segmentTokens) || segmentTokens < 1) {
    throw new Error(`Segment tokens ${segmentTokens} must be a positive integer`);
  }
  return stream(pieces, segmentTokens);
}
