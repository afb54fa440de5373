import assert from "node:assert/strict";
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
        assert.equal(await runner.run(w, params.tasks), w.expected(), w.id);
      }
    });
  }
});

Deno.test("startRunner() rejects a pool without a positive integer size", async () => {
  await assert.rejects(
    startRunner("thread pool", 0),
    {
      name: "TypeError",
      message:
        "Cannot start 'thread pool' as its size must be a positive integer: received 0",
    },
  );
  await assert.rejects(startRunner("piscina", null), TypeError);
});
