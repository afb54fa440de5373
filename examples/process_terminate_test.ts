import { assert, assertEquals, assertMatch } from "@std/assert";
import { pidExists } from "./_process_example.ts";
import { runExample } from "./_run_example.ts";

Deno.test("process_terminate.ts: terminate() then join() leaves no zombie and exitCode is -SIGTERM", async () => {
  const { code, lines, stderr } = await runExample("process_terminate");
  assertEquals(code, 0, stderr);
  assertEquals(lines.length, 3, lines.join("\n"));
  const [, pid, stat] =
    /^child (\d+) running: ps says \1 (\S+)$/.exec(lines[0]) ?? [];
  assert(Number(pid) > 0, lines[0]);
  assertMatch(stat ?? "", /^[SR]/, lines[0]);
  assertEquals(lines[1], "after terminate(): isAlive() true");
  assertEquals(
    lines[2],
    "after join(): exitCode -15, ps says (no such process)",
  );
  assertEquals(pidExists(Number(pid)), false);
});
