import { assert, assertEquals, assertNotEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("fork_pid.ts: the child reports its own pid and the parent's pid as its ppid", async () => {
  const { code, lines, stderr } = await runExample("fork_pid");
  assertEquals(code, 0, stderr);
  assertEquals(lines.length, 3, lines.join("\n"));
  const parent = Number(/^Process \((\d+)\) start\.\.\.$/.exec(lines[0])?.[1]);
  assert(parent > 0, lines[0]);
  const created = lines.find((line) => line.startsWith("I ("));
  const [, self, childPid] =
    /^I \((\d+)\) just created a child process \((\d+)\)\.$/
      .exec(created ?? "") ?? [];
  assertEquals(Number(self), parent);
  const report = lines.find((line) => line.startsWith("I am child"));
  const [, pid, ppid] =
    /^I am child process \((\d+)\) and my parent is (\d+)\.$/
      .exec(report ?? "") ?? [];
  assertEquals(
    Number(pid),
    Number(childPid),
    "the child's pid is the one the parent created",
  );
  assertNotEquals(Number(pid), parent);
  assertEquals(
    Number(ppid),
    parent,
    "the child's parent is the parent process",
  );
});
