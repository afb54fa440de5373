import { assert, assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("process_run_proc.ts prints the Python tutorial's four lines, the child's between start and end", async () => {
  const { code, lines, stderr } = await runExample("process_run_proc");
  assertEquals(code, 0, stderr);
  assertEquals(lines.length, 4, lines.join("\n"));
  const parent = Number(/^Parent process (\d+)\.$/.exec(lines[0])?.[1]);
  assert(parent > 0, lines[0]);
  assertEquals(lines[1], "Child process will start.");
  const child = Number(
    /^Run child process test \((\d+)\)\.\.\.$/.exec(lines[2])?.[1],
  );
  assert(child > 0 && child !== parent, lines[2]);
  assertEquals(lines[3], "Child process end.");
});
