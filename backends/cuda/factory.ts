/**
 * The CUDA backend's registry entry: probe() says precisely why CUDA cannot run here (library not built,
 * no driver, no device, device too old) without throwing or prompting; create() opens a context.
 * @module
 */
import type { Availability, BackendFactory, OpName, Precision } from "../backend.ts";
import { OP_NAMES } from "../backend.ts";
import { CUDA_PRECISIONS, CudaBackend, type CudaOptions } from "./cuda_backend.ts";
import { openLibrary, readCString, Status } from "./ffi.ts";

/**
 * A factory for CUDA backends with `opts` (device, library path, cuBLAS).
 *
 * @example
 * ```ts
 * import { createCudaFactory } from "./factory.ts";
 * const own = createCudaFactory({ cublas: false }); // linear on our own kernels only
 * console.log((await own.probe()).reason);
 * ```
 */
export function createCudaFactory(opts: CudaOptions = {}): BackendFactory {
  return {
    name: "cuda",
    precisions: CUDA_PRECISIONS,
    // 64K-token segments: at 1K, launch overhead held ramba-tiny's prefill to ~0.65M tokens/s on an H200;
    // at 64K it reaches ~2-3M (docs/cuda.md). Intermediates stay under 1 GiB for the shipped models.
    preferredSegment: 65536,
    probe(): Promise<Availability> {
      try {
        const opened = openLibrary(opts.libraryPath);
        if (!opened.ok) return Promise.resolve({ available: false, reason: opened.reason });
        const buf = new Uint8Array(1024);
        const st = opened.lib.rc_probe(buf, BigInt(buf.length));
        const line = readCString(buf);
        if (st !== Status.OK) {
          return Promise.resolve({ available: false, reason: line || `CUDA probe failed (${st})` });
        }
        return Promise.resolve({ available: true, reason: line });
      } catch (e) {
        return Promise.resolve({ available: false, reason: `CUDA probe failed: ${(e as Error).message}` });
      }
    },
    create(precision: Precision) {
      try {
        return Promise.resolve(CudaBackend.create(precision, opts));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    opSupport() {
      return Object.fromEntries(OP_NAMES.map((op) => [op, true])) as Record<OpName, boolean>;
    },
  };
}

/** Registry entry of the CUDA backend (device 0, cuBLAS where found). */
export const cudaFactory: BackendFactory = createCudaFactory();
