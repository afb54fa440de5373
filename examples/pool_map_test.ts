import { assert, assertEquals, assertMatch } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("pool_map.ts prints map progress up to 100%, the total, then imap blocks in order", async () => {
  const { code, lines, stderr } = await runExample(
    "pool_map",
    "--limit",
    "100000",
    "--blocks",
    "10",
  );
  assertEquals(code, 0, stderr);
  assertMatch(lines[0], /^map: 10 blocks on \d+ workers$/);
  const progress = lines.filter((l) => l.startsWith("progress: "));
  assertEquals(progress.length, 5, "one line per chunk of 2 blocks");
  const done = progress.map((l) =>
    Number(/^progress: (\d+)\/10 blocks/.exec(l)![1])
  );
  assertEquals(done, [2, 4, 6, 8, 10]);
  assertEquals(progress.at(-1), "progress: 10/10 blocks (100%)");
  assert(lines.includes("map: 9592 primes below 100000"), lines.join("\n"));
  const at = lines.indexOf("imap, in order as they are ready:");
  assert(at > 0);
  const blocks = lines.slice(at + 1).map((l) =>
    /^ {2}\[(\d+), (\d+)\): (\d+) primes$/.exec(l)!
  );
  assertEquals(blocks.length, 10);
  assertEquals(
    blocks.map((m) => Number(m[1])),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => i * 10000),
  );
  assertEquals(blocks.reduce((sum, m) => sum + Number(m[3]), 0), 9592);
});
