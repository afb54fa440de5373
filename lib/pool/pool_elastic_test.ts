// Elastic pools (minSize, maxSize, idleTimeout) on both local kinds. Tasks
// hold their workers on an Event passed as an argument, counting themselves
// in a shared Value, so the number of busy workers is known exactly; waits
// for the pool to shrink are conditions with a deadline, and "it did not
// retire" is checked once a companion pool with the same idle rules (but
// nothing to keep) has retired its workers.

import {
  assert,
  assertEquals,
  assertIsError,
  assertNotEquals,
  assertObjectMatch,
  assertThrows,
} from "@std/assert";
import { deadline } from "@std/async";
import { Pool, type PoolOptions, WorkerCrashedError } from "./pool.ts";
import { Event } from "../sync/event.ts";
import { Value } from "../sync/value.ts";
import { add, holdWorker, whichWorker } from "./testdata/pool_tasks.ts";
import { alive, HANG, until } from "./_test_waits.ts";

const TASKS = new URL("./testdata/pool_tasks.ts", import.meta.url).href;
const KINDS = ["thread", "process"] as const;

type Seen = { id: string; pid: number };

/** `n` tasks that hold a worker each until `go` is set. */
function hold(pool: Pool, n: number, running: Value, go: Event) {
  return Array.from(
    { length: n },
    () => pool.apply(holdWorker, [running, go]),
  ) as Promise<Seen>[];
}

for (const kind of KINDS) {
  Deno.test(`Pool (${kind}) grows to maxSize under load and never beyond`, async () => {
    await using pool = new Pool({ kind, module: TASKS, maxSize: 3 });
    assertObjectMatch(pool.stats, { size: 0, minSize: 0, maxSize: 3 });
    const running = new Value("i32", 0);
    const go = new Event();
    const held = hold(pool, 5, running, go);
    await until(() => running.value === 3, "3 tasks to hold a worker each");
    assertObjectMatch(pool.stats, { size: 3, busy: 3, queued: 2 });
    go.set();
    const seen = await deadline(Promise.all(held), HANG);
    assertEquals(new Set(seen.map((s) => s.id)).size, 3);
    assertEquals(running.value, 5);
    assert(pool.stats.size <= 3, `${pool.stats.size} workers`);
  });

  Deno.test(`Pool (${kind}) retires idle workers down to minSize after idleTimeout, and keeps those`, async () => {
    const options = { kind, module: TASKS, maxSize: 3, idleTimeout: 50 };
    await using pool = new Pool({ ...options, minSize: 1 });
    // Same idle rules, nothing to keep: once it is empty, ours would have
    // dropped below minSize had it not kept its worker.
    await using companion = new Pool({ ...options, maxSize: 1 });
    assertEquals(pool.stats.size, 1, "minSize workers start with the pool");
    const running = new Value("i32", 0);
    const go = new Event();
    const held = hold(pool, 3, running, go);
    await until(() => running.value === 3, "3 tasks to hold a worker each");
    assertEquals(pool.stats.size, 3);
    go.set();
    const seen = await deadline(Promise.all(held), HANG);
    await until(() => pool.stats.size === 1, "the pool to shrink to minSize");
    if (kind === "process") {
      const retired = seen.map((s) => s.pid);
      await until(
        () => retired.filter(alive).length === 1,
        "the retired children to exit",
      );
    }
    await companion.apply(add, [1, 1]);
    await until(() => companion.stats.size === 0, "the companion to retire");
    assertEquals(pool.stats.size, 1);
    const next = await pool.apply(whichWorker);
    assert(
      seen.some((s) => s.id === next.id),
      "the kept worker runs the next task",
    );
    assertEquals(pool.stats.size, 1);
  });

  Deno.test(`Pool (${kind}) with minSize 0 holds no worker once idle, and the next task starts one`, async () => {
    await using pool = new Pool({
      kind,
      module: TASKS,
      minSize: 0,
      maxSize: 2,
      idleTimeout: 50,
    });
    assertEquals(pool.stats.size, 0);
    const first = await pool.apply(whichWorker);
    await until(() => pool.stats.size === 0, "the pool to hold no worker");
    if (kind === "process") {
      await until(() => !alive(first.pid), "the retired child to exit");
    }
    const second = await pool.apply(whichWorker);
    assertNotEquals(second.id, first.id);
    assertEquals(await pool.apply(add, [2, 3]), 5);
  });

  Deno.test(`Pool (${kind}) keeps minSize workers ready past the thread kind's 250 ms rule`, async () => {
    await using pool = new Pool({ kind, module: TASKS, minSize: 2 });
    await using companion = new Pool({ kind, module: TASKS, size: 1 });
    assertObjectMatch(pool.stats, { size: 2, minSize: 2 });
    const running = new Value("i32", 0);
    const go = new Event();
    const held = hold(pool, 2, running, go);
    await until(() => running.value === 2, "2 tasks to hold a worker each");
    assertEquals(pool.stats.size, 2, "the tasks ran on the workers kept ready");
    go.set();
    const seen = await deadline(Promise.all(held), HANG);
    await companion.apply(add, [1, 1]);
    if (kind === "thread") {
      await until(() => companion.stats.size === 0, "the companion to retire");
    }
    assertEquals(pool.stats.size, 2);
    const next = await pool.apply(whichWorker);
    assert(seen.some((s) => s.id === next.id), "a kept worker ran it");
  });

  Deno.test(`Pool (${kind}) with size alone is today's fixed pool`, async () => {
    await using pool = new Pool({ kind, module: TASKS, size: 2 });
    assertObjectMatch(pool.stats, { size: 0, minSize: 0, maxSize: 2 });
    const running = new Value("i32", 0);
    const go = new Event();
    const held = hold(pool, 3, running, go);
    await until(() => running.value === 2, "2 tasks to hold a worker each");
    assertObjectMatch(pool.stats, { size: 2, busy: 2, queued: 1 });
    go.set();
    await deadline(Promise.all(held), HANG);
    if (kind === "thread") {
      // A Web Worker cannot be unref'd: idle ones retire after 250 ms.
      await until(() => pool.stats.size === 0, "the idle threads to retire");
    } else {
      // Idle children stay (unref'd); a process pool set to retire them
      // after 50 ms shows that this one had the time to and did not.
      await using companion = new Pool({
        kind,
        module: TASKS,
        size: 1,
        idleTimeout: 50,
      });
      await companion.apply(add, [1, 1]);
      await until(() => companion.stats.size === 0, "the companion to retire");
      assertEquals(pool.stats.size, 2);
    }
  });

  Deno.test(`Pool (${kind}) replaces a kept worker that died`, async () => {
    await using pool = new Pool({ kind, module: TASKS, minSize: 1 });
    const before = await pool.apply(whichWorker);
    await pool.apply(() => Deno.exit(3), [], { module: null }).catch(() => {});
    await pool.apply(add, [1, 1]); // a success: replacements may start again
    await until(() => pool.stats.size === 1, "a kept worker again");
    assertNotEquals((await pool.apply(whichWorker)).id, before.id);
  });
}

for (const kind of KINDS) {
  Deno.test(`Pool (${kind}) does not restart kept workers over and over when their initializer throws`, async () => {
    await using pool = new Pool({
      kind,
      minSize: 2,
      name: "Broken",
      initializer: () => {
        throw new Error("no database");
      },
    });
    for (let i = 0; i < 2; i++) {
      const error = await pool.apply(() => 1).catch((e) => e);
      assertIsError(error, WorkerCrashedError, "initializer threw");
      // Two kept workers, then one per task: no endless refill.
      const n = Number(/Broken-worker-(\d+)/.exec(error.worker)?.[1]);
      assert(n <= 2 + i + 1, `worker number ${n}`);
    }
    await until(() => pool.stats.size === 0, "the broken workers to be gone");
  });
}

Deno.test("new Pool() checks minSize, maxSize and idleTimeout up front", async (t) => {
  const cases: [PoolOptions, ErrorConstructor, RegExp][] = [
    [
      { minSize: -1 },
      RangeError,
      /Cannot create pool as 'minSize' must be a non-negative integer .*: received -1$/,
    ],
    [{ minSize: 1.5 }, RangeError, /'minSize' must be .*: received 1.5/],
    [
      { minSize: "2" as unknown as number },
      TypeError,
      /'minSize' must be .*: received "2"/,
    ],
    [
      { maxSize: 0 },
      RangeError,
      /'maxSize' must be a positive integer: received 0/,
    ],
    [{ maxSize: NaN }, RangeError, /'maxSize' must be .*: received NaN/],
    [
      { minSize: 3, maxSize: 2 },
      RangeError,
      /'minSize' must be at most 'maxSize' \(2\): received 3\. Raise maxSize, or lower minSize/,
    ],
    [
      { minSize: 3, size: 2 },
      RangeError,
      /'minSize' must be at most 'size' \(2\): received 3/,
    ],
    [
      { size: 2, maxSize: 4 },
      RangeError,
      /'size' and 'maxSize' must agree .*: received size 2, maxSize 4\. Pass maxSize alone/,
    ],
    [
      { idleTimeout: 0 },
      RangeError,
      /'idleTimeout' must be a number of milliseconds > 0, or -1 .*: received 0/,
    ],
    [{ idleTimeout: -5 }, RangeError, /'idleTimeout' must be .*: received -5/],
    [
      { idleTimeout: "50" as unknown as number },
      TypeError,
      /'idleTimeout' must be .*: received "50"/,
    ],
  ];
  for (const [options, Err, message] of cases) {
    await t.step(JSON.stringify(options), () => {
      assertIsError(assertThrows(() => new Pool(options)), Err, message);
    });
  }
  await t.step("consistent ones are taken", async () => {
    for (
      const options of [
        { size: 2, maxSize: 2, minSize: 2 },
        { minSize: 0, idleTimeout: -1 },
        { minSize: navigator.hardwareConcurrency + 1 }, // maxSize follows
      ]
    ) {
      const pool = new Pool({ ...options, kind: "process" });
      assert(pool.stats.maxSize! >= pool.stats.minSize!);
      await pool.terminate();
    }
  });
});

Deno.test("A thread pool's kept workers end with the pool, and a process pool's never hold the program", async (t) => {
  const poolUrl = new URL("./pool.ts", import.meta.url).href;
  const scripts = {
    "thread, minSize 2, await using": `
      await using pool = new Pool({ kind: "thread", minSize: 2 });
      console.log(JSON.stringify([await pool.apply(() => Deno.pid)]));`,
    "process, minSize 2, never closed": `
      const pool = new Pool({ kind: "process", minSize: 2 });
      const pids = await Promise.all([1, 2].map(() => pool.apply(() => Deno.pid)));
      console.log(JSON.stringify(pids));`,
  };
  for (const [name, body] of Object.entries(scripts)) {
    await t.step(name, async () => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "eval",
          `import { Pool } from ${JSON.stringify(poolUrl)};\n${body}`,
        ],
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(HANG),
      }).output();
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
      const pids: number[] = JSON.parse(new TextDecoder().decode(out.stdout));
      for (const pid of pids) {
        // The exiting program SIGKILLs its daemon children; allow for the reaping.
        await until(() => !alive(pid), `${pid} to end with the program`);
      }
    });
  }
});
