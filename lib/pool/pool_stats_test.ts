// Pool.stats' run-time and wait-time percentiles and utilisation, on both
// local kinds. The lower bounds follow from what the tasks do (a task that
// awaits a 30 ms timer ran at least ~30 ms; with one worker, the third of
// three such tasks waited for the two before it), not from how fast this
// machine is.

import { assert, assertEquals } from "@std/assert";
import { Pool } from "./pool.ts";
import { nap } from "./testdata/pool_tasks.ts";

const TASKS = new URL("./testdata/pool_tasks.ts", import.meta.url).href;

for (const kind of ["thread", "process"] as const) {
  Deno.test(`Pool (${kind}) stats report run-time and wait-time percentiles and utilization`, async () => {
    await using pool = new Pool({ size: 1, kind, module: TASKS });
    const before = pool.stats;
    assertEquals(before.runTime?.count, 0);
    assertEquals(before.utilization, 0);
    await Promise.all([30, 30, 30].map((ms) => pool.apply(nap, [ms])));
    const { runTime, waitTime, utilization } = pool.stats;
    assertEquals(runTime!.count, 3);
    assertEquals(waitTime!.count, 3);
    // Timers may fire a little early; 25 of 30 ms leaves room for that.
    assert(runTime!.p50 >= 25, `runTime.p50 ${runTime!.p50}`);
    assert(runTime!.mean >= 25, `runTime.mean ${runTime!.mean}`);
    assert(waitTime!.max >= 50, `the last task waited ${waitTime!.max} ms`);
    for (const t of [runTime!, waitTime!]) {
      assert(t.p50 <= t.p90 && t.p90 <= t.p99 && t.p99 <= t.max, `${t}`);
    }
    assert(utilization! > 0 && utilization! <= 1, `utilization ${utilization}`);
  });
}
