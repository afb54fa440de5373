import { assert, assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("pool.ts runs five tasks on four child processes; task 4 starts only after another ended", async () => {
  const { code, lines, stderr } = await runExample("pool", "--seconds", "0.5");
  assertEquals(code, 0, stderr);
  assertEquals(lines.length, 13, lines.join("\n"));
  const parent = Number(/^Parent process (\d+)\.$/.exec(lines[0])?.[1]);
  assert(parent > 0, lines[0]);
  assertEquals(lines.at(-1), "All subprocesses done.");
  assert(lines.includes("Waiting for all subprocesses done..."));

  const started = new Map<number, { at: number; pid: number }>();
  const ended = new Map<number, number>();
  lines.forEach((line, at) => {
    const run = /^Run task (\d) \((\d+)\)\.\.\.$/.exec(line);
    if (run) started.set(Number(run[1]), { at, pid: Number(run[2]) });
    const done = /^Task (\d) runs \d+\.\d\d seconds\.$/.exec(line);
    if (done) ended.set(Number(done[1]), at);
  });
  assertEquals([...started.keys()].sort(), [0, 1, 2, 3, 4]);
  assertEquals([...ended.keys()].sort(), [0, 1, 2, 3, 4]);
  for (const [task, { at }] of started) {
    assert(at < ended.get(task)!, `task ${task}`);
  }

  const pids = new Set([...started.values()].map((s) => s.pid));
  assert(!pids.has(parent), "tasks run in child processes");
  assertEquals(new Set([0, 1, 2, 3].map((t) => started.get(t)!.pid)).size, 4);
  assertEquals(pids.size, 4, "task 4 reuses a worker of the pool of four");
  const firstEnd = Math.min(...ended.values());
  assert(started.get(4)!.at > firstEnd, "task 4 waited for a free worker");
});
