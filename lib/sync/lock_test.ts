import {
  assert,
  assertEquals,
  assertIsError,
  assertMatch,
  assertNotStrictEquals,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { RuntimeError } from "../errors/base.ts";
import {
  callExported,
  codecOf,
  decodeValue,
  encodeValue,
} from "../_crossing/codec.ts";
import { SharedArray } from "./value.ts";
import { Barrier } from "./barrier.ts";
import { Event } from "./event.ts";
import { Lock } from "./lock.ts";
import {
  acquireWithTimeout,
  countWithLock,
  countWithLockAsync,
  holdUntil,
  release,
  runAll,
  tryThenAcquire,
} from "./testdata/targets.ts";

Deno.test("Lock keeps a non-atomic shared counter exact under contention from threads and the main thread", async () => {
  const lock = new Lock();
  const counter = new SharedArray("i32", 1);
  const times = 5000;
  const start = new Barrier(4);
  const threads = runAll(countWithLock, [
    [lock, start, counter, times],
    [lock, start, counter, times],
    [lock, start, counter, times],
  ]);
  await countWithLockAsync(lock, start, counter, times);
  await threads;
  assertEquals(counter.get(0), 4 * times);
  assertEquals(lock.locked(), false);
});

Deno.test("Lock async acquirers in other threads are exact too", async () => {
  const lock = new Lock();
  const counter = new SharedArray("i32", 1);
  const start = new Barrier(3);
  await runAll(countWithLockAsync, [
    [lock, start, counter, 2000],
    [lock, start, counter, 2000],
    [lock, start, counter, 2000],
  ]);
  assertEquals(counter.get(0), 6000);
});

Deno.test("Lock.acquire() and acquireSync() give up after their timeout", async (t) => {
  const lock = new Lock();
  lock.acquireSync();
  await t.step("async on the main thread", async () => {
    assertEquals(await lock.acquire({ timeout: 5 }), false);
    assertEquals(await lock.acquire({ timeout: 0 }), false);
  });
  await t.step("blocking, in another thread", async () => {
    assertEquals(await runAll(acquireWithTimeout, [[lock, 5]]), [false]);
  });
  await t.step("blocking, on the main thread", () => {
    assertEquals(lock.acquireSync({ timeout: 1 }), false);
  });
  lock.release();
  assertEquals(await lock.acquire({ timeout: 5 }), true);
  lock.release();
});

Deno.test("Lock release in one thread wakes a thread blocked in acquireSync()", async () => {
  const lock = new Lock();
  const trying = new Event();
  await lock.acquire();
  const result = runAll(tryThenAcquire, [[lock, trying]]);
  await trying.wait();
  lock.release();
  // The thread saw the lock held, then got it once released.
  assertEquals(await result, [[false, true]]);
  assertEquals(lock.locked(), false);
});

Deno.test("Lock release in another thread wakes an awaiting acquire() on the main thread", async () => {
  const lock = new Lock();
  const held = new Event(), go = new Event();
  const thread = runAll(holdUntil, [[lock, held, go]]);
  await held.wait();
  assertEquals(lock.tryAcquire(), false);
  const acquired = lock.acquire(); // parked on Atomics.waitAsync
  go.set();
  assertEquals(await acquired, true);
  lock.release();
  await thread;
});

Deno.test("Lock can be released by a thread that did not acquire it, like Python's", async () => {
  const lock = new Lock();
  await lock.acquire();
  await runAll(release, [[lock]]);
  assertEquals(lock.locked(), false);
});

Deno.test("Lock misuse throws clear errors", async (t) => {
  await t.step("release of an unlocked Lock throws RuntimeError", () => {
    const error = assertThrows(() => new Lock().release(), RuntimeError);
    assertMatch(error.message, /Cannot release an unlocked Lock/);
  });
  await t.step("a second release throws", () => {
    const lock = new Lock();
    lock.tryAcquire();
    lock.release();
    assertThrows(() => lock.release(), RuntimeError);
  });
  for (
    const [timeout, Err] of [
      [-2, RangeError],
      [NaN, RangeError],
      ["5" as unknown as number, TypeError],
    ] as const
  ) {
    await t.step(
      `acquire({ timeout: ${
        JSON.stringify(timeout) ?? String(timeout)
      } }) rejects with ${Err.name}`,
      async () => {
        const lock = new Lock();
        const error = await assertRejects(
          () => lock.acquire({ timeout }),
          Err,
        );
        assertMatch(
          error.message,
          /'timeout' must be a number of milliseconds >= 0/,
        );
        assertThrows(() => lock.acquireSync({ timeout }), Err);
        assertEquals(lock.locked(), false, "bad input takes nothing");
      },
    );
  }
});

Deno.test("Lock.hold() releases on scope exit, also when the block throws", async () => {
  const lock = new Lock();
  const failing = async () => {
    using _ = await lock.hold();
    assertEquals(lock.locked(), true);
    throw new Error("boom");
  };
  assertIsError(await assertRejects(() => failing()), Error, /boom/);
  assertEquals(lock.locked(), false);
  {
    using _ = lock.holdSync();
    assertEquals(lock.tryAcquire(), false);
  }
  assertEquals(lock.locked(), false);
});

Deno.test("Lock travels to a thread as a handle to the same lock", () => {
  const lock = new Lock();
  const copy = decodeValue(
    structuredClone(encodeValue([lock], "thread")),
  ) as Lock[];
  assert(copy[0] instanceof Lock);
  assertNotStrictEquals(copy[0], lock);
  copy[0].tryAcquire();
  assertEquals(lock.locked(), true);
  lock.release();
  assertEquals(copy[0].locked(), false);
});

Deno.test("Lock serves its listed methods to another process and refuses others", async () => {
  const lock = new Lock();
  const codec = codecOf(lock)!;
  assertEquals(
    await callExported(lock, codec, "acquire", [{ timeout: 10 }]),
    true,
  );
  assertEquals(await callExported(lock, codec, "tryAcquire", []), false);
  await callExported(lock, codec, "release", []);
  assertEquals(lock.locked(), false);
  assertIsError(
    await assertRejects(() => callExported(lock, codec, "holdSync", [])),
    Error,
    /no remotely callable method/,
  );
});

Deno.test("Lock.acquire({ signal }) stops waiting when aborted, takes nothing, and passes its wake-up on", async () => {
  const lock = new Lock();
  await lock.acquire();
  const controller = new AbortController();
  const aborted = lock.acquire({ signal: controller.signal }); // parked first
  const next = lock.acquire(); // parked second
  controller.abort(new Error("caller went away"));
  assertIsError(await assertRejects(() => aborted), Error, /caller went away/);
  // The release's notify goes to the abandoned waiter first (FIFO); it is
  // handed on, so the live waiter still gets the lock.
  lock.release();
  assertEquals(await next, true);
  lock.release();
  const error = await assertRejects(() =>
    lock.acquire({ signal: AbortSignal.abort() })
  );
  assertIsError(error, Error);
  assertEquals(error.name, "AbortError");
  assertEquals(
    lock.locked(),
    false,
    "an already-aborted acquire takes nothing",
  );
  await assertRejects(
    () => lock.acquire({ signal: "no" as unknown as AbortSignal }),
    TypeError,
  );
});

Deno.test("Lock serving another process stops a remote acquire when the caller goes away", async () => {
  const lock = new Lock();
  const codec = codecOf(lock)!;
  await lock.acquire();
  const controller = new AbortController();
  const remote = callExported(lock, codec, "acquire", [], controller.signal);
  controller.abort();
  const error = await assertRejects(() => remote);
  assertIsError(error, Error);
  assertEquals(error.name, "AbortError");
  lock.release();
  assertEquals(
    lock.locked(),
    false,
    "nobody took the lock on behalf of the gone caller",
  );
});
