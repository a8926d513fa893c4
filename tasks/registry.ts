/**
 * The task registry: every task the harness can run, looked up by name.
 *
 * @module
 */

import { passkeyTask } from "./passkey.ts";
import type { Task } from "./task.ts";

const TASKS: readonly Task[] = [passkeyTask];

/**
 * Every registered task, in a fixed order.
 *
 * @example
 * ```ts
 * import { listTasks } from "./registry.ts";
 * listTasks().map((t) => t.name); // ["passkey"]
 * ```
 */
export function listTasks(): readonly Task[] {
  return TASKS;
}

/**
 * The task named `name`; an unknown name throws an error listing the known tasks.
 *
 * @example
 * ```ts
 * import { getTask } from "./registry.ts";
 * const task = getTask("passkey");
 * ```
 */
export function getTask(name: string): Task {
  const task = TASKS.find((t) => t.name === name);
  if (task === undefined) {
    throw new Error(
      `Unknown task ${JSON.stringify(name)}; known tasks: ${TASKS.map((t) => t.name).join(", ")}`,
    );
  }
  return task;
}
