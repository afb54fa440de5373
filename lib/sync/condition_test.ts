import {
  assertEquals,
  assertIsError,
  assertMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { RuntimeError } from "../errors/base.ts";
import { SharedArray, Value } from "./value.ts";
import { Condition } from "./condition.ts";
import { Lock } from "./lock.ts";
import { RLock } from "./rlock.ts";
import {
  boundedPut,
  boundedTake,
  conditionWaitUnheld,
  consume,
  errorOf,
  produce,
  runAll,
} from "./testdata/targets.ts";

Deno.test("Condition hands every item from a producer thread to consumer threads and the main thread", async () => {
  const cond = new Condition();
  const ring = new SharedArray("i32", 4);
  const state = new SharedArray("i32", 2); // head, size
  const count = 300;
  const producer = runAll(produce, [[cond, ring, state, count]]);
  const consumers = runAll(consume, [[cond, ring, state, 100], [
    cond,
    ring,
    state,
    100,
  ]]);
  // The main thread consumes its share with the async methods.
  let mine = 0;
  for (let i = 0; i < 100; i++) {
    using _ = await cond.hold();
    await cond.waitFor(() => state.get(1) > 0);
    mine += ring.get(state.get(0));
    state.set(0, (state.get(0) + 1) % ring.length);
    state.add(1, -1);
    cond.notifyAll();
  }
  await producer;
  const sums = (await consumers) as number[];
  assertEquals(mine + sums[0] + sums[1], (count * (count + 1)) / 2);
  assertEquals(state.get(1), 0);
});

// Polls `ready` under the lock, giving the lock and the event loop up
// between tries: the state another thread changes is the only signal there
// is. Fails after 10 s instead of hanging.
async function until(cond: Condition, ready: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  for (;;) {
    {
      using _ = await cond.hold();
      if (ready()) return;
    }
    if (Date.now() > end) throw new Error("The state was not reached in 10 s");
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

// Starts waiters on the main thread and returns once all of them are waiting.
async function parkWaiters(cond: Condition, n: number, woken: Value<"i32">) {
  const entered = new Value("i32", 0);
  const waiters = Array.from({ length: n }, async () => {
    using _ = await cond.hold();
    entered.add(1);
    const notified = await cond.wait();
    woken.add(1);
    return notified;
  });
  // wait() gives the lock up only once registered, so holding the lock
  // with entered === n means all n are waiting.
  await until(cond, () => entered.value === n);
  return waiters;
}

Deno.test("Condition.notify(n) wakes n waiters and notifyAll() the rest", async () => {
  // Several async tasks of one thread: they exclude each other only over a Lock.
  const cond = new Condition(new Lock());
  const woken = new Value("i32", 0);
  const waiters = await parkWaiters(cond, 4, woken);
  {
    using _ = await cond.hold();
    cond.notify();
  }
  await Promise.race(waiters);
  {
    using _ = await cond.hold();
    assertEquals(woken.value, 1, "notify() woke one waiter");
    cond.notify(2);
  }
  await until(cond, () => woken.value >= 3);
  {
    using _ = await cond.hold();
    assertEquals(woken.value, 3, "notify(2) woke two more");
    cond.notifyAll();
  }
  assertEquals(await Promise.all(waiters), [true, true, true, true]);
});

Deno.test("Condition.wait() times out, and waitFor() returns the predicate's last value", async () => {
  const cond = new Condition();
  using _ = await cond.hold();
  assertEquals(await cond.wait(5), false);
  assertEquals(
    cond.lock.locked(),
    true,
    "the lock is held again after a timeout",
  );
  assertEquals(await cond.waitFor(() => 0, 5), 0);
  assertEquals(cond.waitForSync(() => "", 1), "");
  assertEquals(await cond.waitFor(() => "ready"), "ready");
  cond.notify(); // a notify with nobody waiting is not kept for later
  assertEquals(await cond.wait(1), false);
});

Deno.test("Condition over an RLock restores the recursion depth after wait()", () => {
  const rlock = new RLock();
  const cond = new Condition(rlock);
  rlock.acquireSync();
  rlock.acquireSync();
  assertEquals(cond.waitSync(1), false);
  rlock.release();
  assertEquals(rlock.locked(), true);
  rlock.release();
  assertEquals(rlock.locked(), false);
});

Deno.test("Condition refuses wait and notify without its lock, and a lock of the wrong type", async (t) => {
  const cond = new Condition();
  await t.step("wait() rejects with RuntimeError", async () => {
    const error = await assertRejects(() => cond.wait(1), RuntimeError);
    assertMatch(
      error.message,
      /Cannot wait on a Condition whose lock is not held/,
    );
  });
  await t.step("notify() and notifyAll() throw RuntimeError", () => {
    assertThrows(() => cond.notify(), RuntimeError);
    assertThrows(() => cond.notifyAll(), RuntimeError);
  });
  await t.step(
    "an RLock held by another thread does not count as held",
    async () => {
      const rlock = new RLock();
      rlock.acquireSync();
      const error = await errorOf(conditionWaitUnheld, [new Condition(rlock)]);
      assertEquals(error?.name, "RuntimeError");
      rlock.release();
    },
  );
  await t.step("new Condition(notALock) throws TypeError", () => {
    assertIsError(
      assertThrows(() => new Condition({} as Lock)),
      Error,
      /'lock' must be a Lock or an RLock/,
    );
  });
  await t.step("notify(-1) throws RangeError", () => {
    using _ = cond.holdSync();
    assertThrows(() => cond.notify(-1), RangeError);
  });
});

Deno.test("Condition.notify() loses no wake-up: two producers and three consumers on two conditions over one lock", async () => {
  const lock = new Lock();
  const notFull = new Condition(lock), notEmpty = new Condition(lock);
  const ring = new SharedArray("i32", 2);
  const state = new SharedArray("i32", 2); // head, size
  const per = 3000;
  const [, sums] = await Promise.all([
    runAll(boundedPut, [
      [notFull, notEmpty, ring, state, 1, per],
      [notFull, notEmpty, ring, state, per + 1, per],
    ]),
    runAll(boundedTake, [
      [notFull, notEmpty, ring, state, 2000],
      [notFull, notEmpty, ring, state, 2000],
      [notFull, notEmpty, ring, state, 2000],
    ]),
  ]);
  const total = 2 * per;
  assertEquals(
    (sums as number[]).reduce((a, b) => a + b),
    (total * (total + 1)) / 2,
  );
  assertEquals(state.get(1), 0);
});
