// Tests of the task registry: lookup by name and the error for an unknown one.
import { ok, strictEqual, throws } from "node:assert/strict";
import { getTask, listTasks } from "./registry.ts";

Deno.test("getTask finds every listed task and names the known ones otherwise", () => {
  ok(listTasks().length >= 1);
  for (const task of listTasks()) {
    strictEqual(getTask(task.name), task);
    ok(task.minLength > 0 && task.generatorVersion >= 1 && task.description.length > 0);
  }
  strictEqual(getTask("passkey").stopByte, 0x2e);
  throws(() => getTask("ruler"), /Unknown task "ruler"; known tasks: passkey/);
});
