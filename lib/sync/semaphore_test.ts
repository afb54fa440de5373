import assert from "node:assert/strict";
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
  assert.equal(inside.value, 2);
  assert.equal(sem.tryAcquire(), false, "no slot left");
  assert.equal(
    await entered.acquire({ timeout: 20 }),
    false,
    "the third thread stays out",
  );
  gate.set();
  const counts = (await threads) as number[];
  assert.ok(
    counts.every((n) => n === 1 || n === 2),
    `holders seen on entry: ${counts}`,
  );
  assert.equal(inside.value, 0);
  assert.equal(
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
  assert.ok(Math.max(...most) <= 2, `saw ${Math.max(...most)} holders at once`);
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
  assert.equal(counter.get(0), 9000);
});

Deno.test("Semaphore.acquire() times out when no slot frees up, and a release from a thread wakes it", async (t) => {
  const sem = new Semaphore(0);
  await t.step("timeouts", async () => {
    assert.equal(await sem.acquire({ timeout: 5 }), false);
    assert.equal(sem.acquireSync(1), false);
    assert.deepEqual(await runAll(acquireWithTimeout, [[sem, 5]]), [false]);
  });
  await t.step("wake-up", async () => {
    const waiting = sem.acquire();
    await runAll(release, [[sem]]);
    assert.equal(await waiting, true);
  });
});

Deno.test("Semaphore.release(n) wakes n waiters", async () => {
  const sem = new Semaphore(0);
  const waiters = [sem.acquire(), sem.acquire(), sem.acquire()];
  sem.release(3);
  assert.deepEqual(await Promise.all(waiters), [true, true, true]);
  assert.equal(sem.tryAcquire(), false);
});

Deno.test("BoundedSemaphore rejects a release above its initial value", async () => {
  const sem = new BoundedSemaphore(2);
  await sem.acquire();
  sem.release();
  assert.throws(() => sem.release(), (error: Error) => {
    assert.ok(error instanceof RangeError);
    assert.match(
      error.message,
      /Cannot release a BoundedSemaphore above its initial value 2/,
    );
    return true;
  });
  assert.equal(
    sem.tryAcquire() && sem.tryAcquire() && !sem.tryAcquire(),
    true,
    "value stayed 2",
  );
});

Deno.test("BoundedSemaphore keeps its bound in a thread", async () => {
  const sem = new BoundedSemaphore(1);
  const error = await errorOf(release, [sem]);
  assert.equal(error?.name, "RangeError");
});

Deno.test("Semaphore rejects bad arguments with clear errors", async (t) => {
  for (const value of [-1, 1.5, NaN]) {
    await t.step(`new Semaphore(${value})`, () => {
      assert.throws(
        () => new Semaphore(value),
        /Cannot create Semaphore as 'value' must be an integer from 0/,
      );
      assert.throws(
        () => new BoundedSemaphore(value),
        /Cannot create BoundedSemaphore/,
      );
    });
  }
  await t.step("release(-1)", () => {
    assert.throws(() => new Semaphore().release(-1), RangeError);
  });
  await t.step("acquire({ timeout: -1 })", async () => {
    await assert.rejects(new Semaphore().acquire({ timeout: -1 }), RangeError);
  });
});

Deno.test("Semaphore.acquire({ signal }) stops waiting when aborted and takes no slot", async () => {
  const sem = new Semaphore(0);
  const controller = new AbortController();
  const waiting = sem.acquire({ signal: controller.signal });
  const next = sem.acquire();
  controller.abort();
  await assert.rejects(waiting, { name: "AbortError" });
  sem.release();
  assert.equal(await next, true);
  assert.equal(sem.tryAcquire(), false);
});
