// The pool's failure rules: a failure stays with its task (an error, a
// crash, a timeout, a cancellation, a result or argument that cannot
// cross), nothing finished is lost, and the pool goes on.
import {
  assertEquals,
  assertInstanceOf,
  assertIsError,
  assertMatch,
  assertNotEquals,
  assertObjectMatch,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { AbortError, Pool, TimeoutError, WorkerCrashedError } from "./pool.ts";
import { liveChildren } from "../process/_child.ts";
import {
  add,
  doubleOrDie,
  exitWith,
  spin,
  square,
  valueOrFunction,
  workerId,
} from "./testdata/pool_tasks.ts";

const TASKS = new URL("./testdata/pool_tasks.ts", import.meta.url).href;

// A function cannot cross to a worker, thread or process.
const unsendable = [() => 1, 1] as unknown as [number, number];

Deno.test("Pool.apply() rejects only the task whose worker crashed, and replaces the worker", async (t) => {
  await using pool = new Pool({ size: 1, name: "Crashy" });
  const module = TASKS;
  await t.step("Deno.exit inside the task", async () => {
    const before = await pool.apply(workerId, [], { module });
    const error = await assertRejects(
      () => pool.apply(exitWith, [3], { module }),
      WorkerCrashedError,
    );
    assertMatch(error.worker, /^Crashy-worker-\d+ \(thread\)$/);
    assertEquals(error.exitCode, 3);
    assertMatch(
      error.message,
      /Crashy-worker-\d+ \(thread\) exited with code 3/,
    );
    const after = await pool.apply(workerId, [], { module });
    assertNotEquals(after, before, "the crashed worker was replaced");
  });
  await t.step("an error thrown from a timer inside the task", async () => {
    const error = await assertRejects(() =>
      pool.apply(function escape() {
        setTimeout(() => {
          throw new RangeError("escaped");
        }, 0);
        return new Promise(() => {});
      }), WorkerCrashedError);
    assertMatch(error.message, /RangeError: escaped/);
    assertEquals((error.cause as Error).name, "RangeError");
    assertEquals(await pool.apply(add, [1, 1], { module }), 2);
  });
  await t.step("tasks queued behind the crash still run", async () => {
    const crash = pool.apply(exitWith, [1], { module });
    const next = [1, 2, 3].map((i) => pool.apply(add, [i, i], { module }));
    await assertRejects(() => crash, WorkerCrashedError);
    assertEquals(await Promise.all(next), [2, 4, 6]);
  });
});

Deno.test("Pool timeouts reject with TimeoutError: a queued task is dropped, a running one's worker is replaced", async () => {
  // Deterministic on a loaded machine: no race between two timers. The only
  // worker is held by a task that ends when the test says so, so the queued
  // task cannot start before its timeout, however late timers fire; the
  // running one is sent to its worker by apply() itself, so it is running
  // (not queued) when its timeout fires.
  await using pool = new Pool({ size: 1, module: TASKS });
  const holder = new AbortController();
  const held = pool.apply(spin, [], { signal: holder.signal });
  const queued = pool.apply(add, [1, 2], { timeout: 20 });
  const error = await assertRejects(() => queued, TimeoutError);
  assertMatch(error.message, /still waiting in the queue, so it never ran/);
  holder.abort();
  await assertRejects(() => held, AbortError);
  const stuck = pool.apply(spin, [], { timeout: 50 });
  assertEquals(pool.stats.busy, 1, "sent to its worker by apply()");
  const error2 = await assertRejects(() => stuck, TimeoutError);
  assertMatch(error2.message, /worker .* was terminated and replaced/);
  assertEquals(await pool.apply(add, [1, 2]), 3);
  assertEquals(pool.stats.failed, 3);
});

Deno.test("Pool taskTimeout stops a task that runs too long", async () => {
  await using pool = new Pool({ size: 1, module: TASKS, taskTimeout: 100 });
  const error = await assertRejects(() => pool.apply(spin), TimeoutError);
  assertMatch(error.message, /taskTimeout of 100 ms/);
  assertEquals(await pool.apply(add, [2, 2]), 4);
});

Deno.test("Pool.apply() with an aborted signal rejects with AbortError", async (t) => {
  await using pool = new Pool({ size: 1, module: TASKS });
  await t.step("already aborted", async () => {
    const reason = new Error("user gave up");
    const error = await assertRejects(
      () => pool.apply(add, [1, 2], { signal: AbortSignal.abort(reason) }),
      AbortError,
    );
    assertStrictEquals(error.cause, reason);
  });
  await t.step("aborted while queued: dropped, never runs", async () => {
    const controller = new AbortController();
    const blocker = new AbortController();
    const running = pool.apply(spin, [], { signal: blocker.signal });
    const queued = pool.apply(exitWith, [9], { signal: controller.signal });
    controller.abort();
    const error = await assertRejects(() => queued, AbortError);
    assertMatch(error.message, /while it waited in the queue/);
    blocker.abort();
    const error2 = await assertRejects(() => running, AbortError);
    assertMatch(
      error2.message,
      /while it ran; its worker was terminated and replaced/,
    );
  });
  assertEquals(await pool.apply(add, [3, 4]), 7);
});

Deno.test("Pool tasks fail with WorkerCrashedError when the initializer throws", async () => {
  await using pool = new Pool({
    size: 1,
    initializer: () => {
      throw new Error("no database");
    },
  });
  const error = await assertRejects(
    () => pool.apply(() => 1),
    WorkerCrashedError,
  );
  assertMatch(
    error.message,
    /could not start, as its initializer threw Error: no database/,
  );
});

Deno.test("Pool rejects a result that cannot be sent back with a clear error", async () => {
  await using pool = new Pool({ size: 1 });
  const error = await assertRejects(() => pool.apply(() => () => 1), Error);
  assertEquals(error.name, "TypeError");
  assertMatch(error.message, /Cannot send the result back to the caller/);
  assertEquals(await pool.apply(() => 1), 1);
});

Deno.test("Pool: a first task whose arguments cannot be sent fails alone, and its target still runs", async (t) => {
  for (const kind of ["thread", "process"] as const) {
    await t.step(kind, async () => {
      await using pool = new Pool({ size: 1, kind, module: TASKS });
      // The refused task is the first of its target: its batch carried the
      // target's definition, which the worker must still receive.
      assertIsError(
        await assertRejects(() => pool.apply(add, unsendable)),
        Error,
        /Cannot send the task/,
      );
      assertEquals(await pool.apply(add, [20, 22]), 42);
      // Amid a stream of batched tasks of a new target, only the culprit fails.
      const results = await Promise.allSettled(
        Array.from(
          { length: 200 },
          (_, i) =>
            pool.apply(
              square,
              (i === 50 ? [() => i] : [i]) as unknown as [number],
            ),
        ),
      );
      results.forEach((result, i) => {
        if (i === 50) {
          assertEquals(result.status, "rejected");
          assertMatch(
            (result as PromiseRejectedResult).reason.message,
            /Cannot send the task/,
          );
        } else {
          assertEquals(result, { status: "fulfilled", value: i * i });
        }
      });
    });
  }
});

Deno.test("Pool: disposal right after a refused task, its only one, resolves and leaves no worker", async (t) => {
  for (const kind of ["thread", "process"] as const) {
    await t.step(kind, async () => {
      const name = `Refused-${kind}`;
      {
        await using pool = new Pool({ size: 1, kind, name, module: TASKS });
        assertIsError(
          await assertRejects(() => pool.apply(add, unsendable)),
          Error,
          /Cannot send the task/,
        );
      }
      // (A process worker refused its task before its channel was up.)
      assertEquals(
        liveChildren().filter((child) => child.name.startsWith(name)),
        [],
      );
    });
  }
});

Deno.test("Pool: workers dying amid 3,000 batched tiny tasks fail only the task each ran; finished tasks keep their results, unstarted ones run elsewhere", async (t) => {
  // 1% end their worker by Deno.exit, 1% by SIGKILL of their own process
  // (a thread worker, whose process is this test, dies by an error escaping
  // into a timer instead).
  for (const [kind, second] of [["thread", "escape"], ["process", "kill"]]) {
    await t.step(kind, async () => {
      const how = (i: number) =>
        i % 100 === 37 ? "exit" : i % 100 === 71 ? second : "live";
      const dead = new Set<string>();
      {
        await using pool = new Pool({
          size: 2,
          kind: kind as "thread" | "process",
          module: TASKS,
        });
        // Warm up, so that tasks are known to be tiny and go out in batches.
        await Promise.all(
          Array.from({ length: 500 }, (_, i) => pool.apply(add, [i, 1])),
        );
        const results = await Promise.allSettled(
          Array.from(
            { length: 3000 },
            (_, i) => pool.apply(doubleOrDie, [i, how(i)]),
          ),
        );
        results.forEach((result, i) => {
          if (how(i) === "live") {
            assertEquals(result, { status: "fulfilled", value: i * 2 }, `${i}`);
            return;
          }
          assertEquals(result.status, "rejected", `${i}`);
          const error = (result as PromiseRejectedResult).reason;
          assertInstanceOf(error, WorkerCrashedError);
          assertMatch(error.message, /while running this task/);
          dead.add(error.worker);
        });
        assertEquals(dead.size, 60);
        assertObjectMatch(pool.stats, {
          size: 2,
          busy: 0,
          queued: 0,
          completed: 500 + 2940,
          failed: 60,
        });
      }
      if (kind === "process") {
        assertEquals(liveChildren().length, 0);
        for (const worker of dead) {
          const pid = Number(/process (\d+)/.exec(worker)![1]);
          assertThrows(() => Deno.kill(pid, "SIGCONT"), `${worker} remains`);
        }
      }
    });
  }
});

Deno.test("Pool: one result that cannot be sent back among 100 batched tasks fails that task only, with the same error on both kinds", async (t) => {
  const errors: Error[] = [];
  for (const kind of ["thread", "process"] as const) {
    await t.step(kind, async () => {
      await using pool = new Pool({ size: 2, kind, module: TASKS });
      await Promise.all(
        Array.from({ length: 200 }, (_, i) => pool.apply(add, [i, 1])),
      );
      const results = await Promise.allSettled(
        Array.from(
          { length: 100 },
          (_, i) => pool.apply(valueOrFunction, [i, i === 50]),
        ),
      );
      results.forEach((result, i) => {
        if (i !== 50) {
          assertEquals(result, { status: "fulfilled", value: i }, `${i}`);
          return;
        }
        assertEquals(result.status, "rejected");
        const error = (result as PromiseRejectedResult).reason;
        assertIsError(
          error,
          TypeError,
          "Cannot send the result back to the caller as it cannot be copied: ",
        );
        errors.push(error);
      });
      assertEquals(pool.stats.failed, 1);
    });
  }
  assertEquals(errors.map((e) => e.constructor), [TypeError, TypeError]);
});
