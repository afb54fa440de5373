import {
  assert,
  assertEquals,
  assertIsError,
  assertMatch,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { deadline } from "@std/async/deadline";
import { delay } from "@std/async/delay";
import { authenticateClient } from "../_crossing/auth.ts";
import { FramedConn } from "../_crossing/frames.ts";
import { Empty, Queue } from "../queue/queue.ts";
import { Event } from "../sync/event.ts";
import {
  AuthenticationError,
  ConnectionClosedError,
  Manager,
  ManagerClient,
  type ManagerOptions,
} from "./manager.ts";

const KEY = "abc";

async function serve(options: Partial<ManagerOptions> = {}) {
  const manager = new Manager({ port: 0, authkey: KEY, ...options });
  manager.register("task_queue", new Queue<number>());
  manager.register("result_queue", new Queue<string>());
  manager.register("ready", new Event());
  const { port } = await manager.start();
  return { manager, port };
}

/**
 * Reads until the server closes the connection; true if it did within 5 s
 * (a server that never closes fails the test instead of hanging it).
 */
async function closedByServer(conn: Deno.Conn): Promise<boolean> {
  const buf = new Uint8Array(1024);
  try {
    await deadline(
      (async () => {
        while ((await conn.read(buf)) !== null) { /* handshake bytes */ }
      })(),
      5_000,
    );
  } catch (error) {
    if (!(error instanceof Deno.errors.ConnectionReset)) throw error;
  } finally {
    conn.close();
  }
  return true;
}

/**
 * Waits until the master's own count catches up: a client sees its refusal
 * (or its end) before the master's serving task has counted it, so reading
 * the count at once races the master under load. Fails after 5 s.
 */
async function eventually(done: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5_000;
  while (!done()) {
    if (Date.now() > end) throw new Error(`Still not ${what} after 5 s`);
    await delay(5);
  }
}

async function tutorialExchange(port: number, manager: Manager): Promise<void> {
  await using client = await Manager.connect({ port, authkey: KEY });
  const task = client.queue<number>("task_queue");
  const result = client.queue<string>("result_queue");
  const tasks = manager.get<Queue<number>>("task_queue");
  const results = manager.get<Queue<string>>("result_queue");
  for (const n of [2732, 1122, 6716]) await tasks.put(n);
  for (let i = 0; i < 3; i++) {
    const n = await task.get({ timeout: 1000 });
    await result.put(`${n} * ${n} = ${n * n}`);
  }
  const got = [await results.get(), await results.get(), await results.get()];
  assertEquals(got, [
    "2732 * 2732 = 7463824",
    "1122 * 1122 = 1258884",
    "6716 * 6716 = 45104656",
  ]);
}

Deno.test("A worker with the right authkey works on the master's queues by name", async () => {
  const { manager, port } = await serve();
  await using _ = manager;
  await tutorialExchange(port, manager);
});

Deno.test("A remote get({ timeout }) rejects with Empty when the master's queue stays empty", async () => {
  const { manager, port } = await serve();
  await using _ = manager;
  await using client = await Manager.connect({ port, authkey: KEY });
  await assertRejects(
    () => client.queue("task_queue").get({ timeout: 20 }),
    Empty,
  );
});

Deno.test("A wrong authkey is refused with AuthenticationError and the master goes on serving", async () => {
  const { manager, port } = await serve();
  await using _ = manager;
  const error = await assertRejects(
    () => Manager.connect({ port, authkey: "wrong" }),
    AuthenticationError,
  );
  assertMatch(error.message, /same authkey/);
  await assertRejects(
    () => Manager.connect({ port, authkey: new Uint8Array([97, 98]) }),
    AuthenticationError,
  );
  await eventually(() => manager.refused >= 2, "2 refused");
  assertEquals(manager.refused, 2);
  await tutorialExchange(port, manager);
});

Deno.test("client.queue() of an unknown name names it and lists the registered names", async () => {
  const { manager, port } = await serve();
  await using _ = manager;
  await using client = await Manager.connect({ port, authkey: KEY });
  const error = assertThrows(() => client.queue("get_task_queue"));
  assertIsError(
    error,
    Error,
    /'get_task_queue'|"get_task_queue".*registered: 'task_queue', 'result_queue', 'ready'/,
  );
  assertEquals(error.name, "ReferenceError");
  const error2 = assertThrows(() => client.queue("ready"));
  assertIsError(error2, Error, /'ready' .* is an Event, not a Queue/);
  assertEquals(error2.name, "TypeError");
  const error3 = assertThrows(() => manager.get("nope"));
  assertIsError(error3, Error, /"nope".*'task_queue'/);
  assertEquals(error3.name, "ReferenceError");
  assertEquals(client.names(), ["task_queue", "result_queue", "ready"]);
});

Deno.test("client.event() sets and waits on the master's Event", async () => {
  const { manager, port } = await serve();
  await using _ = manager;
  await using client = await Manager.connect({ port, authkey: KEY });
  const ready = client.event("ready");
  assertEquals(await ready.isSet(), false);
  assertEquals(await ready.wait(1), false);
  await ready.set();
  assertEquals(manager.get<Event>("ready").isSet(), true);
  assertEquals(await ready.wait(), true);
});

Deno.test("Garbage before authentication closes that connection only", async (t) => {
  const { manager, port } = await serve();
  await using _ = manager;
  const cases: [string, Uint8Array][] = [
    ["random bytes", crypto.getRandomValues(new Uint8Array(64))],
    [
      "an HTTP request",
      new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
    ],
    ["a huge length prefix", new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3])],
  ];
  for (const [name, bytes] of cases) {
    await t.step(name, async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      await conn.write(bytes).catch(() => 0);
      assert(await closedByServer(conn));
    });
  }
  await t.step(
    "a connection that says nothing, after handshakeTimeout",
    async () => {
      const quick = await serve({ handshakeTimeout: 50 });
      await using _quick = quick.manager;
      const conn = await Deno.connect({
        hostname: "127.0.0.1",
        port: quick.port,
      });
      assert(await closedByServer(conn));
    },
  );
  await eventually(() => manager.refused >= 3, "3 refused");
  assertEquals(manager.refused, 3);
  await tutorialExchange(port, manager);
});

Deno.test("Garbage after authentication closes that connection only", async (t) => {
  const { manager, port } = await serve();
  await using _ = manager;
  const cases: [string, Uint8Array][] = [
    ["a huge length prefix", new Uint8Array([0xff, 0xff, 0xff, 0xf0])],
    ["an undecodable frame", new Uint8Array([0, 0, 0, 3, 0x4a, 0x7b, 0x7b])],
    [
      "a frame that is not an RPC message",
      new Uint8Array([0, 0, 0, 3, 0x4a, 0x34, 0x32]),
    ],
  ];
  for (const [name, bytes] of cases) {
    await t.step(name, async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      const frames = new FramedConn(conn);
      await authenticateClient(frames, KEY);
      await conn.write(bytes);
      const buf = new Uint8Array(64);
      await deadline(
        (async () => {
          while (
            (await conn.read(buf).catch(() => null)) !== null
          ) { /* until closed */ }
        })(),
        5_000,
      ).finally(() => frames.close());
    });
  }
  await tutorialExchange(port, manager);
});

Deno.test("A client killed while blocked in get() loses nothing: its get is cancelled on the master", async () => {
  const { manager, port } = await serve();
  await using _ = manager;
  const jobs = new Queue<number>();
  const blocked = new Event();
  manager.register("jobs", jobs).register("blocked", blocked);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./testdata/blocked_get.ts", import.meta.url).pathname,
      String(port),
      KEY,
    ],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  await blocked.wait(); // the child's get() reached the master before this set()
  child.kill("SIGKILL");
  await child.status;
  await eventually(() => manager.connections === 0, "disconnected");
  await jobs.put(42);
  assertEquals(jobs.qsize(), 1);
  await using client = await Manager.connect({ port, authkey: KEY });
  assertEquals(await client.queue<number>("jobs").get({ timeout: 1000 }), 42);
});

Deno.test("A client that closes right after a get() keeps its item: the master does not put it back", async () => {
  const { manager, port } = await serve();
  await using _ = manager;
  const jobs = manager.get<Queue<number>>("task_queue");
  jobs.putNowait(1);
  const client = await Manager.connect({ port, authkey: KEY });
  assertEquals(await client.queue<number>("task_queue").get(), 1);
  await client.close();
  // Until the master has seen the connection end (and given back what was
  // still lent), bounded.
  await deadline(
    (async () => {
      while (manager.connections > 0) await delay(5);
    })(),
    10_000,
  );
  assertEquals(jobs.qsize(), 0);
});

Deno.test("callTimeout rejects a get() with TimeoutError and cancels it on the master", async () => {
  const { manager, port } = await serve();
  await using _ = manager;
  await using client = await Manager.connect({
    port,
    authkey: KEY,
    // 500 ms, not 30: every call of this client has callTimeout on top of
    // its own timeout, and get({ timeout: 0 })'s round trip took over 30 ms
    // on a loaded machine (flaky).
    callTimeout: 500,
  });
  const task = client.queue<number>("task_queue");
  const error = await assertRejects(() => task.get());
  assertIsError(error, Error);
  assertEquals(error.name, "TimeoutError");
  // Calls are served in order: once this answers, the cancel was handled.
  await assertRejects(() => task.get({ timeout: 0 }), Empty);
  await manager.get<Queue<number>>("task_queue").put(7);
  assertEquals(await task.get({ timeout: 1000 }), 7);
});

Deno.test("Pipelined calls from one client are all answered, in order", async () => {
  const { manager, port } = await serve();
  await using _ = manager;
  await using client = await Manager.connect({ port, authkey: KEY });
  const task = client.queue<number>("task_queue");
  const n = 2000;
  const puts = Array.from(
    { length: n },
    (_, i) => task.put(i, { timeout: 1000 }),
  );
  const gets = Array.from({ length: n }, () => task.get({ timeout: 1000 }));
  await Promise.all(puts);
  assertEquals(await Promise.all(gets), Array.from({ length: n }, (_, i) => i));
});

Deno.test("An item over the frame size limit is refused, and the connection stays usable", async () => {
  const { manager, port } = await serve();
  await using _ = manager;
  await using client = await Manager.connect({
    port,
    authkey: KEY,
    maxFrameSize: 64 * 1024,
  });
  const task = client.queue<string>("task_queue");
  const error = await assertRejects(() =>
    task.put("x".repeat(100_000), { timeout: 1000 })
  );
  assertIsError(error, Error, /maximum frame size is 65536 bytes/);
  assertEquals(error.name, "FrameError");
  await task.put("small", { timeout: 1000 });
  assertEquals(await task.get({ timeout: 1000 }), "small");
});

Deno.test("A frame over the master's limit closes that client's connection only", async () => {
  const { manager, port } = await serve({ maxFrameSize: 64 * 1024 });
  await using _ = manager;
  await using big = await Manager.connect({ port, authkey: KEY });
  await assertRejects(
    () => big.queue("task_queue").put("x".repeat(100_000), { timeout: 1000 }),
    ConnectionClosedError,
  );
  await big.closed;
  await tutorialExchange(port, manager);
  assertEquals(manager.get<Queue<number>>("task_queue").qsize(), 0);
});

Deno.test("shutdown() rejects the calls clients wait in and keeps every item", async () => {
  const { manager, port } = await serve();
  const client = await Manager.connect({ port, authkey: KEY });
  const waiting = assertRejects(
    () => client.queue("task_queue").get(),
    ConnectionClosedError,
  );
  await client.event("ready").set(); // the get() is being served
  await manager.shutdown();
  await waiting;
  await client.close();
  const tasks = manager.get<Queue<number>>("task_queue");
  await tasks.put(1);
  assertEquals(tasks.qsize(), 1);
  await assertRejects(
    () => Manager.connect({ port, authkey: KEY }),
    Deno.errors.ConnectionRefused,
  );
});

Deno.test("A TLS manager serves clients that trust its certificate", async (t) => {
  const pem = await selfSignedCertificate();
  if (!pem) {
    await t.step({
      name: "skipped: openssl is not installed",
      ignore: true,
      fn() {},
    });
    return;
  }
  const { manager, port } = await serve({ tls: pem });
  await using _ = manager;
  await using client = await Manager.connect({
    port,
    authkey: KEY,
    tls: { caCerts: [pem.cert] },
  });
  const task = client.queue<number>("task_queue");
  await task.put(3411);
  assertEquals(await task.get({ timeout: 1000 }), 3411);
  assertIsError(
    await assertRejects(() =>
      Manager.connect({ port, authkey: KEY, tls: true })
    ),
    Error,
    /certificate/i,
  );
  await assertRejects(
    () =>
      Manager.connect({ port, authkey: "wrong", tls: { caCerts: [pem.cert] } }),
    AuthenticationError,
  );
});

Deno.test("Bad options are refused up front, naming the option", async (t) => {
  const cases: [string, () => unknown, RegExp][] = [
    [
      "port",
      () => new Manager({ port: -1, authkey: KEY }),
      /'port' must be an integer from 0 to 65535.*received -1/,
    ],
    [
      "authkey",
      () => new Manager({ port: 0, authkey: "" }),
      /'authkey' must be a non-empty string/,
    ],
    [
      "hostname",
      () => new Manager({ hostname: "", port: 0, authkey: KEY }),
      /'hostname'/,
    ],
    [
      "tls",
      () => new Manager({ port: 0, authkey: KEY, tls: { cert: "x" } as never }),
      /'tls' must be \{ cert, key \}/,
    ],
    [
      "maxFrameSize",
      () => new Manager({ port: 0, authkey: KEY, maxFrameSize: 10 }),
      /'maxFrameSize'/,
    ],
    [
      "maxPendingConnections",
      () => new Manager({ port: 0, authkey: KEY, maxPendingConnections: 0 }),
      /'maxPendingConnections' must be a positive integer: received 0/,
    ],
    [
      "register name",
      () => new Manager({ port: 0, authkey: KEY }).register("", new Queue()),
      /'name'/,
    ],
    [
      "register a plain object",
      () => new Manager({ port: 0, authkey: KEY }).register("x", {}),
      /has no public methods for clients to call/,
    ],
  ];
  for (const [name, make, message] of cases) {
    await t.step(name, () => {
      const error = assertThrows(make);
      assertIsError(error, Error, message);
      assertEquals(error.name, "TypeError");
    });
  }
  await t.step("connect port", async () => {
    assertIsError(
      await assertRejects(() => Manager.connect({ port: 0, authkey: KEY })),
      Error,
      /'port' must be an integer from 1/,
    );
  });
  await t.step("connect callTimeout", async () => {
    assertIsError(
      await assertRejects(() =>
        Manager.connect({ port: 1, authkey: KEY, callTimeout: -5 })
      ),
      Error,
      /'callTimeout'/,
    );
  });
});

async function selfSignedCertificate(): Promise<
  { cert: string; key: string } | undefined
> {
  const dir = await Deno.makeTempDir();
  try {
    const { success } = await new Deno.Command("openssl", {
      args: [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-addext",
        "basicConstraints=critical,CA:FALSE",
        "-keyout",
        `${dir}/key.pem`,
        "-out",
        `${dir}/cert.pem`,
      ],
      stdout: "null",
      stderr: "null",
    }).output();
    if (!success) return undefined;
    return {
      cert: await Deno.readTextFile(`${dir}/cert.pem`),
      key: await Deno.readTextFile(`${dir}/key.pem`),
    };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("close() returns once the master holds every item the client put", async () => {
  const { manager, port } = await serve();
  await using _ = manager;
  const client = await Manager.connect({ port, authkey: KEY });
  const results = client.queue<string>("result_queue");
  for (let i = 0; i < 1000; i++) await results.put(`result ${i}`);
  await client.close();
  const local = manager.get<Queue<string>>("result_queue");
  assertEquals(local.qsize(), 1000);
  assertEquals(await local.get(), "result 0");
});

Deno.test("A get() right after put()s on one connection sees them without waiting for their ack", async () => {
  const { manager, port } = await serve();
  await using _ = manager;
  await using client = await Manager.connect({ port, authkey: KEY });
  const task = client.queue<number>("task_queue");
  for (let i = 0; i < 500; i++) {
    await task.put(i); // resolves before the master has it
    await task.put(i + 0.5);
    assertEquals(await task.get({ timeout: 0 }), i);
    assertEquals(await task.get({ timeout: 0 }), i + 0.5);
  }
});

Deno.test("new ManagerClient() says to use Manager.connect()", () => {
  const error = assertThrows(() => new ManagerClient());
  assertIsError(error, Error, /Manager\.connect\(/);
  assertEquals(error.name, "TypeError");
});

Deno.test("A client's items keep their order whether the walk vouched for them or only their encoding could; an unsendable one is refused alone", async () => {
  const { manager, port } = await serve();
  await using _ = manager;
  await using client = await Manager.connect({ port, authkey: KEY });
  class Point {
    constructor(public x: number, public y: number) {}
  }
  const tasks = client.queue<unknown>("task_queue");
  const refused = assertRejects(
    () => tasks.put({ steps: (function* () {})() }),
    TypeError,
  );
  const puts = [
    tasks.put(1),
    tasks.put(new Point(2, 3)), // an instance: encoded at put, sent as is
    tasks.put(new Map([[4, 5]])),
    tasks.put(new Point(6, 7)),
    tasks.put("last"),
  ];
  const error = await refused;
  assertMatch(error.message, /cannot be cloned.*Nothing was queued/s);
  await Promise.all(puts);
  const local = manager.get<Queue<unknown>>("task_queue");
  const got = [];
  for (let i = 0; i < 5; i++) got.push(await local.get({ timeout: 1000 }));
  assertEquals(got, [
    1,
    { x: 2, y: 3 },
    new Map([[4, 5]]),
    { x: 6, y: 7 },
    "last",
  ]);
  assertEquals(local.qsize(), 0);
});
