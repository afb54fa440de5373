// Per-task priorities: among queued tasks a lower number runs first, equal
// priorities keep submission order; a running task is not interrupted. One
// worker held by a task waiting for an Event makes every later task queue,
// so the order they run in is the queue's order alone.

import { assertEquals, assertRejects } from "@std/assert";
import { Pool } from "./pool.ts";
import { Event } from "../sync/event.ts";
import { Value } from "../sync/value.ts";
import { deadline } from "@std/async";
import { add, ticket, waitFor } from "./testdata/pool_tasks.ts";

const TASKS = new URL("./testdata/pool_tasks.ts", import.meta.url).href;

for (const kind of ["thread", "process"] as const) {
  Deno.test(`Pool (${kind}) runs queued tasks lowest priority first, equal priorities in submission order`, async () => {
    await using pool = new Pool({ size: 1, kind, module: TASKS });
    const gate = new Event();
    const held = pool.apply(waitFor, [gate]); // the worker is busy from here
    const ran: number[] = [];
    const priorities = [5, 1, 3, 1, -2, undefined, 0, 3, 1.5];
    const done = priorities.map((priority, i) =>
      pool.apply(add, [i, 0], { priority }).then((n) => void ran.push(n))
    );
    gate.set();
    await Promise.all([held, ...done]);
    assertEquals(ran, [4, 5, 6, 1, 3, 8, 2, 7, 0]);
  });
}

Deno.test("Pool map(), starmap(), imap() and imapUnordered() give every chunk their priority", async (t) => {
  type Call = (
    pool: Pool,
    items: Value[],
    priority: number,
  ) => Promise<unknown>;
  const calls: Record<string, Call> = {
    map: (pool, items, priority) =>
      pool.map(ticket, items, { chunksize: 1, priority }),
    starmap: (pool, items, priority) =>
      pool.starmap(ticket, items.map((c) => [c]), { chunksize: 1, priority }),
    imap: (pool, items, priority) =>
      Array.fromAsync(pool.imap(ticket, items, { priority })),
    imapUnordered: (pool, items, priority) =>
      Array.fromAsync(pool.imapUnordered(ticket, items, { priority })),
  };
  for (const [name, call] of Object.entries(calls)) {
    await t.step(name, async () => {
      await using pool = new Pool({ size: 1, module: TASKS });
      const gate = new Event();
      const counter = new Value("i32", 0);
      const held = pool.apply(waitFor, [gate]);
      const late = pool.apply(ticket, [counter]);
      const mapped = call(pool, [counter, counter, counter], -1);
      await deadline(queued(pool, 4), 60_000);
      gate.set();
      const [, last, tickets] = await Promise.all([held, late, mapped]);
      assertEquals(last, 3, "the map's chunks ran before the earlier apply");
      assertEquals(new Set(tickets as number[]), new Set([0, 1, 2]));
    });
  }
});

// imap submits from its own loop: polls until its chunks are queued.
async function queued(pool: Pool, n: number): Promise<void> {
  while (pool.stats.queued < n) await new Promise((r) => setTimeout(r, 1));
}

Deno.test("Pool skips a prioritised task cancelled while it waited", async () => {
  await using pool = new Pool({ size: 1, module: TASKS });
  const gate = new Event();
  const held = pool.apply(waitFor, [gate]);
  const controller = new AbortController();
  const ran: number[] = [];
  const cancelled = pool.apply(add, [1, 0], {
    priority: -5,
    signal: controller.signal,
  });
  const others = [2, 3].map((n) =>
    pool.apply(add, [n, 0], { priority: n }).then((v) => void ran.push(v))
  );
  controller.abort();
  await assertRejects(() => cancelled, Error, "cancelled");
  assertEquals(pool.stats.queued, 2);
  gate.set();
  await Promise.all([held, ...others]);
  assertEquals(ran, [2, 3]);
});

Deno.test("Pool refuses a priority that is not a finite number", async (t) => {
  await using pool = new Pool({ size: 1 });
  for (const priority of [NaN, Infinity, "1", null]) {
    await t.step(String(priority), async () => {
      await assertRejects(
        () => pool.apply(() => 1, [], { priority: priority as number }),
        TypeError,
        "'priority' must be a finite number",
      );
      await assertRejects(
        () => pool.map((x: number) => x, [1], { priority: priority as number }),
        TypeError,
        "'priority' must be a finite number",
      );
    });
  }
});
