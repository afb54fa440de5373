// The "process" kind runs the same core as the thread kind; these tests
// cover what differs: real child processes, their deaths, and handles
// crossing the control channel.

import {
  assert,
  assertEquals,
  assertIsError,
  assertMatch,
  assertNotEquals,
  assertRejects,
} from "@std/assert";
import {
  Pool,
  PoolClosedError,
  TimeoutError,
  WorkerCrashedError,
} from "./pool.ts";
import { Value } from "../sync/value.ts";
import { Event } from "../sync/event.ts";
import {
  add,
  bump,
  dieBy,
  exitWith,
  killSelf,
  pid,
  setUp,
  spin,
  waitFor,
  whoAmI,
  withdraw,
} from "./testdata/pool_tasks.ts";
import { alive } from "./_test_waits.ts";

const TASKS = new URL("./testdata/pool_tasks.ts", import.meta.url).href;

Deno.test("Process pool runs tasks in child processes and keeps errors' class names", async () => {
  await using pool = new Pool({ size: 2, kind: "process", module: TASKS });
  const pids = await Promise.all([pool.apply(pid), pool.apply(pid)]);
  for (const child of pids) assertNotEquals(child, Deno.pid);
  assertEquals(await pool.map(square2, [1, 2, 3], { module: null }), [
    1,
    4,
    9,
  ]);
  const error = await assertRejects(() => pool.apply(withdraw, [1, 2]), Error);
  assertEquals(error.name, "InsufficientFunds");
  assertEquals(error.message, "cannot withdraw 2 from 1");
  assertMatch(error.stack!, /withdraw/);
  assertEquals(await pool.apply(add, [20, 22]), 42);
});

function square2(x: number): number {
  return x * x;
}

Deno.test("Process pool: a child that dies mid-task fails only that task and is replaced", async (t) => {
  await using pool = new Pool({
    size: 1,
    kind: "process",
    module: TASKS,
    name: "Procs",
  });
  await t.step("Deno.exit", async () => {
    const before = await pool.apply(pid);
    const others = [pool.apply(exitWith, [7]), pool.apply(add, [1, 2])];
    const error = await assertRejects(() => others[0], WorkerCrashedError);
    assertEquals(error.worker, `Procs-worker-1 (process ${before})`);
    assertEquals(error.exitCode, 7);
    assertEquals(await others[1], 3);
    assertNotEquals(await pool.apply(pid), before);
    assertEquals(alive(before), false);
  });
  // (A SIGSEGV sent from outside is swallowed by V8's own signal handler.)
  for (const signal of ["SIGABRT"] as const) {
    await t.step(
      `${signal} (as V8 aborts when out of memory)`,
      async () => {
        const error = await assertRejects(
          () => pool.apply(dieBy, [signal]),
          WorkerCrashedError,
        );
        assertMatch(error.message, new RegExp(`was killed by ${signal}`));
        assertEquals(await pool.apply(add, [3, 3]), 6);
      },
    );
  }
  await t.step("SIGKILL", async () => {
    const victim = await pool.apply(pid);
    const error = await assertRejects(
      () => pool.apply(killSelf),
      WorkerCrashedError,
    );
    assertMatch(
      error.message,
      new RegExp(`process ${victim}\\) was killed by SIGKILL`),
    );
    assertEquals(await pool.apply(add, [2, 2]), 4);
  });
});

Deno.test("Process pool: a first task over the channel's size limit fails alone, and its target still runs", async () => {
  await using pool = new Pool({ size: 1, kind: "process", module: TASKS });
  // Plain data, so only the channel finds out, after the batch left the
  // core: the target's definition it carried must ride on the next batch.
  const huge = "x".repeat(65 * 2 ** 20);
  assertIsError(
    await assertRejects(() =>
      pool.apply(add, [huge, ""] as unknown as [number, number])
    ),
    Error,
    /maximum frame size/,
  );
  assertEquals(await pool.apply(add, [20, 22]), 42);
});

Deno.test("Process pool: a stuck task times out and its child is killed, not orphaned", async () => {
  const pool = new Pool({ size: 1, kind: "process", module: TASKS });
  const stuckPid = await pool.apply(pid);
  await assertRejects(
    () => pool.apply(spin, [], { timeout: 300 }),
    TimeoutError,
  );
  assertEquals(await pool.apply(add, [1, 1]), 2);
  pool.close();
  await pool.join();
  assertEquals(alive(stuckPid), false);
});

Deno.test("Process pool: terminate() kills stuck children and rejects pending tasks", async () => {
  const pool = new Pool({ size: 2, kind: "process", module: TASKS });
  const pids = await Promise.all([pool.apply(pid), pool.apply(pid)]);
  const stuck = Promise.allSettled([
    pool.apply(spin),
    pool.apply(spin),
    pool.apply(add, [1, 2]),
  ]);
  await pool.terminate();
  for (const result of await stuck) {
    assertEquals(result.status, "rejected");
    assert((result as PromiseRejectedResult).reason instanceof PoolClosedError);
  }
  for (const child of pids) assertEquals(alive(child), false);
});

Deno.test("Process pool: initializer runs once per child; maxTasksPerWorker starts new children", async () => {
  await using pool = new Pool({
    size: 1,
    kind: "process",
    module: TASKS,
    initializer: setUp,
    initargs: ["hi"],
    maxTasksPerWorker: 2,
  });
  const seen = [];
  for (let i = 0; i < 4; i++) seen.push(await pool.apply(whoAmI));
  for (const state of seen) {
    assertEquals([state.inits, state.greeting], [1, "hi"]);
  }
  assertEquals(seen[0].worker, seen[1].worker);
  assertNotEquals(seen[1].worker, seen[2].worker);
});

Deno.test("Process pool tasks reach a Value and an Event of this process through live proxies", async () => {
  await using pool = new Pool({ size: 2, kind: "process", module: TASKS });
  const counter = new Value("i32", 0);
  await Promise.all(
    Array.from({ length: 10 }, () => pool.apply(bump, [counter])),
  );
  assertEquals(counter.value, 10);
  const event = new Event();
  const woke = pool.apply(waitFor, [event]);
  event.set();
  assertEquals(await woke, "woke");
});

Deno.test("An idle pool that was never closed does not keep the program alive, nor leave children", async (t) => {
  const poolUrl = new URL("./pool.ts", import.meta.url).href;
  for (const kind of ["thread", "process"]) {
    await t.step(kind, async () => {
      const script = `
        import { Pool } from ${JSON.stringify(poolUrl)};
        const pool = new Pool({ size: 2, kind: ${JSON.stringify(kind)} });
        const pids = await Promise.all([1, 2, 3].map(() => pool.apply(() => Deno.pid)));
        console.log(JSON.stringify(pids));
      `;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["eval", script],
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(30_000),
      }).output();
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
      const pids: number[] = JSON.parse(new TextDecoder().decode(out.stdout));
      for (const child of pids) {
        // The exiting program SIGKILLs its daemon children; allow for the reaping.
        const deadline = Date.now() + 5000;
        while (alive(child) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 20));
        }
        assertEquals(alive(child), false, `${child} outlived the program`);
      }
    });
  }
});
