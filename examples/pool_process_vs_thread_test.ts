import { assertEquals, assertMatch } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("pool_process_vs_thread.ts times the same count serially, on threads and on processes", async () => {
  const { code, lines, stderr } = await runExample(
    "pool_process_vs_thread",
    "--limit",
    "200000",
    "--tasks",
    "4",
  );
  assertEquals(code, 0, stderr);
  assertEquals(lines.length, 4, lines.join("\n"));
  assertMatch(
    lines[0],
    /^Counting the primes below 200000 in 4 tasks on \d+ cores$/,
  );
  assertMatch(lines[1], /^serial: +\d+\.\d\d s, 17984 primes$/);
  assertMatch(
    lines[2],
    /^thread pool \(\d+\): +\d+\.\d\d s, 17984 primes \(workers started in \d+\.\d\d s\)$/,
  );
  assertMatch(
    lines[3],
    /^process pool \(\d+\): +\d+\.\d\d s, 17984 primes \(workers started in \d+\.\d\d s\)$/,
  );
});
