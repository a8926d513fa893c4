/**
 * The run's environment (CPU, memory, Deno, commit) for run.json, and peak host memory per cell.
 *
 * @module
 */
import type { RunInfo } from "./result.ts";

/** CPU model name from /proc/cpuinfo, or the architecture where that cannot be read. */
export function cpuName(): string {
  try {
    const m = /model name\s*:\s*(.+)/.exec(Deno.readTextFileSync("/proc/cpuinfo"));
    if (m) return m[1].trim();
  } catch { /* not Linux, or no permission */ }
  return Deno.build.arch;
}

/** The environment block of run.json. */
export function environment(devices: string[]): RunInfo["environment"] {
  let memory = 0;
  try {
    memory = Deno.systemMemoryInfo().total;
  } catch { /* unknown */ }
  return {
    cpu: cpuName(),
    cores: navigator.hardwareConcurrency,
    memory_bytes: memory,
    os: `${Deno.build.os} ${safe(() => Deno.osRelease())}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    devices,
  };
}

function safe(f: () => string): string {
  try {
    return f();
  } catch {
    return "";
  }
}

/** The commit: from git where there is a checkout, else the `--commit` value, with a dirty flag. */
export async function commitInfo(flag: string | null): Promise<RunInfo["commit"]> {
  if (flag) return { sha: flag, dirty: null, source: "flag" };
  try {
    const root = new URL("../", import.meta.url).pathname;
    const run = async (args: string[]) => {
      const out = await new Deno.Command("git", {
        args: ["-C", root, ...args],
        stdout: "piped",
        stderr: "null",
      }).output();
      if (!out.success) throw new Error("git failed");
      return new TextDecoder().decode(out.stdout).trim();
    };
    const sha = await run(["rev-parse", "HEAD"]);
    const dirty = (await run(["status", "--porcelain", "--untracked-files=no"])).length > 0;
    return { sha, dirty, source: "git" };
  } catch {
    return { sha: null, dirty: null, source: "unknown" };
  }
}

/**
 * Peak resident set size over a window. On Linux the kernel's high-water mark (VmHWM) is reset by
 * writing 5 to /proc/self/clear_refs, so the peak of each cell is exact; elsewhere RSS is sampled at
 * every `sample()` call (between segments and decode steps).
 */
export class HostPeak {
  readonly method: string;
  #sampled = 0;
  #kernel: boolean;

  constructor() {
    this.#kernel = HostPeak.#resetKernel();
    this.method = this.#kernel ? "VmHWM after clear_refs reset" : "max of sampled RSS between segments";
  }

  static #resetKernel(): boolean {
    try {
      Deno.writeTextFileSync("/proc/self/clear_refs", "5");
      return /VmHWM/.test(Deno.readTextFileSync("/proc/self/status"));
    } catch {
      return false;
    }
  }

  /** Takes an RSS sample (cheap). */
  sample(): void {
    const rss = Deno.memoryUsage().rss;
    if (rss > this.#sampled) this.#sampled = rss;
  }

  /** Peak bytes since construction. */
  peak(): number {
    this.sample();
    if (this.#kernel) {
      const m = /VmHWM:\s*(\d+)\s*kB/.exec(Deno.readTextFileSync("/proc/self/status"));
      if (m) return Math.max(Number(m[1]) * 1024, this.#sampled);
    }
    return this.#sampled;
  }
}
