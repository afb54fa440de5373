import {
  assertEquals,
  assertIsError,
  assertMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { RuntimeError } from "../errors/base.ts";
import { encodeValue } from "../_crossing/codec.ts";
import { SharedArray } from "./value.ts";
import { Barrier } from "./barrier.ts";
import { Event } from "./event.ts";
import { RLock } from "./rlock.ts";
import {
  acquireWithTimeout,
  countWithRLock,
  errorOf,
  holdUntil,
  release,
  runAll,
  tryThenAcquire,
} from "./testdata/targets.ts";

Deno.test("RLock lets its owner re-enter and frees only after as many releases", async () => {
  const rlock = new RLock();
  assertEquals(await rlock.acquire(), true);
  assertEquals(rlock.acquireSync(), true);
  assertEquals(rlock.tryAcquire(), true);
  rlock.release();
  rlock.release();
  assertEquals(rlock.locked(), true, "still held after 2 of 3 releases");
  rlock.release();
  assertEquals(rlock.locked(), false);
  const error = assertThrows(() => rlock.release(), RuntimeError);
  assertMatch(error.message, /Cannot release an unlocked RLock/);
});

Deno.test("RLock shuts other threads out until the owner's last release, then wakes them", async () => {
  const rlock = new RLock();
  const trying = new Event();
  rlock.acquireSync();
  rlock.acquireSync();
  const result = runAll(tryThenAcquire, [[rlock, trying]]);
  await trying.wait();
  rlock.release();
  assertEquals(
    await runAll(acquireWithTimeout, [[rlock, 1]]),
    [false],
    "one release is not enough",
  );
  rlock.release();
  assertEquals(await result, [[false, true]]);
});

Deno.test("RLock rejects a release by a thread that does not own it", async () => {
  const rlock = new RLock();
  await rlock.acquire();
  const error = await errorOf(release, [rlock]);
  assertEquals(error?.name, "RuntimeError");
  assertMatch(error!.message, /held by another thread/);
  assertEquals(rlock.locked(), true, "the failed release changed nothing");
  rlock.release();
});

Deno.test("RLock release in a thread wakes an awaiting acquire() on the main thread", async () => {
  const rlock = new RLock();
  const held = new Event(), go = new Event();
  const thread = runAll(holdUntil, [[rlock, held, go]]);
  await held.wait();
  assertEquals(rlock.tryAcquire(), false);
  assertEquals(await rlock.acquire({ timeout: 1 }), false);
  const acquired = rlock.acquire();
  go.set();
  assertEquals(await acquired, true);
  rlock.release();
  await thread;
});

Deno.test("RLock keeps a shared counter exact with re-entrant acquires from several threads", async () => {
  const rlock = new RLock();
  const counter = new SharedArray("i32", 1);
  const start = new Barrier(3);
  await runAll(countWithRLock, [
    [rlock, start, counter, 2000],
    [rlock, start, counter, 2000],
    [rlock, start, counter, 2000],
  ]);
  assertEquals(counter.get(0), 6000);
  assertEquals(rlock.locked(), false);
});

Deno.test("RLock cannot be passed to another process, and says why", () => {
  const exporter = { export: () => "1" };
  assertIsError(
    assertThrows(() => encodeValue(new RLock(), exporter)),
    Error,
    /Cannot pass a RLock to another process/,
  );
});

Deno.test("RLock rejects a bad timeout without taking the lock", async () => {
  const rlock = new RLock();
  await assertRejects(() => rlock.acquire({ timeout: -5 }), RangeError);
  assertThrows(() => rlock.acquireSync({ timeout: -5 }), RangeError);
  assertEquals(rlock.locked(), false);
});

Deno.test("RLock tells a plain Web Worker apart from the main thread that holds it", async () => {
  const rlock = new RLock();
  rlock.acquireSync();
  const worker = new Worker(
    new URL("./testdata/raw_worker.ts", import.meta.url),
    { type: "module" },
  );
  try {
    const answer = Promise.withResolvers<boolean>();
    worker.onmessage = (event) => answer.resolve(event.data);
    worker.postMessage(encodeValue([rlock], "thread"));
    assertEquals(await answer.promise, false, "the worker is not the owner");
  } finally {
    worker.terminate();
  }
  rlock.release();
});
