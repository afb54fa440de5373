// `deno bench`: every workload (one group each, serial as the baseline) run
// serially, all at once on one event loop, and on thread pools, process pools
// and piscina at pool sizes 1, cores/2, cores, 2×cores and 4×cores.
//
// Pools are started on first use and kept until the process exits, so their
// start-up is never timed (Deno's warm-up iteration absorbs the first use,
// and `b.start()`/`b.end()` fence the measured part). `deno bench` exits once
// the last bench is done even while workers live; the `unload` listener then
// stops them so no child process outlives the run.

import { startIoFixture } from "./_fixture.ts";
import {
  poolSizes,
  type Runner,
  runnerName,
  startRunner,
  type Strategy,
} from "./_strategies.ts";
import { workloads, type WorkParams } from "./workloads.ts";

const params: WorkParams = {
  tasks: 16,
  span: 800_000,
  delayMs: 10,
  fileBytes: 1024 * 1024,
};
const sizes = poolSizes(navigator.hardwareConcurrency);
const strategies: [Strategy, number | null][] = [
  ["serial", null],
  ["async", null],
  ...(["thread pool", "process pool", "piscina"] as const).flatMap((s) =>
    sizes.map((size): [Strategy, number] => [s, size])
  ),
];

const env = await startIoFixture(params);
const runners = new Map<string, Promise<Runner>>();

globalThis.addEventListener("unload", () => {
  for (const runner of runners.values()) runner.then((r) => r.kill(), () => {});
  env.closeSync();
});

function runner(strategy: Strategy, size: number | null): Promise<Runner> {
  const name = runnerName(strategy, size);
  let started = runners.get(name);
  if (!started) {
    started = startRunner(strategy, size);
    runners.set(name, started);
  }
  return started;
}

for (const w of workloads(params, env)) {
  const expected = w.expected();
  for (const [strategy, size] of strategies) {
    Deno.bench({
      group: w.id,
      name: `${w.id}: ${runnerName(strategy, size)}`,
      baseline: strategy === "serial",
      n: 5,
      warmup: 1,
      async fn(b) {
        const r = await runner(strategy, size);
        b.start();
        const total = await r.run(w, params.tasks);
        b.end();
        if (total !== expected) {
          throw new Error(
            `${r.name} computed ${total} for ${w.id}, expected ${expected}`,
          );
        }
      },
    });
  }
}
