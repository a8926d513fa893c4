/**
 * The reference backend: plain TypeScript loops over typed arrays, the living definition of every
 * op (f64 is the truth other backends are compared with; f32 rounds on every store).
 *
 * @example
 * ```ts
 * import { referenceFactory } from "./mod.ts";
 * const be = await referenceFactory.create("f64");
 * const x = be.upload(new Float64Array([1, -1]), [1, 2]);
 * console.log(await be.download(be.ops.silu(x)));
 * be.close();
 * ```
 *
 * @module
 */
export { ReferenceBackend, referenceFactory } from "./reference_backend.ts";
