import {
  assert,
  assertEquals,
  assertInstanceOf,
  assertIsError,
  assertMatch,
  assertRejects,
  assertStrictEquals,
  assertThrows,
} from "@std/assert";
import { deadline } from "@std/async/deadline";
import { Full } from "../errors/queue.ts";
import { RuntimeError } from "../errors/base.ts";
import { JoinableQueue, Queue } from "../queue/queue.ts";
import { Barrier, BrokenBarrierError } from "../sync/barrier.ts";
import { Event } from "../sync/event.ts";
import { Lock } from "../sync/lock.ts";
import { Semaphore } from "../sync/semaphore.ts";
import { SharedArray, Value } from "../sync/value.ts";
import { openSession } from "../_crossing/opener.ts";
import { Manager } from "./manager.ts";
import { OverLimit, Tally } from "./testdata/proxy_objects.ts";

const KEY = "abc";
const GUARD = 60_000; // a guard against hangs on a loaded machine, not a measure

function child(port: number, mode: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./testdata/proxy_client.ts", import.meta.url).pathname,
      String(port),
      KEY,
      mode,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
}

async function untilDisconnected(manager: Manager): Promise<void> {
  while (manager.connections > 0) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

Deno.test("Every kind of object the master registers is used from a client in another process", async () => {
  await using manager = new Manager({ port: 0, authkey: KEY });
  const value = new Value("i32", 5);
  const array = new SharedArray("i32", 3);
  const lock = new Lock();
  const sem = new Semaphore(2);
  const barrier = new Barrier(2);
  const event = new Event();
  const queue = new Queue<string>();
  const jobs = new JoinableQueue<number>();
  const map = new Map<string, number>([["master", 0]]);
  const tally = new Tally();
  manager
    .register("value", value)
    .register("array", array)
    .register("lock", lock)
    .register("sem", sem)
    .register("barrier", barrier)
    .register("event", event)
    .register("queue", queue)
    .register("jobs", jobs)
    .register("map", map)
    .register("tally", tally)
    .register("Tally", Tally);
  const { port } = await manager.start();
  await jobs.put(42);
  const worker = child(port, "kinds");
  const [index, output] = await deadline(
    Promise.all([
      barrier.wait(),
      new Response(worker.stdout).text(),
    ]),
    GUARD,
  );
  assertEquals((await worker.status).code, 0);
  const out = JSON.parse(output);
  assertEquals(out.valueAdd, 5);
  assertEquals(out.valueGet, 8);
  assertEquals(value.value, 10);
  assertEquals(out.array, [0, 4, 9]);
  assertEquals(array.toArray(), [0, 4, 9]);
  assertEquals(out.lock, [true, true, false]);
  assertEquals(lock.locked(), false);
  assertEquals(out.sem, [true, true, false]);
  assertEquals(sem.tryAcquire() && sem.tryAcquire(), true);
  assertEquals([index, out.barrier].sort(), [0, 1]);
  assertEquals(event.isSet(), true);
  assertEquals(queue.getNowait(), "from the child");
  assertEquals(out.job, 42);
  assertEquals(jobs.unfinishedTasks, 0);
  assertEquals(out.mapKeys, ["master", "child"]);
  assertEquals(out.mapHas, true);
  assertEquals(map.get("child"), 1);
  assertEquals(out.tally, 5);
  assertEquals(tally.total, 5);
  assertEquals(out.created, 101);
});

Deno.test("client.proxy() of a Map and of a user's object calls their methods on the master", async () => {
  await using manager = new Manager({ port: 0, authkey: KEY });
  const map = new Map<string, unknown>();
  const tally = new Tally(1);
  manager.register("map", map).register("tally", tally);
  const { port } = await manager.start();
  await using client = await Manager.connect({ port, authkey: KEY });

  const px = client.proxy<Map<string, unknown>>("map");
  assertStrictEquals(await px.set("a", 1), px); // set returns its Map: the handle
  await px.set("when", new Date(0));
  assertEquals(await px.get("a"), 1);
  assertEquals(await px.get("when"), new Date(0)); // the payload rule: structured clone
  assertEquals(await px.entries(), [["a", 1], ["when", new Date(0)]]);
  assertEquals(await px.delete("a"), true);
  assertEquals([...map.keys()], ["when"]);
  assertStrictEquals(client.proxy("map"), px);

  const counter = client.proxy<Tally>("tally");
  assertEquals(await counter.add(2), 3);
  assertEquals(await counter.later(4), 7); // an async method is awaited on the master
  assertEquals(await counter.calls(), 2);
  assertEquals(tally.total, 7);
  assertEquals(
    Object.keys(counter).sort(),
    ["add", "calls", "failWith", "later"],
  );
});

Deno.test("An error thrown on the master keeps its class (library and built-in) or its name (the user's)", async () => {
  await using manager = new Manager({ port: 0, authkey: KEY });
  manager.register("tally", new Tally()).register("lock", new Lock());
  const { port } = await manager.start();
  await using client = await Manager.connect({ port, authkey: KEY });
  const tally = client.proxy<Tally>("tally");
  const full = await assertRejects(() => tally.failWith("full"), Full);
  assertEquals(full.message, "the tally is full");
  await assertRejects(() => tally.failWith("range"), RangeError);
  const own = await assertRejects(() => tally.failWith("over"), Error);
  assertEquals(own.name, "OverLimit");
  assertEquals(own.message, "over the limit");
  assert(!(own instanceof OverLimit)); // its class is the user's, not the library's
  await assertRejects(
    () => client.proxy<Lock>("lock").release(),
    RuntimeError,
  );
  assertEquals(await tally.add(1), 1); // the object still serves
});

Deno.test("A wrong name or method is refused and the master goes on serving", async (t) => {
  await using manager = new Manager({ port: 0, authkey: KEY });
  manager.register("tally", new Tally()).register("Tally", Tally);
  const { port } = await manager.start();
  await using client = await Manager.connect({ port, authkey: KEY });
  await t.step("an unknown name", () => {
    const error = assertThrows(() => client.proxy("tallies"));
    assertEquals((error as Error).name, "ReferenceError");
    assertMatch((error as Error).message, /"tallies".*'tally', 'Tally'/);
  });
  await t.step("a factory asked for as an object", () => {
    assertIsError(
      assertThrows(() => client.proxy("Tally")),
      TypeError,
      /client\.create\("Tally"/,
    );
  });
  await t.step("an unknown factory", async () => {
    const error = await assertRejects(() => client.create("Tallies"));
    assertEquals((error as Error).name, "ReferenceError");
    assertMatch((error as Error).message, /"Tallies".*factories: 'Tally'/);
  });
  await t.step("a method not served, sent by a hand-made client", async () => {
    assertEquals(
      (client.proxy<Tally>("tally") as unknown as Record<string, unknown>)
        ._secret,
      undefined,
    );
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const raw = await openSession(conn, KEY, { side: "client" });
    try {
      for (const method of ["_secret", "constructor", "__proto__", "then"]) {
        await assertRejects(
          () => raw.call("$obj", ["n:tally", method, []]),
          TypeError,
          `no remotely callable method '${method}'`,
        );
      }
      await assertRejects(
        () => raw.call("$obj", ["o99", "add", [1]]),
        ReferenceError,
      );
      await raw.call("$drop", ["n:tally"]); // names are not dropped
    } finally {
      raw.close();
    }
  });
  await t.step("arguments that cannot cross", async () => {
    const tally = client.proxy<Tally>("tally");
    await assertRejects(
      () => tally.add((() => 1) as unknown as number),
      TypeError,
      "cannot be sent to another process",
    );
  });
  assertEquals(await client.proxy<Tally>("tally").add(2), 2);
});

Deno.test("register(name, factory) makes one instance per create(), this client's until released", async () => {
  await using manager = new Manager({ port: 0, authkey: KEY });
  const shared = new Queue<string>();
  let made = 0;
  manager
    .register("Tally", Tally)
    .register("tallyFrom", (start: number) => {
      made++;
      return new Tally(start * 10);
    })
    .register("get_queue", () => shared) // Python's callable=lambda: queue
    .register("Lock", () => new Lock());
  const { port } = await manager.start();
  await using client = await Manager.connect({ port, authkey: KEY });
  const a = await client.create<Tally>("Tally", 1);
  const b = await client.create<Tally>("Tally");
  assertEquals(await a.add(1), 2);
  assertEquals(await b.add(1), 1);
  assertEquals(await a.add(1), 3);
  const c = await client.create<Tally>("tallyFrom", 2);
  assertEquals([await c.add(0), made], [20, 1]);

  const q = await client.create<Queue<string>>("get_queue");
  await q.put("same queue");
  assertEquals(await shared.get(), "same queue");

  const lock = await client.create<Lock>("Lock");
  const other = await client.create<Lock>("Lock");
  assertEquals(await lock.acquire(), true);
  assertEquals(await other.tryAcquire(), true); // another Lock

  await client.release(a);
  const error = await assertRejects(() => a.add(1));
  assertEquals((error as Error).name, "ReferenceError");
  assertMatch((error as Error).message, /released/);
  assertEquals(await b.add(1), 2);
  await assertRejects(() => client.release(a), TypeError, "released already");
  await assertRejects(() => client.release({}), TypeError, "not a handle");
});

Deno.test("The master forgets a released instance: a call that reaches it anyway is refused", async () => {
  await using manager = new Manager({ port: 0, authkey: KEY });
  manager.register("Tally", Tally);
  const { port } = await manager.start();
  await using client = await Manager.connect({ port, authkey: KEY });
  const a = await client.create<Tally>("Tally");
  // Calls sent before the release are served; the release comes after them.
  const before = a.add(1);
  const released = client.release(a);
  assertEquals(await before, 1);
  await released;
  await assertRejects(() => a.add(1), ReferenceError);
});

Deno.test("client.dict(), list() and namespace() are backed by a Map, an Array and an object on the master", async () => {
  await using manager = new Manager({ port: 0, authkey: KEY });
  const { port } = await manager.start();
  await using client = await Manager.connect({ port, authkey: KEY });
  await using other = await Manager.connect({ port, authkey: KEY });

  const d = await client.dict<string, number>([["a", 1]]);
  await d.set("b", 2);
  assertEquals(await d.get("a"), 1);
  assertEquals(await d.setDefault("a", 9), 1);
  assertEquals(await d.setDefault("c", 3), 3);
  assertEquals(await d.size(), 3);
  assertEquals(await d.keys(), ["a", "b", "c"]);
  assertEquals(await d.copy(), new Map([["a", 1], ["b", 2], ["c", 3]]));
  const d2 = await other.dict<string, number>();
  assertEquals(await d2.size(), 0); // one dict per call

  const l = await client.list<string>(["x"]);
  assertEquals(await l.push("y", "z"), 3);
  assertEquals(await l.get(-1), "z");
  assertEquals(await l.pop(0), "x");
  await l.insert(0, "w");
  assertEquals(await l.copy(), ["w", "y", "z"]);
  await assertRejects(() => l.get(7), RangeError, "from -3 to 2");
  await assertRejects(() => l.remove("nope"), RangeError);

  const ns = await client.namespace<{ x: number; y: string }>({ x: 1 });
  await ns.set("y", "hi");
  assertEquals(await ns.get("x"), 1);
  assertEquals(await ns.copy(), { x: 1, y: "hi" });
  await assertRejects(
    () => ns.get(5 as unknown as "x"),
    TypeError,
    "field names are strings",
  );
});

Deno.test("A client killed while blocked in a Lock's acquire() never takes the lock", async () => {
  await using manager = new Manager({ port: 0, authkey: KEY });
  const lock = new Lock();
  const blocked = new Event();
  manager.register("lock", lock).register("blocked", blocked);
  const { port } = await manager.start();
  assertEquals(lock.tryAcquire(), true);
  const worker = child(port, "lock");
  await deadline(blocked.wait(), GUARD); // its acquire reached the master first
  worker.kill("SIGKILL");
  await worker.status;
  await worker.stdout.cancel();
  await deadline(untilDisconnected(manager), GUARD);
  lock.release();
  assertEquals(lock.locked(), false); // the dead client's acquire was cancelled
  await using client = await Manager.connect({ port, authkey: KEY });
  assertEquals(
    await client.proxy<Lock>("lock").acquire({ timeout: 1000 }),
    true,
  );
});

Deno.test("A client killed while waiting at a Barrier breaks it, so the other parties do not wait forever", async () => {
  await using manager = new Manager({ port: 0, authkey: KEY });
  const barrier = new Barrier(3);
  const blocked = new Event();
  manager.register("barrier", barrier).register("blocked", blocked);
  const { port } = await manager.start();
  const mine = assertRejects(() => barrier.wait(), BrokenBarrierError);
  const worker = child(port, "barrier");
  await deadline(blocked.wait(), GUARD);
  worker.kill("SIGKILL");
  await worker.status;
  await worker.stdout.cancel();
  await deadline(mine, GUARD);
  assertEquals(barrier.broken, true);
});

Deno.test("register() refuses what it cannot serve, saying what can be", async (t) => {
  const manager = new Manager({ port: 0, authkey: KEY });
  const cases: [string, () => unknown, RegExp][] = [
    [
      "a plain data object",
      () => manager.register("x", { a: 1 }),
      /no public methods/,
    ],
    ["a reserved name", () => manager.register("$dict", new Map()), /reserved/],
    [
      "a number",
      () => manager.register("n", 5 as never),
      /only objects and factories/,
    ],
  ];
  for (const [name, make, message] of cases) {
    await t.step(name, () => {
      const error = assertThrows(make);
      assertIsError(error, TypeError, message);
    });
  }
  manager.register("ok", new Map()).register("Make", () => new Map());
  assertEquals(manager.names(), ["ok", "Make"]);
  assertInstanceOf(manager.get("ok"), Map);
});
