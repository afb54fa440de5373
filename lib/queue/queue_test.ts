import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertIsError,
  assertMatch,
  assertRejects,
  assertThrows,
  fail,
} from "@std/assert";
import { Empty, Full, JoinableQueue, Queue, QueueClosed } from "./queue.ts";
import { RemoteQueue } from "./remote_queue.ts";
import { Connection } from "./pipe.ts";
import { MAX_RING_BYTES, Ring } from "./_ring.ts";
import { Manager } from "../manager/mod.ts";
import { Process } from "../process/process.ts";
import { Thread } from "../thread/thread.ts";
import {
  consumeSync,
  getForever,
  iterateAll,
  produce,
  produceSync,
  putIntoClosed,
  putThenHang,
  remoteErrors,
  takeJob,
  takeThree,
  workSync,
} from "./testdata/queue_targets.ts";

const targets = new URL("./testdata/queue_targets.ts", import.meta.url).href;

Deno.test("Queue hands items out first in, first out and counts them", () => {
  const q = new Queue<number>({ maxsize: 3 });
  assertEquals(q.empty(), true);
  assertEquals(q.maxsize, 3);
  for (const n of [1, 2, 3]) q.putNowait(n);
  assertEquals(q.qsize(), 3);
  assertEquals(q.full(), true);
  assertEquals([q.getNowait(), q.getNowait(), q.getNowait()], [1, 2, 3]);
  assertEquals(q.empty(), true);
  assertEquals(new Queue().maxsize, Infinity);
});

Deno.test("Queue carries every structured-clone type, including the fast-path ones", async (t) => {
  const cases: [string, unknown][] = [
    ["integer", 42],
    ["float", -1.5],
    ["NaN", NaN],
    ["negative zero", -0],
    ["empty string", ""],
    ["latin-1 string", "café"],
    ["unicode string", "队列 ✓ 🚀"],
    ["lone surrogate", "a\uD800b"],
    ["long string", "x".repeat(5000) + "é"],
    ["true", true],
    ["false", false],
    ["null", null],
    ["undefined", undefined],
    ["object", { a: 1, nested: [1, "two", { three: 3 }] }],
    ["Map", new Map([["k", 1]])],
    ["Date", new Date(0)],
    ["BigInt", 2n ** 70n],
    ["Uint8Array", new Uint8Array([1, 2, 3])],
    ["Error", new RangeError("boom")],
  ];
  const q = new Queue();
  for (const [name, value] of cases) {
    await t.step(name, async () => {
      await q.put(value);
      const back = await q.get();
      if (value instanceof Error) {
        assertEquals((back as Error).message, value.message);
      } else assertEquals(back, value);
      if (Object.is(value, -0)) assert(Object.is(back, -0));
    });
  }
});

Deno.test("Queue timeouts reject with Empty and Full; nowait variants throw them at once", async (t) => {
  await t.step("getNowait on an empty queue", () => {
    assertThrows(() => new Queue().getNowait(), Empty);
  });
  await t.step("get with a timeout on an empty queue", async () => {
    await assertRejects(() => new Queue().get({ timeout: 5 }), Empty);
  });
  await t.step("putNowait on a full queue keeps the items already in", () => {
    const q = new Queue<number>({ maxsize: 1 });
    q.putNowait(1);
    assertThrows(() => q.putNowait(2), Full);
    assertEquals(q.qsize(), 1);
    assertEquals(q.getNowait(), 1);
  });
  await t.step("put with a timeout on a full queue", async () => {
    const q = new Queue<number>({ maxsize: 1 });
    await q.put(1);
    await assertRejects(() => q.put(2, { timeout: 5 }), Full);
    assertEquals(q.qsize(), 1);
  });
});

Deno.test("Queue.put waits for room and get waits for an item", async () => {
  const q = new Queue<string>({ maxsize: 1 });
  await q.put("first");
  const blocked = q.put("second");
  assertEquals(await q.get(), "first");
  await blocked;
  const waiting = q.get();
  assertEquals(await waiting, "second");
  const later = q.get();
  await q.put("third");
  assertEquals(await later, "third");
});

Deno.test("Queue.close rejects puts, lets getters drain, then ends them with QueueClosed", async () => {
  const q = new Queue<number>();
  const waiter = q.get();
  q.close();
  await assertRejects(() => waiter, QueueClosed);
  const r = new Queue<number>();
  r.putNowait(1);
  r.putNowait(2);
  r.close();
  assertEquals(r.closed, true);
  await assertRejects(() => r.put(3), QueueClosed);
  assertThrows(() => r.putNowait(3), QueueClosed);
  assertEquals(await r.get(), 1);
  assertEquals(r.getNowait(), 2);
  await assertRejects(() => r.get(), QueueClosed);
});

Deno.test("for await over a Queue yields every item and ends when it is closed and drained", async () => {
  const q = new Queue<number>();
  const seen: number[] = [];
  const consumer = (async () => {
    for await (const n of q) seen.push(n);
  })();
  for (let i = 0; i < 100; i++) await q.put(i);
  q.close();
  await consumer;
  assertEquals(seen, Array.from({ length: 100 }, (_, i) => i));
});

Deno.test("Queue.get aborted by its signal takes no item", async () => {
  const q = new Queue<string>();
  const controller = new AbortController();
  const waiting = q.get({ signal: controller.signal });
  controller.abort(new Error("caller gave up"));
  assertIsError(await assertRejects(() => waiting), Error, /caller gave up/);
  q.putNowait("kept");
  assertEquals(q.qsize(), 1);
  assertEquals(await q.get(), "kept");
  const error = await assertRejects(() =>
    q.get({ signal: AbortSignal.abort() })
  );
  assertIsError(error, Error);
  assertEquals(error.name, "AbortError");
});

Deno.test("Queue refuses what cannot be cloned, and loses nothing already queued", async () => {
  const q = new Queue<unknown>();
  q.putNowait("before");
  const e = await assertRejects(() => q.put({ callback: () => 1 }), TypeError);
  assertMatch(e.message, /cannot be serialized.*Nothing was queued/s);
  assertThrows(() => q.putNowait(Symbol("s")), TypeError);
  assertEquals(q.qsize(), 1);
  assertEquals(q.getNowait(), "before");
});

Deno.test("Queue options and timeouts are validated up front", async (t) => {
  for (const maxsize of [-1, 1.5, "3", 2 ** 31]) {
    await t.step(`maxsize ${String(maxsize)}`, () => {
      assertIsError(
        assertThrows(() => new Queue({ maxsize: maxsize as number })),
        Error,
        /Cannot create queue as 'maxsize' must be a non-negative integer/,
      );
    });
  }
  await t.step("maxBytes too small", () => {
    assertIsError(
      assertThrows(() => new Queue({ maxBytes: 10 })),
      Error,
      /'maxBytes' must be an integer from 64/,
    );
  });
  await t.step("negative timeout rejects (not throws)", async () => {
    const pending = new Queue().get({ timeout: -2 });
    assertIsError(
      await assertRejects(() => pending),
      Error,
      /'timeout' must be a number of milliseconds >= 0.*: received -2/,
    );
  });
});

Deno.test("Queue grows its buffer for big items, wraps around, and refuses items over maxBytes", async () => {
  const q = new Queue<string | Uint8Array>();
  const big = new Uint8Array(300_000).fill(7);
  q.putNowait("small");
  q.putNowait(big);
  assertEquals(q.getNowait(), "small");
  assertEquals(q.getNowait(), big);
  // Interleave sizes so records wrap and the ring grows while wrapped.
  const expected: string[] = [];
  let next = 0;
  for (let round = 0; round < 200; round++) {
    const item = `${round}:` + "y".repeat((round * 7919) % 3000);
    q.putNowait(item);
    expected.push(item);
    if (round % 3 === 0) assertEquals(q.getNowait(), expected[next++]);
  }
  while (next < expected.length) assertEquals(await q.get(), expected[next++]);
  const tight = new Queue<Uint8Array>({ maxBytes: 1024 });
  tight.putNowait(new Uint8Array(10));
  const e = assertThrows(
    () => tight.putNowait(new Uint8Array(2000)),
    RangeError,
  );
  assertMatch(e.message, /at most 1024 bytes.*Nothing was queued/s);
  assertEquals(tight.qsize(), 1);
  tight.putNowait(new Uint8Array(600));
  assertThrows(() => tight.putNowait(new Uint8Array(600)), Full);
});

Deno.test("JoinableQueue.join resolves once every item is marked done; extra taskDone throws", async () => {
  const q = new JoinableQueue<string>();
  await q.join();
  await q.put("a");
  await q.put("b");
  let joined = false;
  const joining = q.join().then(() => joined = true);
  await q.get();
  q.taskDone();
  await Promise.resolve();
  assertEquals(joined, false);
  await q.get();
  q.taskDone();
  await joining;
  assertEquals(joined, true);
  assertIsError(
    assertThrows(() => q.taskDone()),
    Error,
    /called more times than items were put/,
  );
  await q.put("c");
  const error = await assertRejects(() =>
    q.join({ signal: AbortSignal.abort() })
  );
  assertIsError(error, Error);
  assertEquals(error.name, "AbortError");
});

Deno.test("the blocking twins refuse to run on the main thread", () => {
  const q = new Queue<number>();
  assertIsError(
    assertThrows(() => q.getSync()),
    Error,
    /would block the main thread/,
  );
  assertIsError(
    assertThrows(() => q.putSync(1)),
    Error,
    /would block the main thread/,
  );
  assertIsError(
    assertThrows(() => new JoinableQueue().joinSync()),
    Error,
    /would block the main thread/,
  );
});

Deno.test("a worker thread's putSync items reach the main thread in order", async () => {
  const q = new Queue<number | string>({ maxsize: 64 });
  const t = new Thread({
    target: produceSync,
    module: targets,
    args: [q, 20_000],
  });
  t.start();
  let expected = 0;
  for (;;) {
    const item = await q.get();
    if (item === "end") break;
    assertEquals(item, expected++);
  }
  assertEquals(expected, 20_000);
  await t.join();
});

Deno.test("two consumer threads share one queue: every item is taken exactly once", async () => {
  const q = new Queue<number | string>({ maxsize: 100 });
  const out = new Queue<number[]>();
  const consumers = [1, 2].map(() =>
    new Thread({ target: consumeSync, module: targets, args: [q, out] })
  );
  for (const c of consumers) c.start();
  const n = 10_000;
  for (let i = 0; i < n; i++) await q.put(i);
  await q.put("end");
  await q.put("end");
  const [a, b] = [await out.get(), await out.get()];
  for (const c of consumers) await c.join();
  const all = [...a, ...b].sort((x, y) => x - y);
  assertEquals(all, Array.from({ length: n }, (_, i) => i));
  // Each consumer saw its share in queue order.
  for (const seen of [a, b]) {
    assertEquals(seen, [...seen].sort((x, y) => x - y));
  }
});

Deno.test("JoinableQueue.join on the main thread waits for a worker's taskDone calls", async () => {
  const q = new JoinableQueue<number>();
  for (let i = 0; i < 50; i++) q.putNowait(i);
  const t = new Thread({ target: workSync, module: targets, args: [q, 50] });
  t.start();
  await q.join();
  assertEquals(q.qsize(), 0);
  await t.join();
});

Deno.test("100k items cross from a child process in order, none lost", async () => {
  const q = new Queue<number>();
  const p = new Process({
    target: produce,
    module: targets,
    args: [q, 100_000],
  });
  p.start();
  for (let i = 0; i < 100_000; i++) {
    const item = await q.get();
    if (item !== i) fail(`item ${i} arrived as ${item}`);
  }
  await p.join();
  assertEquals(p.exitCode, 0);
  assertEquals(q.empty(), true);
});

Deno.test("a bounded queue makes a child process's puts wait for room", async () => {
  const q = new Queue<number>({ maxsize: 5 });
  const p = new Process({ target: produce, module: targets, args: [q, 200] });
  p.start();
  for (let i = 0; i < 200; i++) {
    assert(q.qsize() <= 5);
    assertEquals(await q.get(), i);
  }
  await p.join();
  assertEquals(p.exitCode, 0);
});

Deno.test("a child killed while using the queue loses nothing already queued", async () => {
  const q = new Queue<string>();
  const status = new Queue<string>();
  const p = new Process({
    target: putThenHang,
    module: targets,
    args: [q, status, 3],
  });
  p.start();
  assertEquals(await status.get(), "ready");
  p.kill();
  await p.join();
  assertEquals(p.exitCode, -9);
  assertEquals([q.getNowait(), q.getNowait(), q.getNowait()], [
    "item 0",
    "item 1",
    "item 2",
  ]);
  await q.put("still usable");
  assertEquals(await q.get(), "still usable");
});

Deno.test("a child killed while waiting in get takes no item with it", async () => {
  const q = new Queue<string>();
  const status = new Queue<string>();
  const p = new Process({
    target: getForever,
    module: targets,
    args: [q, status],
  });
  p.start();
  assertEquals(await status.get(), "waiting");
  p.kill();
  await p.join();
  q.putNowait("after the death");
  assertEquals(q.qsize(), 1);
  assertEquals(q.getNowait(), "after the death");
});

Deno.test("a queue passed to a child process arrives as a RemoteQueue, without sizes, whose errors keep their class", async () => {
  const q = new Queue<unknown>();
  const out = new Queue<string>();
  const p = new Process({
    target: remoteErrors,
    module: targets,
    args: [q, out],
  });
  p.start();
  assertEquals(
    await out.get(),
    "put: TypeError; get: true Empty; handle: true false",
  );
  await p.join();
  assertEquals(q.qsize(), 0);
});

Deno.test("JoinableQueue.join in the parent waits for a child's taskDone", async () => {
  const q = new JoinableQueue<string>();
  const done = new Queue<string>();
  await q.put("job 1");
  const p = new Process({ target: takeJob, module: targets, args: [q, done] });
  p.start();
  await q.join();
  assertEquals(await done.get(), "took job 1");
  await p.join();
  assertEquals(p.exitCode, 0);
});

Deno.test("a child's put into a queue its owner closed rejects with QueueClosed", async () => {
  const q = new Queue<string>();
  const out = new Queue<string>();
  q.close();
  const p = new Process({
    target: putIntoClosed,
    module: targets,
    args: [q, out],
  });
  p.start();
  assertEquals(await out.get(), "true QueueClosed");
  await p.join();
  assertEquals(q.qsize(), 0);
});

Deno.test("for await in a child process receives every item in order until the queue closes", async () => {
  const q = new Queue<number>();
  const out = new Queue<string>();
  const p = new Process({
    target: iterateAll,
    module: targets,
    args: [q, out],
  });
  p.start();
  for (let i = 0; i < 10_000; i++) q.putNowait(i);
  q.close();
  assertEquals(await out.get(), "10000 true");
  await p.join();
  assertEquals(p.exitCode, 0);
});

Deno.test("a child that stops its for await early gives the items it fetched back, in order", async () => {
  const q = new Queue<number>();
  const out = new Queue<string>();
  for (let i = 0; i < 100; i++) q.putNowait(i);
  const p = new Process({ target: takeThree, module: targets, args: [q, out] });
  p.start();
  assertEquals(await out.get(), "0,1,2");
  await p.join();
  const rest: number[] = [];
  while (!q.empty()) rest.push(q.getNowait());
  assertEquals(rest, Array.from({ length: 97 }, (_, i) => i + 3));
  // The ring still works after items were put back in front.
  q.putNowait(100);
  assertEquals(q.getNowait(), 100);
});

Deno.test("a RemoteQueue cannot be built by hand or passed on, and no queue or pipe method is patched onto a prototype", async (t) => {
  await using manager = new Manager({ port: 0, authkey: "k" });
  manager.register("q", new Queue<number>());
  const { port } = await manager.start();
  await using client = await Manager.connect({ port, authkey: "k" });
  const handle = client.queue<number>("q");
  await t.step("client.queue() returns a RemoteQueue", () => {
    assertInstanceOf(handle, RemoteQueue);
    assertEquals("qsize" in handle, false);
  });
  await t.step("no public constructor", () => {
    assertThrows(() => new RemoteQueue(), TypeError, "no public constructor");
  });
  await t.step(
    "passing it to a thread or a process says to pass the Queue",
    () => {
      const thread = new Thread({ target: (q: unknown) => q, args: [handle] });
      assertThrows(
        () => thread.start(),
        TypeError,
        "Cannot pass on a RemoteQueue",
      );
      const child = new Process({ target: (q: unknown) => q, args: [handle] });
      assertThrows(
        () => child.start(),
        TypeError,
        "Cannot pass on a RemoteQueue",
      );
    },
  );
  await t.step("prototypes carry only the public methods", () => {
    for (const name of ["putMany", "getMany", "unget", "joinRemote"]) {
      assertEquals(name in Queue.prototype, false, name);
      assertEquals(name in JoinableQueue.prototype, false, name);
    }
    assertEquals("sendMany" in Connection.prototype, false);
  });
});

Deno.test("items given back to a closed queue: kept after close(), dropped and counted done after close({ immediate: true })", () => {
  for (const immediate of [false, true]) {
    const ring = Ring.create(0, MAX_RING_BYTES);
    for (const item of ["a", "b"]) ring.tryPut(ring.prepare(item), true);
    const a = ring.tryGet({ found: false });
    ring.close(immediate);
    ring.unget([ring.prepare(a)]);
    assertEquals(
      [ring.count, ring.unfinished],
      immediate ? [0, 0] : [2, 2],
      `immediate: ${immediate}`,
    );
  }
});
