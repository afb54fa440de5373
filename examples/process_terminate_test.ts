import assert from "node:assert/strict";
import { pidExists } from "./_process_example.ts";
import { runExample } from "./_run_example.ts";

Deno.test("process_terminate.ts: terminate() then join() leaves no zombie and exitCode is -SIGTERM", async () => {
  const { code, lines, stderr } = await runExample("process_terminate");
  assert.equal(code, 0, stderr);
  assert.equal(lines.length, 3, lines.join("\n"));
  const [, pid, stat] =
    /^child (\d+) running: ps says \1 (\S+)$/.exec(lines[0]) ?? [];
  assert.ok(Number(pid) > 0, lines[0]);
  assert.match(stat ?? "", /^[SR]/, lines[0]);
  assert.equal(lines[1], "after terminate(): isAlive() true");
  assert.equal(
    lines[2],
    "after join(): exitCode -15, ps says (no such process)",
  );
  assert.equal(pidExists(Number(pid)), false);
});
