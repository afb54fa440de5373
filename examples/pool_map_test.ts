import assert from "node:assert/strict";
import { runExample } from "./_run_example.ts";

Deno.test("pool_map.ts prints map progress up to 100%, the total, then imap blocks in order", async () => {
  const { code, lines, stderr } = await runExample(
    "pool_map",
    "--limit",
    "100000",
    "--blocks",
    "10",
  );
  assert.equal(code, 0, stderr);
  assert.match(lines[0], /^map: 10 blocks on \d+ workers$/);
  const progress = lines.filter((l) => l.startsWith("progress: "));
  assert.equal(progress.length, 5, "one line per chunk of 2 blocks");
  const done = progress.map((l) =>
    Number(/^progress: (\d+)\/10 blocks/.exec(l)![1])
  );
  assert.deepEqual(done, [2, 4, 6, 8, 10]);
  assert.equal(progress.at(-1), "progress: 10/10 blocks (100%)");
  assert.ok(lines.includes("map: 9592 primes below 100000"), lines.join("\n"));
  const at = lines.indexOf("imap, in order as they are ready:");
  assert.ok(at > 0);
  const blocks = lines.slice(at + 1).map((l) =>
    /^ {2}\[(\d+), (\d+)\): (\d+) primes$/.exec(l)!
  );
  assert.equal(blocks.length, 10);
  assert.deepEqual(
    blocks.map((m) => Number(m[1])),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => i * 10000),
  );
  assert.equal(blocks.reduce((sum, m) => sum + Number(m[3]), 0), 9592);
});
