/**
 * Long-context benchmark harness: RAMba (Mamba2 + Hierarchical Sparse Attention), Transformer, Mamba2
 * and SWA+HSA models on pluggable backends, over synthetic retrieval tasks, with results files and a
 * self-contained HTML report. This is the library door; the CLI is main.ts.
 *
 * @example
 * ```ts
 * import { resolveRunConfig, runSweep } from "./mod.ts";
 * const cfg = resolveRunConfig({ models: "ramba-tiny", lengths: "1k", randomWeights: true, out: "runs/demo" });
 * await runSweep(cfg);
 * ```
 *
 * @module
 */
export * from "./backends/backend.ts";
export { autoBackend, listBackends, opSupportTable, resolveBackend } from "./backends/registry.ts";
export { ReferenceBackend, referenceFactory } from "./backends/reference/mod.ts";
export * from "./models/schema.ts";
export { DeviceWeights, type HostModel, loadModel, randomWeights, shippedModels } from "./models/weights.ts";
export { type Checkpoint, type ForwardOptions, Model, Session } from "./models/session.ts";
export {
  checkTensors,
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  toFloat64,
} from "./models/safetensors.ts";
export * from "./tasks/mod.ts";
export * from "./datasets/mod.ts";
export {
  DEFAULT_CONFIG,
  formatLength,
  parseLength,
  resolveRunConfig,
  type RunConfig,
} from "./runner/config.ts";
export { runSweep, type SweepSummary } from "./runner/sweep.ts";
export * from "./runner/result.ts";
export { renderReport } from "./reports/mod.ts";
