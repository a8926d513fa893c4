/**
 * Data for the benchmark tasks: the seeded PRNG (specified in PRNG.md for the Python training code), the
 * byte-level tokenizer and the haystack sources.
 *
 * @module
 */

export * from "./prng.ts";
export * from "./tokenizer.ts";
export * from "./haystack.ts";
