import assert from "node:assert/strict";
import { runExample } from "./_run_example.ts";

Deno.test("pool_process_vs_thread.ts times the same count serially, on threads and on processes", async () => {
  const { code, lines, stderr } = await runExample(
    "pool_process_vs_thread",
    "--limit",
    "200000",
    "--tasks",
    "4",
  );
  assert.equal(code, 0, stderr);
  assert.equal(lines.length, 4, lines.join("\n"));
  assert.match(
    lines[0],
    /^Counting the primes below 200000 in 4 tasks on \d+ cores$/,
  );
  assert.match(lines[1], /^serial: +\d+\.\d\d s, 17984 primes$/);
  assert.match(
    lines[2],
    /^thread pool \(\d+\): +\d+\.\d\d s, 17984 primes \(workers started in \d+\.\d\d s\)$/,
  );
  assert.match(
    lines[3],
    /^process pool \(\d+\): +\d+\.\d\d s, 17984 primes \(workers started in \d+\.\d\d s\)$/,
  );
});
