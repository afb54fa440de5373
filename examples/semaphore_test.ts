import { assert, assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("semaphore.ts never lets more than three of its eight threads in at once", async () => {
  const { code, lines, stderr } = await runExample("semaphore");
  assertEquals(code, 0, stderr);
  assertEquals(lines.at(-1), "all downloads finished");
  const entries = lines.map((line) =>
    /^(Thread-\d+) got a slot \((\d+) downloading\)$/.exec(line)
  )
    .filter((m) => m !== null);
  const done = lines.filter((line) => /^Thread-\d+ done$/.test(line));
  assertEquals(entries.length, 8, lines.join("\n"));
  assertEquals(done.length, 8, lines.join("\n"));
  assertEquals(
    new Set(entries.map((m) => m[1])).size,
    8,
    "each thread entered once",
  );
  for (const m of entries) {
    assert(Number(m[2]) >= 1 && Number(m[2]) <= 3, m[0]);
  }
});
