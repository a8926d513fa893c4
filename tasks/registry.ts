/**
 * The task registry: every task the harness can run, looked up by name.
 *
 * @module
 */

import { lmBpbTask } from "./lm_bpb.ts";
import { niahMultikeyTask, niahMultiqueryTask, niahMultivalueTask, niahSingleTask } from "./niah.ts";
import { passkeyTask } from "./passkey.ts";
import type { Task } from "./task.ts";
import { variableTrackingTask } from "./variable_tracking.ts";
import { commonWordsTask, frequentWordsTask } from "./words_tasks.ts";

const TASKS: readonly Task[] = [
  passkeyTask,
  niahSingleTask,
  niahMultikeyTask,
  niahMultivalueTask,
  niahMultiqueryTask,
  variableTrackingTask,
  commonWordsTask,
  frequentWordsTask,
  lmBpbTask,
];

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
 * The task named `name`; an unknown name throws an error listing the known tasks. With `haystack` (a
 * haystack name such as "random-words" or "file:PATH"), a task with a haystack streams that one instead
 * (its task params record it); tasks without a haystack ignore it.
 *
 * @example
 * ```ts
 * import { getTask } from "./registry.ts";
 * const task = getTask("niah_single", "random-words");
 * ```
 */
export function getTask(name: string, haystack?: string): Task {
  const task = TASKS.find((t) => t.name === name);
  if (task === undefined) {
    throw new Error(
      `Unknown task ${JSON.stringify(name)}; known tasks: ${TASKS.map((t) => t.name).join(", ")}`,
    );
  }
  return haystack === undefined || task.withHaystack === undefined ? task : task.withHaystack(haystack);
}
