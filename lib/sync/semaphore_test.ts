import {
  assert,
  assertEquals,
  assertIsError,
  assertMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { SharedArray, Value } from "./value.ts";
import { Barrier } from "./barrier.ts";
import { Event } from "./event.ts";
import { BoundedSemaphore, Semaphore } from "./semaphore.ts";
import {
  acquireWithTimeout,
  countWithSemaphore,
  enterAndWait,
  errorOf,
  measureConcurrency,
  release,
  runAll,
} from "./testdata/targets.ts";

Deno.test("Semaphore(2) lets exactly two threads in and blocks the third until a release", async () => {
  const sem = new Semaphore(2);
  const entered = new Semaphore(0);
  const gate = new Event();
  const inside = new Value("i32", 0);
  const threads = runAll(enterAndWait, [
    [sem, entered, gate, inside],
    [sem, entered, gate, inside],
    [sem, entered, gate, inside],
  ]);
  await entered.acquire();
  await entered.acquire();
  assertEquals(inside.value, 2);
  assertEquals(sem.tryAcquire(), false, "no slot left");
  assertEquals(
    await entered.acquire({ timeout: 20 }),
    false,
    "the third thread stays out",
  );
  gate.set();
  const counts = (await threads) as number[];
  assert(
    counts.every((n) => n === 1 || n === 2),
    `holders seen on entry: ${counts}`,
  );
  assertEquals(inside.value, 0);
  assertEquals(
    sem.tryAcquire() && sem.tryAcquire() && !sem.tryAcquire(),
    true,
    "both slots are back",
  );
});

Deno.test("Semaphore(2) never has more than two holders under contention", async () => {
  const sem = new Semaphore(2);
  const inside = new Value("i32", 0);
  const start = new Barrier(4);
  const most = (await runAll(measureConcurrency, [
    [sem, start, inside, 300],
    [sem, start, inside, 300],
    [sem, start, inside, 300],
    [sem, start, inside, 300],
  ])) as number[];
  assert(Math.max(...most) <= 2, `saw ${Math.max(...most)} holders at once`);
});

Deno.test("Semaphore(1) works as a mutex across threads (exact non-atomic counter)", async () => {
  const sem = new Semaphore(1);
  const counter = new SharedArray("i32", 1);
  const start = new Barrier(3);
  await runAll(countWithSemaphore, [
    [sem, start, counter, 3000],
    [sem, start, counter, 3000],
    [sem, start, counter, 3000],
  ]);
  assertEquals(counter.get(0), 9000);
});

Deno.test("Semaphore.acquire() times out when no slot frees up, and a release from a thread wakes it", async (t) => {
  const sem = new Semaphore(0);
  await t.step("timeouts", async () => {
    assertEquals(await sem.acquire({ timeout: 5 }), false);
    assertEquals(sem.acquireSync({ timeout: 1 }), false);
    assertEquals(await runAll(acquireWithTimeout, [[sem, 5]]), [false]);
  });
  await t.step("wake-up", async () => {
    const waiting = sem.acquire();
    await runAll(release, [[sem]]);
    assertEquals(await waiting, true);
  });
});

Deno.test("Semaphore.release(n) wakes n waiters", async () => {
  const sem = new Semaphore(0);
  const waiters = [sem.acquire(), sem.acquire(), sem.acquire()];
  sem.release(3);
  assertEquals(await Promise.all(waiters), [true, true, true]);
  assertEquals(sem.tryAcquire(), false);
});

Deno.test("BoundedSemaphore rejects a release above its initial value", async () => {
  const sem = new BoundedSemaphore(2);
  await sem.acquire();
  sem.release();
  const error = assertThrows(() => sem.release(), RangeError);
  assertMatch(
    error.message,
    /Cannot release a BoundedSemaphore above its initial value 2/,
  );
  assertEquals(
    sem.tryAcquire() && sem.tryAcquire() && !sem.tryAcquire(),
    true,
    "value stayed 2",
  );
});

Deno.test("BoundedSemaphore keeps its bound in a thread", async () => {
  const sem = new BoundedSemaphore(1);
  const error = await errorOf(release, [sem]);
  assertEquals(error?.name, "RangeError");
});

Deno.test("Semaphore rejects bad arguments with clear errors", async (t) => {
  for (const value of [-1, 1.5, NaN]) {
    await t.step(`new Semaphore(${value})`, () => {
      assertIsError(
        assertThrows(() => new Semaphore(value)),
        Error,
        /Cannot create Semaphore as 'value' must be an integer from 0/,
      );
      assertIsError(
        assertThrows(() => new BoundedSemaphore(value)),
        Error,
        /Cannot create BoundedSemaphore/,
      );
    });
  }
  await t.step("release(-1)", () => {
    assertThrows(() => new Semaphore().release(-1), RangeError);
  });
  await t.step("acquire({ timeout: -2 })", async () => {
    await assertRejects(
      () => new Semaphore().acquire({ timeout: -2 }),
      RangeError,
    );
  });
});

Deno.test("Semaphore.acquire({ signal }) stops waiting when aborted and takes no slot", async () => {
  const sem = new Semaphore(0);
  const controller = new AbortController();
  const waiting = sem.acquire({ signal: controller.signal });
  const next = sem.acquire();
  controller.abort();
  const error = await assertRejects(() => waiting);
  assertIsError(error, Error);
  assertEquals(error.name, "AbortError");
  sem.release();
  assertEquals(await next, true);
  assertEquals(sem.tryAcquire(), false);
});
