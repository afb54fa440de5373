import assert from "node:assert/strict";
import { runExample } from "./_run_example.ts";

Deno.test("fork_pid.ts: the child reports its own pid and the parent's pid as its ppid", async () => {
  const { code, lines, stderr } = await runExample("fork_pid");
  assert.equal(code, 0, stderr);
  assert.equal(lines.length, 3, lines.join("\n"));
  const parent = Number(/^Process \((\d+)\) start\.\.\.$/.exec(lines[0])?.[1]);
  assert.ok(parent > 0, lines[0]);
  const created = lines.find((line) => line.startsWith("I ("));
  const [, self, childPid] =
    /^I \((\d+)\) just created a child process \((\d+)\)\.$/
      .exec(created ?? "") ?? [];
  assert.equal(Number(self), parent);
  const report = lines.find((line) => line.startsWith("I am child"));
  const [, pid, ppid] =
    /^I am child process \((\d+)\) and my parent is (\d+)\.$/
      .exec(report ?? "") ?? [];
  assert.equal(
    Number(pid),
    Number(childPid),
    "the child's pid is the one the parent created",
  );
  assert.notEqual(Number(pid), parent);
  assert.equal(
    Number(ppid),
    parent,
    "the child's parent is the parent process",
  );
});
