// PriorityQueue, LifoQueue and SimpleQueue: what a program ported from
// Python relies on, each test named after the CPython test it mirrors
// (Lib/test/test_queue.py), on the main thread, across worker threads and
// from child processes and manager clients.

import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { deadline } from "@std/async/deadline";
import { Empty, Full, QueueClosed } from "./queue.ts";
import { PriorityQueue } from "./priority_queue.ts";
import { LifoQueue } from "./lifo_queue.ts";
import { SimpleQueue } from "./simple_queue.ts";
import { Process } from "../process/process.ts";
import { Manager } from "../manager/manager.ts";
import {
  className,
  firstOfLoop,
  putAll,
  putAllRemotely,
  runAll,
  takeSimpleRemotely,
  takeSome,
  takeSomeRemotely,
} from "./testdata/kinds_targets.ts";

const targets = new URL("./testdata/kinds_targets.ts", import.meta.url).href;
const GUARD = 60_000; // a guard against hangs, not a measure

async function inChild(
  target: (...args: never[]) => unknown,
  args: unknown[],
): Promise<void> {
  const p = new Process({
    target: target as (...a: unknown[]) => unknown,
    module: targets,
    args,
  });
  p.start();
  await deadline(p.join(), GUARD);
  assertEquals(p.exitCode, 0);
}

function drain<T>(q: { empty(): boolean; getNowait(): T }): T[] {
  const out: T[] = [];
  while (!q.empty()) out.push(q.getNowait());
  return out;
}

/** Numbers in a fixed pseudo-random order (so a failure repeats). */
function shuffled(n: number, seed = 7): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  let s = seed;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

Deno.test("PriorityQueue gets in priority order, LifoQueue newest first (test_queue BaseQueueTestMixin.simple_queue_test)", async (t) => {
  const QUEUE_SIZE = 5;
  for (
    const [name, make, order] of [
      ["PriorityQueue", () => new PriorityQueue<number>(), [111, 222, 333]],
      ["LifoQueue", () => new LifoQueue<number>(), [222, 333, 111]],
    ] as const
  ) {
    await t.step(name, async () => {
      const q = make();
      assert(q.empty());
      assert(!q.full());
      await q.put(111);
      q.putNowait(333);
      await q.put(222);
      assertEquals(q.qsize(), 3);
      assertEquals([await q.get(), q.getNowait(), await q.get()], [...order]);
      const bounded = name === "LifoQueue"
        ? new LifoQueue<number>({ maxsize: QUEUE_SIZE })
        : new PriorityQueue<number>({ maxsize: QUEUE_SIZE });
      for (let i = 0; i < QUEUE_SIZE - 1; i++) bounded.putNowait(i);
      assert(!bounded.full());
      bounded.putNowait(99);
      assert(bounded.full());
      assertThrows(() => bounded.putNowait(100), Full);
      await assertRejects(() => bounded.put(100, { timeout: 1 }), Full);
      assertThrows(() => make().getNowait(), Empty);
      await assertRejects(() => make().get({ timeout: 1 }), Empty);
    });
  }
});

Deno.test("PriorityQueue orders [priority, data] like Python's tuples, FIFO among equal priorities (test_queue BaseQueueTestMixin.simple_queue_test)", async (t) => {
  await t.step("by priority, then by the next element", () => {
    const q = new PriorityQueue<[number, string]>();
    for (
      const item of [[2, "b"], [1, "z"], [2, "a"], [-1.5, "q"], [1, "y"]] as [
        number,
        string,
      ][]
    ) q.putNowait(item);
    assertEquals(drain(q), [[-1.5, "q"], [1, "y"], [1, "z"], [2, "a"], [
      2,
      "b",
    ]]);
  });
  await t.step("equal priorities with data Python cannot compare: FIFO", () => {
    const q = new PriorityQueue<[number, { job: string }]>();
    for (const job of ["first", "second", "third"]) q.putNowait([1, { job }]);
    q.putNowait([0, { job: "urgent" }]);
    assertEquals(drain(q).map(([, d]) => d.job), [
      "urgent",
      "first",
      "second",
      "third",
    ]);
  });
  await t.step("strings by value; shorter arrays first", () => {
    const q = new PriorityQueue<string>();
    for (const s of ["pear", "apple", "", "app"]) q.putNowait(s);
    assertEquals(drain(q), ["", "app", "apple", "pear"]);
    const arrays = new PriorityQueue<[number, ...number[]]>();
    arrays.putNowait([1, 2]);
    arrays.putNowait([1]);
    assertEquals(drain(arrays), [[1], [1, 2]]);
  });
  await t.step(
    "items it cannot order are refused, nothing queued",
    async () => {
      const q = new PriorityQueue();
      for (const bad of [{ p: 1 }, null, [{}, 1], NaN, [NaN, "x"], true]) {
        await assertRejects(
          () => q.put(bad as never),
          TypeError,
          "Cannot put into PriorityQueue",
        );
        assertThrows(() => q.putNowait(bad as never), TypeError);
      }
      assertEquals(q.qsize(), 0);
    },
  );
  await t.step("thousands of puts come out sorted, FIFO among ties", () => {
    const q = new PriorityQueue<[number, number]>();
    const keys = shuffled(5000).map((n) => n % 50);
    keys.forEach((k, i) => q.putNowait([k, i]));
    const expected = keys.map((k, i) => [k, i] as [number, number]).sort((
      a,
      b,
    ) => a[0] - b[0] || a[1] - b[1]);
    assertEquals(drain(q), expected);
  });
  await t.step(
    "a full buffer is compacted: nothing lost or reordered",
    () => {
      const q = new PriorityQueue<[number, string]>({ maxBytes: 64 * 1024 });
      const pad = "p".repeat(900);
      let next = 0;
      let firstFill = 0;
      const expected: number[] = [];
      for (let round = 0; round < 40; round++) {
        // Fill the fixed buffer, then take half: the holes must be reused.
        for (;;) {
          try {
            q.putNowait([(next * 7919) % 1000, pad]);
          } catch (error) {
            assert(error instanceof Full);
            break;
          }
          expected.push((next++ * 7919) % 1000);
        }
        firstFill ||= next;
        expected.sort((a, b) => a - b);
        const half = Math.ceil(q.qsize() / 2);
        for (let i = 0; i < half; i++) {
          assertEquals(q.getNowait()[0], expected.shift());
        }
      }
      assert(next >= 5 * firstFill, `${next} puts, ${firstFill} at first`);
      assertEquals(drain(q).map(([n]) => n), expected);
    },
  );
  await t.step("close({ immediate: true }) drops what is left", async () => {
    const q = new PriorityQueue<number>();
    for (const n of [3, 1, 2]) q.putNowait(n);
    q.close({ immediate: true });
    assertEquals([q.qsize(), q.unfinishedTasks], [0, 0]);
    await assertRejects(() => q.get(), QueueClosed);
  });
  await t.step("puts and gets interleaved keep the order", () => {
    const q = new PriorityQueue<[number, string]>();
    const model: [number, string][] = [];
    // Python's tuple order; Array.prototype.sort is stable, so ties stay FIFO.
    const byTuple = (a: [number, string], b: [number, string]) =>
      a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
    const order = shuffled(3000);
    for (let i = 0; i < order.length; i++) {
      const item: [number, string] = [order[i] % 97, "x".repeat(i % 300)];
      q.putNowait(item);
      model.push(item);
      if (i % 3 === 2) {
        model.sort(byTuple);
        assertEquals(q.getNowait(), model.shift());
      }
    }
    model.sort(byTuple);
    assertEquals(drain(q), model);
  });
});

Deno.test("PriorityQueue and LifoQueue keep their order across threads (test_queue BaseQueueTestMixin.test_queue_task_done, queue_join_test)", async (t) => {
  await t.step(
    "threads put thousands at once; the main thread gets them sorted",
    async () => {
      const q = new PriorityQueue<number>();
      const all = shuffled(6000);
      await deadline(
        runAll(
          putAll,
          [all.slice(0, 2000), all.slice(2000, 4000), all.slice(4000)].map((
            part,
          ) => [q, part]),
        ),
        GUARD,
      );
      assertEquals(q.qsize(), 6000);
      assertEquals(drain(q), [...all].sort((a, b) => a - b));
    },
  );
  await t.step(
    "threads take in priority order, marking each done; join() returns",
    async () => {
      const q = new PriorityQueue<[number, string]>();
      for (const n of shuffled(3000)) q.putNowait([n, `job ${n}`]);
      const joined = q.join();
      const taken = await deadline(
        runAll(takeSome, [[q, 1000], [q, 1000], [q, 1000]]),
        GUARD,
      ) as [number, string][][];
      await deadline(joined, GUARD);
      for (const mine of taken) {
        const keys = mine.map(([n]) => n);
        assertEquals(keys, [...keys].sort((a, b) => a - b));
      }
      assertEquals(taken.flat().map(([n]) => n).sort((a, b) => a - b), [
        ...Array(3000).keys(),
      ]);
      assertEquals(q.unfinishedTasks, 0);
      assertThrows(() => q.taskDone(), RangeError, "more times");
    },
  );
  await t.step("a thread receives each kind as its own class", async () => {
    assertEquals(
      await runAll(className, [
        [new PriorityQueue()],
        [new LifoQueue()],
        [new SimpleQueue()],
      ]),
      ["PriorityQueue", "LifoQueue", "SimpleQueue"],
    );
  });
  await t.step(
    "a thread's puts onto a LifoQueue come out newest first",
    async () => {
      const q = new LifoQueue<number>();
      q.putNowait(-1);
      await runAll(putAll, [[q, [1, 2, 3]]]);
      assertEquals(drain(q), [3, 2, 1, -1]);
    },
  );
});

Deno.test("PriorityQueue and LifoQueue work from child processes and manager clients (test_queue BaseQueueTestMixin.queue_join_test)", async (t) => {
  await t.step("a child's puts are ordered here", async () => {
    const q = new PriorityQueue<[number, string]>();
    const done = new SimpleQueue<string>();
    await inChild(putAllRemotely, [
      q,
      [[3, "c"], [1, "a"], [2, "b"], [1, "a2"]],
      done,
    ]);
    assertEquals(done.getNowait(), "put");
    assertEquals(drain(q), [[1, "a"], [1, "a2"], [2, "b"], [3, "c"]]);
  });
  await t.step(
    "a child gets in priority order and marks each done",
    async () => {
      const q = new PriorityQueue<number>();
      for (const n of shuffled(200)) q.putNowait(n);
      const out = new SimpleQueue<number[]>();
      const joined = q.join();
      await inChild(takeSomeRemotely, [q, 200, out]);
      await deadline(joined, GUARD);
      assertEquals(out.getNowait(), [...Array(200).keys()]);
    },
  );
  await t.step(
    "items a child's loop fetched but did not use go back in their places",
    async () => {
      const q = new PriorityQueue<number>();
      for (const n of [5, 3, 4, 1, 2]) q.putNowait(n);
      const out = new SimpleQueue<number>();
      await inChild(firstOfLoop, [q, out]);
      assertEquals(out.getNowait(), 1);
      q.putNowait(0);
      assertEquals(drain(q), [0, 2, 3, 4, 5]);
      const lifo = new LifoQueue<string>();
      for (const s of ["a", "b", "c"]) lifo.putNowait(s);
      const top = new SimpleQueue<string>();
      await inChild(firstOfLoop, [lifo, top]);
      assertEquals(top.getNowait(), "c");
      assertEquals(drain(lifo), ["b", "a"]);
    },
  );
  await t.step("a child pops a LifoQueue newest first", async () => {
    const q = new LifoQueue<string>();
    for (const s of ["a", "b", "c"]) q.putNowait(s);
    const out = new SimpleQueue<string[]>();
    await inChild(takeSomeRemotely, [q, 3, out]);
    assertEquals(out.getNowait(), ["c", "b", "a"]);
    await q.join();
  });
  await t.step("a manager client's get() comes in priority order", async () => {
    await using manager = new Manager({ port: 0, authkey: "abc" });
    const q = new PriorityQueue<[number, string]>();
    manager.register("jobs", q);
    const { port } = await manager.start();
    await using client = await Manager.connect({ port, authkey: "abc" });
    const jobs = client.joinableQueue<[number, string]>("jobs");
    await jobs.put([5, "later"]);
    await jobs.put([0, "now"]);
    assertEquals(await jobs.get({ timeout: GUARD }), [0, "now"]);
    jobs.taskDone();
    assertEquals(await jobs.get({ timeout: GUARD }), [5, "later"]);
    jobs.taskDone();
    await deadline(q.join(), GUARD);
  });
});

Deno.test("SimpleQueue is an unbounded FIFO (test_queue BaseSimpleQueueTest.test_basic, test_order)", async () => {
  const q = new SimpleQueue<number>();
  assert(q.empty());
  assertEquals(q.qsize(), 0);
  for (let i = 0; i < 1000; i++) await q.put(i);
  q.putNowait(1000);
  assert(!q.full());
  assertEquals(q.qsize(), 1001);
  assertEquals(q.maxsize, Infinity);
  assertEquals(await q.get(), 0);
  assertEquals(drain(q), Array.from({ length: 1000 }, (_, i) => i + 1));
  assertThrows(() => q.getNowait(), Empty);
  await assertRejects(() => q.get({ timeout: 1 }), Empty);
  assertThrows(
    () => {
      q.maxsize = 3;
    },
    TypeError,
    "unbounded",
  );
  assert(!("taskDone" in q) && !("join" in q));
  q.close();
  await assertRejects(() => q.put(1), QueueClosed);
});

Deno.test("SimpleQueue is shared with threads and child processes (test_queue BaseSimpleQueueTest.test_many_threads)", async () => {
  const q = new SimpleQueue<number>();
  const all = shuffled(3000);
  const [, taken] = await deadline(
    Promise.all([
      runAll(putAll, [[q, all.slice(0, 1500)], [q, all.slice(1500)]]),
      runAll(takeSome, [[q, 1000], [q, 1000], [q, 1000]]),
    ]),
    GUARD,
  );
  assertEquals(
    (taken as number[][]).flat().sort((a, b) => a - b),
    [...Array(3000).keys()],
  );
  for (const n of [1, 2, 3]) q.putNowait(n);
  const out = new SimpleQueue<number[]>();
  await inChild(takeSimpleRemotely, [q, 3, out]);
  assertEquals(out.getNowait(), [1, 2, 3]);
});
