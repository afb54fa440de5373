// What an elastic pool's shrinking costs the next task: one task sent to a
// pool whose worker is idle (a fixed pool, `size: 1`) against one sent to a
// pool with `minSize: 0` whose worker already retired (it starts one: a cold
// start), for the thread and process kinds. Only the task is timed; between
// runs each pool idles 10 ms (past the doorbell's 5 ms park, so the warm
// worker is back in its event loop) and the elastic one until it holds no
// worker.
// `deno bench -A bench/pool_elastic_bench.ts`
import { delay } from "@std/async";
import { Pool } from "../lib/pool/pool.ts";

const TASKS = new URL("./_pool_bench_tasks.ts", import.meta.url).href;
const { add } = await import(TASKS);
const GROUP = "one task on an idle pool";

const contenders: [string, "thread" | "process", boolean][] = [
  ["thread, fixed pool (size 1), worker idle", "thread", false],
  ["thread, minSize 0, worker retired (cold start)", "thread", true],
  ["process, fixed pool (size 1), worker idle", "process", false],
  ["process, minSize 0, worker retired (cold start)", "process", true],
];

for (const [name, kind, elastic] of contenders) {
  const pool = elastic
    ? new Pool({ kind, module: TASKS, minSize: 0, maxSize: 1, idleTimeout: 1 })
    : new Pool({ kind, module: TASKS, size: 1 });
  await pool.apply(add, [1, 1]); // loads the module in this process
  Deno.bench({
    group: GROUP,
    name,
    baseline: kind === "thread" && !elastic,
    n: kind === "process" ? 30 : 60,
    warmup: 3,
    async fn(b) {
      await delay(10);
      while (elastic && pool.stats.size > 0) await delay(1);
      b.start();
      await pool.apply(add, [1, 2]);
      b.end();
    },
  });
}
