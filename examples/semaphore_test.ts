import assert from "node:assert/strict";
import { runExample } from "./_run_example.ts";

Deno.test("semaphore.ts never lets more than three of its eight threads in at once", async () => {
  const { code, lines, stderr } = await runExample("semaphore");
  assert.equal(code, 0, stderr);
  assert.equal(lines.at(-1), "all downloads finished");
  const entries = lines.map((line) =>
    /^(Thread-\d+) got a slot \((\d+) downloading\)$/.exec(line)
  )
    .filter((m) => m !== null);
  const done = lines.filter((line) => /^Thread-\d+ done$/.test(line));
  assert.equal(entries.length, 8, lines.join("\n"));
  assert.equal(done.length, 8, lines.join("\n"));
  assert.equal(
    new Set(entries.map((m) => m[1])).size,
    8,
    "each thread entered once",
  );
  for (const m of entries) {
    assert.ok(Number(m[2]) >= 1 && Number(m[2]) <= 3, m[0]);
  }
});
