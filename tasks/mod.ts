/**
 * Benchmark tasks: the Task contract, the registry, the passkey task, prompt layout streaming and scoring
 * helpers.
 *
 * @module
 */

export * from "./task.ts";
export * from "./registry.ts";
export * from "./passkey.ts";
export * from "./layout.ts";
export * from "./score.ts";
