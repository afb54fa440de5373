import { assert, assertEquals } from "@std/assert";
import { isRunning } from "./_process_example.ts";
import { runExample } from "./_run_example.ts";

Deno.test("process_daemon.ts: the daemon child dies with the main process before singing ten times", async () => {
  const { code, lines, stderr } = await runExample("process_daemon");
  assertEquals(code, 0, stderr);
  const pid = Number(/^daemon child pid (\d+)$/.exec(lines[0])?.[1]);
  assert(pid > 0, lines.join("\n"));
  assert(lines.includes("主进程结束 (main process ends)"), lines.join("\n"));
  assert(
    lines.filter((line) => line === "singing").length < 10,
    lines.join("\n"),
  );
  // The parent killed it on exit (init reaps it, lazily in some containers).
  for (let i = 0; i < 200 && isRunning(pid); i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assertEquals(
    isRunning(pid),
    false,
    `daemon child ${pid} outlived its parent`,
  );
});
