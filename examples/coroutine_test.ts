import { assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

// The Python tutorial's output: each item is produced, consumed, and acknowledged
// before the next one is produced; the two coroutines take turns.
const expected = [1, 2, 3, 4, 5].flatMap((n) => [
  `[PRODUCER] Producing ${n}...`,
  `[CONSUMER] Consuming ${n}...`,
  "[PRODUCER] Consumer return: 200 OK",
]);

Deno.test("coroutine.ts: producer and generator consumer take turns in one thread", async (t) => {
  for (const args of [[], ["--async"]]) {
    await t.step(args.length ? "async generator" : "generator", async () => {
      const { code, lines, stderr } = await runExample("coroutine", ...args);
      assertEquals(code, 0, stderr);
      assertEquals(lines, [
        ...expected,
        "(producer and consumer both ran in MainThread)",
      ]);
    });
  }
});
