import {
  assertEquals,
  assertIsError,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { Event } from "./event.ts";
import { Semaphore } from "./semaphore.ts";
import { pingPong, runAll, setEvent, waitEvent } from "./testdata/targets.ts";
import { Value } from "./value.ts";

Deno.test("Event.set() wakes every thread waiting in waitSync()", async () => {
  const event = new Event();
  const waiting = new Semaphore(0);
  const threads = runAll(waitEvent, [[event, waiting], [event, waiting], [
    event,
    waiting,
  ]]);
  for (let i = 0; i < 3; i++) await waiting.acquire();
  event.set();
  assertEquals(await threads, [true, true, true]);
});

Deno.test("Event.set() in a thread wakes wait() on the main thread", async () => {
  const event = new Event();
  const waited = event.wait();
  await runAll(setEvent, [[event]]);
  assertEquals(await waited, true);
  assertEquals(event.isSet(), true);
});

Deno.test("Event.wait() times out on a cleared event, on every thread", async () => {
  const event = new Event();
  assertEquals(await event.wait(5), false);
  assertEquals(event.waitSync(1), false);
  assertEquals(await runAll(waitEvent, [[event, new Semaphore(0), 5]]), [
    false,
  ]);
});

Deno.test("Event.set() then clear() still releases the waiters that were waiting", async () => {
  const event = new Event();
  const waited = event.wait();
  event.set();
  event.clear();
  assertEquals(await waited, true);
  assertEquals(await event.wait(1), false, "later waits see the cleared flag");
});

Deno.test("Event.isSet/clear report and lower the flag; a set event returns at once", async () => {
  const event = new Event();
  assertEquals(event.isSet(), false);
  event.set();
  assertEquals(event.isSet(), true);
  assertEquals(await event.wait(), true);
  assertEquals(event.waitSync(), true);
  event.clear();
  assertEquals(event.isSet(), false);
});

Deno.test("Event.wait() rejects a bad timeout", async () => {
  assertIsError(
    await assertRejects(() => new Event().wait(-2)),
    Error,
    /'timeout' must be a number of milliseconds >= 0/,
  );
  assertThrows(() => new Event().waitSync(NaN), RangeError);
});

Deno.test("Event.wait({ signal }) rejects when aborted; { timeout } works as the number form", async () => {
  const event = new Event();
  const controller = new AbortController();
  const waiting = event.wait({ signal: controller.signal });
  controller.abort();
  const error = await assertRejects(() => waiting);
  assertIsError(error, Error);
  assertEquals(error.name, "AbortError");
  assertEquals(await event.wait({ timeout: 1 }), false);
  event.set();
  assertEquals(await event.wait({ timeout: 1 }), true);
});

Deno.test("Event ping-pong between two threads: every wait is answered by its own set()", async () => {
  const ping = new Event(), pong = new Event();
  const turn = new Value("i32", 0), failed = new Value("i32", 0);
  await runAll(pingPong, [
    ["ping", ping, pong, turn, failed, 50_000],
    ["pong", ping, pong, turn, failed, 50_000],
  ]);
  assertEquals(turn.value, 50_000);
});

Deno.test("Event ping-pong between the main thread (await wait) and a thread (waitSync) loses no round", async () => {
  // The shape of bench/sync_bench.ts's ping-pong, which hung when a set()
  // raced the partner's clear(): the flag stayed up for nobody, a round was
  // lost, and each side slept waiting for the other.
  const ping = new Event(), pong = new Event();
  const turn = new Value("i32", 0), failed = new Value("i32", 0);
  const rounds = 5_000;
  const pinger = runAll(pingPong, [["ping", ping, pong, turn, failed, rounds]]);
  for (let round = 1; round <= rounds && !failed.value; round++) {
    await ping.wait();
    ping.clear();
    turn.value = round;
    pong.set();
  }
  await pinger;
  assertEquals(turn.value, rounds);
});
