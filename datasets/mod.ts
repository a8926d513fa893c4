/**
 * Data for the benchmark tasks: the seeded PRNG (specified in PRNG.md for the Python training code), the
 * byte-level tokenizer, the haystack sources and the word list.
 *
 * @module
 */

export * from "./prng.ts";
export * from "./tokenizer.ts";
export * from "./haystack.ts";
export * from "./cyclic.ts";
export * from "./corpus.ts";
export * from "./random_words.ts";
export * from "./words.ts";
