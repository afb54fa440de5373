// maxMemoryMb: a process worker's V8 heap limit. A task that grows the heap
// past it kills its child; that task alone fails, with
// WorkerOutOfMemoryError naming the worker, and the child is replaced. (The
// dying child's V8 prints "Fatal JavaScript out of memory" to stderr.)

import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertIsError,
  assertMatch,
  assertNotEquals,
  assertThrows,
} from "@std/assert";
import { deadline } from "@std/async";
import {
  Pool,
  type PoolOptions,
  WorkerCrashedError,
  WorkerOutOfMemoryError,
} from "./pool.ts";
import { Event } from "../sync/event.ts";
import { Value } from "../sync/value.ts";
import { add, hog, holdWorker, pid } from "./testdata/pool_tasks.ts";
import { alive, HANG, until } from "./_test_waits.ts";

const TASKS = new URL("./testdata/pool_tasks.ts", import.meta.url).href;

function rejection(promise: Promise<unknown>): Promise<unknown> {
  return deadline(promise.then(() => undefined, (error) => error), HANG);
}

Deno.test("Process pool: a task past maxMemoryMb fails with WorkerOutOfMemoryError, and the next task runs on a new worker", async () => {
  await using pool = new Pool({
    kind: "process",
    size: 1,
    module: TASKS,
    maxMemoryMb: 64,
    name: "Mem",
  });
  const victim = await pool.apply(pid);
  const error = await rejection(pool.apply(hog));
  assertInstanceOf(error, WorkerOutOfMemoryError);
  assertInstanceOf(error, WorkerCrashedError);
  assertEquals(error.maxMemoryMb, 64);
  assertEquals(error.worker, `Mem-worker-1 (process ${victim})`);
  assertMatch(
    error.message,
    new RegExp(
      `^Worker Mem-worker-1 \\(process ${victim}\\) ran out of memory: its JavaScript heap reached the pool's maxMemoryMb of 64 MB, .* Raise maxMemoryMb, or `,
    ),
  );
  assertEquals(await pool.apply(add, [1, 2]), 3);
  assertNotEquals(await pool.apply(pid), victim);
  await until(() => !alive(victim), "the dead child to be reaped");
  assertEquals(pool.stats.failed, 1);
});

Deno.test("Process pool: a task past maxMemoryMb fails alone; tasks around it, queued or running, succeed", async () => {
  await using pool = new Pool({
    kind: "process",
    size: 2,
    module: TASKS,
    maxMemoryMb: 64,
  });
  // One worker is held by a healthy task for the whole test.
  const running = new Value("i32", 0);
  const go = new Event();
  const held = pool.apply(holdWorker, [running, go]);
  await until(() => running.value === 1, "the healthy task to start");
  // The other gets a batch: results before the hog are in its journal,
  // tasks after it were never started and run on the replacement.
  const before = [1, 2, 3].map((n) => pool.apply(add, [n, 0]));
  const hogged = rejection(pool.apply(hog));
  const after = [4, 5, 6].map((n) => pool.apply(add, [n, 0]));
  assertInstanceOf(await hogged, WorkerOutOfMemoryError);
  assertEquals(await Promise.all([...before, ...after]), [1, 2, 3, 4, 5, 6]);
  go.set();
  const healthy = await deadline(held, HANG);
  assert(alive(healthy.pid), "the healthy task's worker was not touched");
  assertEquals(pool.stats.failed, 1);
});

Deno.test("new Pool() checks maxMemoryMb up front, and a thread pool refuses it", async (t) => {
  const cases: [PoolOptions, ErrorConstructor, RegExp][] = [
    [
      { kind: "process", maxMemoryMb: 8 },
      RangeError,
      /Cannot create pool as 'maxMemoryMb' must be an integer of at least 16 .*: received 8$/,
    ],
    [{ kind: "process", maxMemoryMb: 64.5 }, RangeError, /received 64\.5/],
    [
      { kind: "process", maxMemoryMb: "64" as unknown as number },
      TypeError,
      /'maxMemoryMb' must be .*: received "64"/,
    ],
    [
      { maxMemoryMb: 64 },
      TypeError,
      /'maxMemoryMb' applies to kind "process" only: .* Use kind: "process"/,
    ],
  ];
  for (const [options, Err, message] of cases) {
    await t.step(JSON.stringify(options), () => {
      assertIsError(assertThrows(() => new Pool(options)), Err, message);
    });
  }
});
