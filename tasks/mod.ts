/**
 * Benchmark tasks: the Task contract, the registry, the passkey, NIAH, variable-tracking and word-extraction
 * tasks, the lm_bpb language-modelling task, prompt layout streaming and scoring helpers.
 *
 * @module
 */

export * from "./task.ts";
export * from "./registry.ts";
export * from "./passkey.ts";
export * from "./niah.ts";
export * from "./variable_tracking.ts";
export * from "./words_tasks.ts";
export * from "./lm_bpb.ts";
export * from "./layout.ts";
export * from "./score.ts";
export * from "./dump.ts";
