// What a program ported from Python relies on in lib/sync, each test named
// after the CPython test it mirrors (Lib/test/lock_tests.py) or, where
// CPython has none, after the CPython code whose behaviour it checks.

import {
  assert,
  assertEquals,
  assertFalse,
  assertInstanceOf,
  assertMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { Barrier, BrokenBarrierError } from "./barrier.ts";
import { Condition } from "./condition.ts";
import { Event } from "./event.ts";
import { Lock } from "./lock.ts";
import { RLock } from "./rlock.ts";
import { Semaphore } from "./semaphore.ts";
import { Value } from "./value.ts";
import {
  barrierActionRounds,
  barrierOutcome,
  barrierWait,
  conditionReenter,
  holdUntil,
  notifyCondition,
  release,
  runAll,
  setEvent,
} from "./testdata/targets.ts";

Deno.test("Barrier runs its action once per generation (lock_tests BarrierTests.test_action)", async (t) => {
  await t.step(
    "in whichever thread arrives last, before any party is released",
    async () => {
      const runs = new Value("i32", 0);
      const barrier = new Barrier(4, {
        action: (runs: Value<"i32">) => void runs.add(1),
        args: [runs],
      });
      const rounds = 6;
      const threads = runAll(
        barrierActionRounds,
        [1, 2, 3].map(() => [barrier, runs, rounds]),
      );
      const mine: number[] = [];
      for (let i = 0; i < rounds; i++) {
        await barrier.wait();
        mine.push(runs.value);
      }
      const expected = [1, 2, 3, 4, 5, 6];
      for (const seen of [...(await threads) as number[][], mine]) {
        assertEquals(seen, expected, "each party saw this round's run");
      }
      assertEquals(runs.value, rounds);
    },
  );
  await t.step(
    "a closure that runs in another thread fails there with the reason",
    async () => {
      let calls = 0;
      const barrier = new Barrier(2, { action: () => void calls++ });
      // Arrives first, so the thread arrives last.
      const mine = barrier.wait().then(() => "passed", (e: Error) => e.name);
      const [outcome] = await runAll(barrierOutcome, [[barrier]]);
      assertEquals(outcome, "ReferenceError");
      assertEquals(await mine, "BrokenBarrierError");
      assertEquals(calls, 0);
    },
  );
});

Deno.test("Barrier breaks for every other party when its action throws (threading.Barrier._release; lock_tests has no case)", async () => {
  const barrier = new Barrier(4, {
    action: () => {
      throw new RangeError("the action failed");
    },
  });
  const threads = runAll(barrierOutcome, [[barrier], [barrier], [barrier]]);
  const mine = await barrier.wait().then(
    () => "passed",
    (error: Error) => error.name,
  );
  const outcomes = [...(await threads) as string[], mine].toSorted();
  assertEquals(outcomes, [
    "BrokenBarrierError",
    "BrokenBarrierError",
    "BrokenBarrierError",
    "RangeError",
  ]);
  assert(barrier.broken);
});

Deno.test("Barrier's default timeout applies to every wait() without one, in every thread (lock_tests BarrierTests.test_default_timeout)", async () => {
  const barrier = new Barrier(3, { timeout: 50 });
  const thread = runAll(barrierOutcome, [[barrier]]);
  const error = await assertRejects(() => barrier.wait(), BrokenBarrierError);
  assertMatch(error.message, /timed out/);
  assertEquals(await thread, ["BrokenBarrierError"]);
  assert(barrier.broken);
});

Deno.test("Barrier refuses Python's positional form and an action it cannot run", async (t) => {
  await t.step("new Barrier(2, action, 100)", () => {
    const construct = Barrier as unknown as new (...args: unknown[]) => Barrier;
    const error = assertThrows(
      () => new construct(2, () => {}, 100),
      TypeError,
    );
    assertMatch(error.message, /new Barrier\(parties, \{ action, timeout \}\)/);
  });
  await t.step("an async action", () => {
    assertThrows(
      () => new Barrier(2, { action: async () => {} }),
      TypeError,
      "must be a synchronous function",
    );
  });
  await t.step("a bound action cannot be shipped to a thread", async () => {
    const barrier = new Barrier(1, { action: Math.max.bind(Math) });
    await assertRejects(
      () => runAll(barrierWait, [[barrier]]),
      TypeError,
      "native or bound function",
    );
    assertEquals(await barrier.wait(), 0, "it still runs where it was made");
  });
});

Deno.test("Condition defaults to an RLock, re-entrant in every thread (lock_tests ConditionTests.test_acquire)", async () => {
  const cond = new Condition();
  assertInstanceOf(cond.lock, RLock);
  cond.acquireSync();
  cond.acquireSync();
  cond.release();
  cond.release();
  assertFalse(cond.lock.locked());
  assertEquals(await runAll(conditionReenter, [[cond]]), [[true, false, true]]);

  const lock = new Lock();
  const overLock = new Condition(lock);
  overLock.acquireSync();
  assertFalse(lock.tryAcquire());
  overLock.release();
  assert(lock.tryAcquire());
  assertFalse(await overLock.acquire({ timeout: 0 }));
  lock.release();
  {
    using _ = overLock.holdSync();
    assertFalse(lock.tryAcquire());
  }
});

Deno.test("timeout -1 waits forever in every waiting call of lib/sync; other negative numbers and NaN are refused (lock_tests BaseLockTests.test_timeout)", async (t) => {
  // Each call starts while what it waits for is missing, so a timeout read
  // as 0 would resolve false and one refused would reject.
  for (const make of [() => new Lock(), () => new RLock()]) {
    await t.step(
      `${make().constructor.name}.acquire({ timeout: -1 })`,
      async () => {
        const lock = make(), held = new Event(), go = new Event();
        const holder = runAll(holdUntil, [[lock, held, go]]);
        await held.wait();
        const got = lock.acquire({ timeout: -1 });
        go.set();
        assertEquals(await got, true);
        lock.release();
        await holder;
      },
    );
  }
  await t.step("Semaphore.acquire({ timeout: -1 })", async () => {
    const sem = new Semaphore(0);
    const got = sem.acquire({ timeout: -1 });
    await runAll(release, [[sem]]);
    assertEquals(await got, true);
  });
  await t.step("Event.wait(-1)", async () => {
    const event = new Event();
    const waited = event.wait(-1);
    await runAll(setEvent, [[event]]);
    assertEquals(await waited, true);
  });
  await t.step("Condition.wait(-1)", async () => {
    const cond = new Condition();
    using _ = await cond.hold();
    const waited = cond.wait(-1);
    await runAll(notifyCondition, [[cond]]);
    assertEquals(await waited, true);
  });
  await t.step("Barrier.wait(-1) and Barrier({ timeout: -1 })", async () => {
    const cases = [
      [new Barrier(2), -1],
      [new Barrier(2, { timeout: -1 }), undefined],
    ] as const;
    for (const [barrier, timeout] of cases) {
      const waited = barrier.wait(timeout);
      const [theirs] = await runAll(barrierWait, [[barrier]]);
      assertEquals([await waited, theirs as number].toSorted(), [0, 1]);
    }
  });

  const calls: Record<string, (timeout: number) => unknown> = {
    "Lock.acquire": (timeout) => new Lock().acquire({ timeout }),
    "Lock.acquireSync": (timeout) => new Lock().acquireSync({ timeout }),
    "RLock.acquire": (timeout) => new RLock().acquire({ timeout }),
    "Semaphore.acquire": (timeout) => new Semaphore(0).acquire({ timeout }),
    "Event.wait": (timeout) => new Event().wait(timeout),
    "Event.waitSync": (timeout) => new Event().waitSync(timeout),
    "Condition.wait": (timeout) => {
      const cond = new Condition();
      using _ = cond.holdSync();
      return cond.wait(timeout);
    },
    "Barrier.wait": (timeout) => new Barrier(2).wait(timeout),
    "new Barrier": (timeout) => new Barrier(2, { timeout }),
  };
  for (
    const [timeout, Err, shown] of [
      [-2, RangeError, "-2"],
      [-0.5, RangeError, "-0.5"],
      [NaN, RangeError, "NaN"],
      ["5", TypeError, '"5"'],
    ] as const
  ) {
    await t.step(`${shown} is refused with the value shown`, async () => {
      for (const [name, call] of Object.entries(calls)) {
        const error = await assertRejects(
          async () => await call(timeout as number),
          Err,
          undefined,
          name,
        );
        assert(error.message.endsWith(`received ${shown}`), error.message);
      }
    });
  }
  await t.step(
    "a bare number is refused where Python's first argument is 'blocking'",
    async () => {
      const lock = new Lock();
      const acquire = lock.acquire as (options: unknown) => Promise<boolean>;
      const error = await assertRejects(
        () => acquire.call(lock, 5),
        TypeError,
      );
      assertMatch(error.message, /\{ timeout \}/);
      assertFalse(lock.locked());
    },
  );
});
