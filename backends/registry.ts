/**
 * The backend registry: lists every backend with whether it can run here and why, resolves names,
 * and picks one for `auto`. An unknown or unavailable backend is an error listing all of them.
 *
 * @module
 */
import {
  type Availability,
  BACKEND_NAMES,
  type BackendFactory,
  type BackendName,
  OP_NAMES,
  type OpName,
} from "./backend.ts";
import { cudaFactory } from "./cuda/mod.ts";
import { referenceFactory } from "./reference/mod.ts";

/** A backend that this version does not ship yet: always unavailable, with the reason. */
function notYetFactory(name: BackendName, reason: string): BackendFactory {
  return {
    name,
    precisions: [],
    preferredSegment: 1024,
    probe: () => Promise.resolve({ available: false, reason }),
    create: () => Promise.reject(new Error(`Backend "${name}" is not available: ${reason}`)),
    opSupport: () => Object.fromEntries(OP_NAMES.map((op) => [op, false])) as Record<OpName, boolean>,
  };
}

const FACTORIES: Record<BackendName, BackendFactory> = {
  cuda: cudaFactory,
  webgpu: notYetFactory("webgpu", "not implemented in this version yet (WGSL shaders are planned)"),
  onnx: notYetFactory("onnx", "not implemented in this version yet (ONNX Runtime session is planned)"),
  reference: referenceFactory,
};

/** One line of `--list`. */
export interface BackendStatus extends Availability {
  name: BackendName;
  precisions: readonly string[];
}

/** Every backend, probed, in `auto` order. */
export async function listBackends(): Promise<BackendStatus[]> {
  const out: BackendStatus[] = [];
  for (const name of BACKEND_NAMES) {
    const f = FACTORIES[name];
    out.push({ name, precisions: f.precisions, ...(await f.probe()) });
  }
  return out;
}

function describe(all: BackendStatus[]): string {
  return all.map((s) => `  ${s.name.padEnd(10)} ${s.available ? "available" : "unavailable"}: ${s.reason}`)
    .join("\n");
}

/** The factory called `name`, which must be available; otherwise an error listing every backend and why. */
export async function resolveBackend(name: string): Promise<BackendFactory> {
  const all = await listBackends();
  const hit = all.find((s) => s.name === name);
  if (!hit) throw new Error(`Unknown backend "${name}". Backends:\n${describe(all)}`);
  if (!hit.available) throw new Error(`Backend "${name}" is not available here. Backends:\n${describe(all)}`);
  return FACTORIES[hit.name];
}

/** The first available backend in `auto` order, with the reasons the ones before it were passed over. */
export async function autoBackend(): Promise<{ factory: BackendFactory; why: string }> {
  const all = await listBackends();
  const skipped: string[] = [];
  for (const s of all) {
    if (s.available) {
      const why = skipped.length ? `${skipped.join("; ")}; chose ${s.name}` : `chose ${s.name}`;
      return { factory: FACTORIES[s.name], why };
    }
    skipped.push(`${s.name}: ${s.reason}`);
  }
  throw new Error(`No backend is available. Backends:\n${describe(all)}`);
}

/** The op-support table of every backend (no instance needed). */
export function opSupportTable(): Record<string, Record<string, boolean>> {
  return Object.fromEntries(BACKEND_NAMES.map((n) => [n, FACTORIES[n].opSupport()]));
}
