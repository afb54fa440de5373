import assert from "node:assert/strict";
import { runExample } from "./_run_example.ts";

Deno.test("busy_loop.ts spins one thread per core and reports CPU time against wall time", async () => {
  const { code, lines, stderr } = await runExample(
    "busy_loop",
    "--seconds",
    "0.3",
  );
  assert.equal(code, 0, stderr);
  const cores = navigator.hardwareConcurrency;
  // The figures depend on the machine's load; the test checks the report,
  // the bench-like ratio is for people to read.
  assert.deepEqual(lines.length, 3, lines.join("\n"));
  assert.equal(
    lines[0],
    `${cores} threads spinning on x = x ^ 1 for 0.3 s (${cores} cores)`,
  );
  assert.match(lines[1], /^CPU time \d+\.\d\d s in \d+\.\d\d s of wall time$/);
  assert.match(
    lines[2],
    new RegExp(`^cores kept busy: \\d+\\.\\d\\d of ${cores} \\(`),
  );
});
