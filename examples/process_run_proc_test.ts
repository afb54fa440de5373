import assert from "node:assert/strict";
import { runExample } from "./_run_example.ts";

Deno.test("process_run_proc.ts prints the seed's four lines, the child's between start and end", async () => {
  const { code, lines, stderr } = await runExample("process_run_proc");
  assert.equal(code, 0, stderr);
  assert.equal(lines.length, 4, lines.join("\n"));
  const parent = Number(/^Parent process (\d+)\.$/.exec(lines[0])?.[1]);
  assert.ok(parent > 0, lines[0]);
  assert.equal(lines[1], "Child process will start.");
  const child = Number(
    /^Run child process test \((\d+)\)\.\.\.$/.exec(lines[2])?.[1],
  );
  assert.ok(child > 0 && child !== parent, lines[2]);
  assert.equal(lines[3], "Child process end.");
});
