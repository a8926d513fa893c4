/**
 * The CUDA backend: every op of the contract as CUDA kernels in build/libramba_cuda.so (built by
 * `deno task build:cuda` from csrc/), loaded through Deno FFI. Precisions: bf16 (bf16 storage, fp32
 * arithmetic; the default) and f32. Available where the library is built, the NVIDIA driver loads and a
 * device of sm_80 or newer is present; otherwise the factory says which of these is missing.
 *
 * @example
 * ```ts
 * import { cudaFactory } from "./mod.ts";
 * const why = await cudaFactory.probe();
 * if (why.available) {
 *   const be = await cudaFactory.create("bf16");
 *   console.log(be.device());
 *   be.close();
 * } else console.log(`cuda: ${why.reason}`);
 * ```
 *
 * @module
 */
export {
  CUDA_PRECISIONS,
  CudaBackend,
  type CudaOptions,
  type CudaPrecision,
  CudaTensor,
} from "./cuda_backend.ts";
export { createCudaFactory, cudaFactory } from "./factory.ts";
