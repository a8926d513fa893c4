/**
 * embedding: gathers rows of the table for each token id. Ids outside [0, V) are an error, not a
 * clamp, so a tokenizer/vocab mismatch surfaces at once.
 * @module
 */
import type { Tensor } from "../backend.ts";
import { embeddingArgs } from "../op_args.ts";
import { floatData } from "./check.ts";
import type { Allocator, FloatArray, RefTensor } from "./tensor.ts";

/**
 * Rows of `table` for each id: table `[V, d]`, ids `[T]` → `[T, d]`.
 *
 * 1. Check every id lies in [0, V).
 * 2. Copy row `ids[t]` of the table to row t of the output.
 */
export function embedding(mem: Allocator, table: Tensor, ids: Int32Array): RefTensor {
  const { dim: d } = embeddingArgs(table, ids);
  const td = floatData("embedding", "table", table);
  const y = mem.alloc([ids.length, d]);
  const yd = y.data as FloatArray;
  for (let t = 0; t < ids.length; t++) yd.set(td.subarray(ids[t] * d, ids[t] * d + d), t * d);
  return y;
}
