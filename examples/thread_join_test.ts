import { assertEquals, assertMatch } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("thread_join.ts runs 5 threads together, then 5 one after another", async () => {
  const { code, lines, stderr } = await runExample("thread_join");
  assertEquals(code, 0, stderr);
  assertEquals(lines.length, 15, lines.join("\n"));
  assertEquals(lines[0], "join after starting all (they run together):");
  assertMatch(lines[6], /^took \d+\.\d s$/);
  assertEquals(lines[7], "join inside the loop (one after another):");
  assertMatch(lines[13], /^took \d+\.\d s$/);
  assertEquals(lines[14], "main thread ended");
  const shown = (line: string) =>
    /^<Thread\((Thread-\d+), started (\d+)\)>$/.exec(line);
  // Together: the five may print in any order.
  const together = lines.slice(1, 6).map((line) => shown(line)?.[1]);
  assertEquals(new Set(together).size, 5, lines.join("\n"));
  // One after another: each thread prints only after the previous one ended,
  // so their names come in creation order.
  const serial = lines.slice(8, 13).map((line) =>
    Number(shown(line)?.[1].slice(7))
  );
  assertEquals(serial, serial.toSorted((a, b) => a - b));
  assertEquals(new Set(serial).size, 5);
});
