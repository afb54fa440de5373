import { assertEquals, assertIsError, assertRejects } from "@std/assert";
import { startIoFixture } from "./_fixture.ts";
import { runnerName, startRunner, STRATEGIES } from "./_strategies.ts";
import { workloads, type WorkParams } from "./workloads.ts";

Deno.test("every strategy gets every workload's expected total", async (t) => {
  const params: WorkParams = {
    tasks: 5,
    span: 20_000,
    delayMs: 2,
    fileBytes: 20_000,
  };
  await using env = await startIoFixture(params);
  const list = workloads(params, env);
  for (const strategy of STRATEGIES) {
    const size = strategy === "serial" || strategy === "async" ? null : 2;
    await t.step(runnerName(strategy, size), async () => {
      await using runner = await startRunner(strategy, size);
      for (const w of list) {
        assertEquals(await runner.run(w, params.tasks), w.expected(), w.id);
      }
    });
  }
});

Deno.test("startRunner() rejects a pool without a positive integer size", async () => {
  const error = await assertRejects(() => startRunner("thread pool", 0));
  assertIsError(error, Error);
  assertEquals(error.name, "TypeError");
  assertEquals(
    error.message,
    "Cannot start 'thread pool' as its size must be a positive integer: received 0",
  );
  await assertRejects(() => startRunner("piscina", null), TypeError);
});
