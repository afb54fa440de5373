// Back-pressure: needsDrain while the queue reaches maxQueue (or size²
// without one), and drained() once there is room again. Workers held by
// tasks waiting for an Event make the queue's length exact.

import { assert, assertEquals, assertRejects } from "@std/assert";
import { deadline } from "@std/async";
import { Pool, PoolClosedError, PoolFullError } from "./pool.ts";
import { Event } from "../sync/event.ts";
import { add, waitFor } from "./testdata/pool_tasks.ts";

const TASKS = new URL("./testdata/pool_tasks.ts", import.meta.url).href;

function settled(promise: Promise<unknown>): () => boolean {
  let done = false;
  promise.then(() => (done = true), () => (done = true));
  return () => done;
}

for (const kind of ["thread", "process"] as const) {
  Deno.test(`Pool (${kind}) needsDrain at maxQueue queued tasks, and drained() once there is room`, async () => {
    await using pool = new Pool({ size: 1, kind, maxQueue: 3, module: TASKS });
    const gate = new Event();
    const held = pool.apply(waitFor, [gate]);
    const queued = [1, 2].map((n) => pool.apply(add, [n, 0]));
    assertEquals(pool.needsDrain, false);
    queued.push(pool.apply(add, [3, 0]));
    assertEquals(pool.needsDrain, true);
    const drained = pool.drained();
    const isDrained = settled(drained);
    await Promise.resolve();
    assert(!isDrained(), "drained() waits while the queue is full");
    await assertRejects(() => pool.apply(add, [4, 0]), PoolFullError);
    gate.set();
    await deadline(drained, 60_000);
    assertEquals(pool.needsDrain, false);
    assertEquals(await Promise.all([held, ...queued]), ["woke", 1, 2, 3]);
  });
}

Deno.test("Pool needsDrain without maxQueue at size² queued tasks (piscina's rule)", async () => {
  await using pool = new Pool({ size: 2, module: TASKS });
  const gates = [new Event(), new Event()];
  const held = gates.map((gate) => pool.apply(waitFor, [gate]));
  const queued = [1, 2, 3].map((n) => pool.apply(add, [n, 0]));
  assertEquals(pool.needsDrain, false);
  queued.push(pool.apply(add, [4, 0]));
  assertEquals(pool.stats.queued, 4);
  assertEquals(pool.needsDrain, true);
  const drained = pool.drained();
  for (const gate of gates) gate.set();
  await deadline(drained, 60_000);
  await Promise.all([...held, ...queued]);
  await pool.drained(); // nothing queued: at once
});

Deno.test("Pool drained() resolves when queued tasks are cancelled or the pool is terminated", async () => {
  const pool = new Pool({ size: 1, maxQueue: 2, module: TASKS });
  const gate = new Event();
  const held = pool.apply(waitFor, [gate]);
  const controller = new AbortController();
  const cancelled = [1, 2].map((n) =>
    pool.apply(add, [n, 0], { signal: controller.signal })
  );
  assertEquals(pool.needsDrain, true);
  const drained = pool.drained();
  controller.abort();
  await deadline(drained, 60_000);
  for (const task of cancelled) await assertRejects(() => task);
  const more = [3, 4].map((n) => pool.apply(add, [n, 0]));
  assertEquals(pool.needsDrain, true);
  const drainedAgain = pool.drained();
  await pool.terminate();
  await deadline(drainedAgain, 60_000);
  for (const task of [held, ...more]) {
    await assertRejects(() => task, PoolClosedError);
  }
});
