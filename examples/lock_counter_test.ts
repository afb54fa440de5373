import { assert, assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("lock_counter.ts: 5 threads × 10000 locked increments give exactly 50000", async () => {
  const { code, lines, stderr } = await runExample("lock_counter");
  assertEquals(code, 0, stderr);
  assertEquals(lines[0], "thread MainThread is running...");
  assertEquals(lines.slice(-2), [
    "global num: 50000",
    "thread MainThread ended.",
  ]);
  const middle = lines.slice(1, -2);
  assertEquals(middle.length, 10, middle.join("\n"));
  const names = [
    ...new Set(middle.map((line) => /^thread (Thread-\d+) /.exec(line)?.[1])),
  ];
  assertEquals(names.length, 5);
  for (const name of names) {
    const running = middle.indexOf(`thread ${name} is running...`);
    const ended = middle.indexOf(`thread ${name} ended.`);
    assert(running >= 0 && ended > running, `${name}: ${middle.join("\n")}`);
  }
});
