import { assert, assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("pool_squares.ts squares 0..4 on a pool of four child processes", async () => {
  const { code, lines, stderr } = await runExample(
    "pool_squares",
    "--seconds",
    "0.2",
  );
  assertEquals(code, 0, stderr);
  assertEquals(lines.length, 13, lines.join("\n"));
  const parent = Number(/^Parent process (\d+)\.$/.exec(lines[0])?.[1]);
  assertEquals(lines.at(-1), "All subprocesses done.");
  const results = lines.filter((l) => l.startsWith("Task ")).sort();
  assertEquals(
    results,
    [0, 1, 2, 3, 4].map((x) => `Task ${x} result is: ${x * x}`),
  );
  const pids = lines.flatMap((l) =>
    /^Run task \d \(pid:(\d+)\)\.\.\.$/.exec(l)?.[1] ?? []
  );
  assertEquals(pids.length, 5);
  assert(!pids.includes(String(parent)));
  assertEquals(new Set(pids).size, 4, "five tasks on four workers");
  const run4 = lines.findIndex((l) => l.startsWith("Run task 4 "));
  const firstResult = lines.findIndex((l) => / result is: /.test(l));
  assert(run4 > firstResult, "task 4 waited for a free worker");
});
