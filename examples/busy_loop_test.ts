import { assertEquals, assertMatch } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("busy_loop.ts spins 1 thread then one per core and reports turns and CPU time", async () => {
  const { code, lines, stderr } = await runExample(
    "busy_loop",
    "--seconds",
    "0.3",
  );
  assertEquals(code, 0, stderr);
  const cores = navigator.hardwareConcurrency;
  // The figures depend on the machine's load; the test checks the report,
  // the ratios are for people to read.
  assertEquals(lines.length, 4, lines.join("\n"));
  assertEquals(
    lines[0],
    `spinning on x = x ^ 1 for 0.3 s: 1 thread, then ${cores} (one per core)`,
  );
  assertMatch(
    lines[1],
    new RegExp(
      `^${cores} threads got through \\d+\\.\\d\\dx the turns of 1 thread$`,
    ),
  );
  assertMatch(
    lines[2],
    new RegExp(
      `^${cores} threads used \\d+\\.\\d\\d s of CPU in \\d+\\.\\d\\d s: \\d+\\.\\d\\d of ${cores} cores busy$`,
    ),
  );
  assertEquals(
    lines[3],
    "(CPython with its GIL: about 1x the turns and 1 core busy)",
  );
});
