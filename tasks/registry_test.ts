// Tests of the task registry: lookup by name and the error for an unknown one.
import { notStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { getTask, listTasks } from "./registry.ts";

Deno.test("getTask finds every listed task and names the known ones otherwise", () => {
  ok(listTasks().length >= 1);
  for (const task of listTasks()) {
    strictEqual(getTask(task.name), task);
    ok(task.minLength > 0 && task.generatorVersion >= 1 && task.description.length > 0);
  }
  strictEqual(getTask("passkey").stopByte, 0x2e);
  throws(() => getTask("ruler"), /Unknown task "ruler"; known tasks: passkey, niah_single/);
});

Deno.test("getTask with a haystack streams that haystack where the task has one", () => {
  const t = getTask("niah_single", "random-words");
  notStrictEqual(t, getTask("niah_single"));
  strictEqual(
    t.generate({ length: 1000, depth: 0, seed: 0, sample: 0, split: "eval" }).taskParams.haystack,
    "random-words",
  );
  const p = getTask("passkey", "austen").generate({
    length: 1000,
    depth: 0,
    seed: 0,
    sample: 0,
    split: "train",
  });
  strictEqual(p.taskParams.haystack, "austen");
  throws(() => getTask("niah_single", "pg19"), /Unknown haystack "pg19"/);
});
