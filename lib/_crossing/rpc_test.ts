import {
  assert,
  assertEquals,
  assertIsError,
  assertRejects,
} from "@std/assert";
import { deadline } from "@std/async/deadline";
import { ConnectionClosedError, FrameError } from "../errors/connection.ts";
import { FramedConn } from "./frames.ts";
import { decodePayload } from "./payload.ts";
import { lend, RpcPeer, TimeoutError } from "./rpc.ts";
import { loopbackPair } from "./testdata/loopback.ts";

Deno.test("frames produced in one tick go out in a single write", async () => {
  const [client, server, listener] = await loopbackPair();
  let writes = 0;
  const counting = new Proxy(client, {
    get(target, key) {
      if (key === "write") {
        return (data: Uint8Array) => {
          writes++;
          return target.write(data);
        };
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const sender = new FramedConn(counting);
  const receiver = new FramedConn(server);
  for (let i = 0; i < 100; i++) sender.send(i);
  await sender.flush();
  assertEquals(writes, 1);
  for (let i = 0; i < 100; i++) {
    assertEquals(decodePayload((await receiver.readFrame())!), i);
  }
  sender.close();
  receiver.close();
  listener.close();
});

Deno.test("RpcPeer answers pipelined calls by id, in completion order", async () => {
  const [a, b, listener] = await loopbackPair();
  const server = new RpcPeer(b, {
    handler: async (method, params) => {
      const [value] = params as [number, number];
      if (method === "slow") await gates[value];
      return value * 2;
    },
  });
  let open: (() => void)[] = [];
  const gates = [0, 1, 2].map(() => new Promise<void>((r) => open.push(r)));
  const client = new RpcPeer(a);
  const order: number[] = [];
  const calls = [0, 1, 2].map((i) =>
    client.call("slow", [i, 0]).then((v) => (order.push(i), v))
  );
  const fast = await client.call("fast", [21, 0]);
  assertEquals(fast, 42, "a later call is not stuck behind slower ones");
  open[2]();
  open[0]();
  open[1]();
  assertEquals(await Promise.all(calls), [0, 2, 4]);
  assertEquals(order, [2, 0, 1]);
  open = [];
  client.close();
  await server.closed;
  listener.close();
});

Deno.test("RpcPeer carries errors with their class name, and notifications", async () => {
  const [a, b, listener] = await loopbackPair();
  const notes: unknown[] = [];
  let noted!: () => void;
  const gotNote = new Promise<void>((r) => (noted = r));
  const server = new RpcPeer(b, {
    handler: (method) => {
      if (method === "bad") {
        class NotFound extends Error {
          override name = "NotFound";
        }
        throw new NotFound("no such thing");
      }
      return () => {}; // not cloneable: the caller gets the error instead
    },
    onNotify: (method, params) => {
      notes.push([method, params]);
      noted();
    },
  });
  const client = new RpcPeer(a);
  const error = await assertRejects(() => client.call("bad", null));
  assertIsError(error, Error);
  assertEquals(error.name, "NotFound");
  assertEquals(error.message, "no such thing");
  const error2 = await assertRejects(() => client.call("uncloneable", null));
  assertIsError(error2, Error);
  assertEquals(error2.name, "DataCloneError");
  client.notify("hello", { n: 1 });
  await gotNote;
  assertEquals(notes, [["hello", { n: 1 }]]);
  assertEquals(
    await client.call("bad", null).catch(() => "still open"),
    "still open",
  );
  client.close();
  await server.closed;
  listener.close();
});

Deno.test("cancelling or timing out a call aborts the handler's signal on the other side", async () => {
  const [a, b, listener] = await loopbackPair();
  const aborted: string[] = [];
  const bothAborted = Promise.withResolvers<void>();
  let started!: () => void;
  let startedAgain!: () => void;
  const first = new Promise<void>((r) => (started = r));
  const second = new Promise<void>((r) => (startedAgain = r));
  const server = new RpcPeer(b, {
    handler: (method, _params, signal) =>
      new Promise((_resolve, reject) => {
        (method === "one" ? started : startedAgain)();
        signal.addEventListener("abort", () => {
          if (aborted.push(method) === 2) bothAborted.resolve();
          reject(signal.reason);
        });
      }),
  });
  const client = new RpcPeer(a);
  const controller = new AbortController();
  const one = client.call("one", null, { signal: controller.signal });
  await first;
  controller.abort(new Error("user gave up"));
  const error = await assertRejects(() => one);
  assertIsError(error, Error);
  assertEquals(error.message, "user gave up");
  const two = client.call("two", null, { timeout: 1 });
  await assertRejects(() => two, TimeoutError);
  await second;
  await deadline(bothAborted.promise, 5_000);
  assertEquals(aborted.sort(), ["one", "two"]);
  client.close();
  await server.closed;
  listener.close();
});

Deno.test("closing the connection rejects pending calls and aborts running handlers", async () => {
  const [a, b, listener] = await loopbackPair();
  let running!: () => void;
  const isRunning = new Promise<void>((r) => (running = r));
  let handlerSignal: AbortSignal | undefined;
  const server = new RpcPeer(b, {
    handler: (_m, _p, signal) => {
      handlerSignal = signal;
      running();
      return new Promise(() => {});
    },
  });
  const client = new RpcPeer(a);
  const pending = client.call("forever", null);
  await isRunning;
  client.close();
  await assertRejects(() => pending, ConnectionClosedError);
  await server.closed;
  assertEquals(handlerSignal?.aborted, true);
  await assertRejects(() => client.call("after", null), ConnectionClosedError);
  listener.close();
});

Deno.test("a lent answer stays the caller's once received, and is taken back otherwise", async (t) => {
  // The owner lends "item" on every "take"; `lost` counts take-backs.
  const owner = (conn: Deno.Conn) => {
    let lost = 0;
    const peer = new RpcPeer(conn, {
      handler: (method) =>
        method === "take" ? lend("item", () => lost++) : "pong",
    });
    return { peer, lost: () => lost };
  };

  await t.step(
    "received by a caller: not taken back, even when it closes later",
    async () => {
      const [a, b, listener] = await loopbackPair();
      const { peer, lost } = owner(b);
      const caller = new RpcPeer(a);
      assertEquals(await caller.call("take", null), "item");
      // Served after the receipt, which travelled before this call.
      assertEquals(await caller.call("ping", null), "pong");
      caller.close();
      await peer.closed;
      assertEquals(lost(), 0);
      listener.close();
    },
  );

  await t.step(
    "the receipt shares the write of the caller's next call",
    async () => {
      const [a, b, listener] = await loopbackPair();
      const { peer } = owner(b);
      let writes = 0;
      const counting = new Proxy(a, {
        get(target, key) {
          if (key === "write") {
            return (data: Uint8Array) => {
              writes++;
              return target.write(data);
            };
          }
          const value = Reflect.get(target, key);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      const caller = new RpcPeer(counting);
      for (let i = 0; i < 10; i++) await caller.call("take", null);
      assertEquals(writes, 10);
      caller.close();
      await peer.closed;
      listener.close();
    },
  );

  await t.step(
    "the connection closes before the receipt: taken back once",
    async () => {
      const [a, b, listener] = await loopbackPair();
      const { peer, lost } = owner(b);
      const raw = new FramedConn(a);
      raw.send([0, 1, "take", null]);
      assertEquals(decodePayload((await raw.readFrame())!), [5, 1, "item"]);
      raw.close();
      await peer.closed;
      assertEquals(lost(), 1);
      listener.close();
    },
  );

  await t.step(
    "refused by a caller that stopped waiting: taken back at once",
    async () => {
      const [a, b, listener] = await loopbackPair();
      const { peer, lost } = owner(b);
      const raw = new FramedConn(a);
      raw.send([0, 1, "take", null]);
      await raw.readFrame();
      raw.send([7, 1]);
      raw.send([0, 2, "ping", null]);
      assertEquals(decodePayload((await raw.readFrame())!), [1, 2, "pong"]);
      assertEquals(lost(), 1);
      raw.close();
      await peer.closed;
      assertEquals(lost(), 1);
      listener.close();
    },
  );

  await t.step(
    "a caller refuses a lent answer it no longer waits for",
    async () => {
      const [a, b, listener] = await loopbackPair();
      const caller = new RpcPeer(a);
      const raw = new FramedConn(b);
      raw.send([5, 99, "unasked"]);
      assertEquals(decodePayload((await raw.readFrame())!), [7, 99]);
      caller.close();
      raw.close();
      listener.close();
    },
  );
});

Deno.test("garbage, an HTTP request or a huge length prefix close only that connection", async (t) => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const served: RpcPeer[] = [];
  // Resolved by each accepted connection, then renewed: the handshake that
  // tells a step its connection is being served.
  let accepted = Promise.withResolvers<void>();
  const accepting = (async () => {
    for await (const conn of listener) {
      served.push(
        new RpcPeer(conn, { handler: (_m, p) => p, maxFrameSize: 1024 }),
      );
      accepted.resolve();
      accepted = Promise.withResolvers<void>();
    }
  })();
  const good = new RpcPeer(await Deno.connect({ hostname: "127.0.0.1", port }));
  assertEquals(await good.call("echo", "before"), "before");
  const attacks: [string, Uint8Array][] = [
    [
      "HTTP request",
      new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
    ],
    ["huge length prefix", new Uint8Array([0x7f, 0xff, 0xff, 0xff, 1, 2, 3])],
    [
      "valid length, garbage payload",
      new Uint8Array([0, 0, 0, 3, 0x56, 0xff, 0xfe]),
    ],
    [
      "valid JSON, not an RPC message",
      new Uint8Array([0, 0, 0, 3, 0x4a, 0x34, 0x32]),
    ],
  ];
  for (const [name, bytes] of attacks) {
    await t.step(name, async () => {
      const count = served.length;
      const bad = await Deno.connect({ hostname: "127.0.0.1", port });
      await bad.write(bytes);
      while (served.length === count) {
        await deadline(accepted.promise, 5_000);
      }
      const reason = await served[count].closed;
      assert(reason instanceof FrameError, String(reason));
      // The server closed it: reading reaches end of stream.
      assertEquals(await bad.read(new Uint8Array(16)), null);
      bad.close();
      assertEquals(
        await good.call("echo", name),
        name,
        "other connections keep working",
      );
    });
  }
  await t.step(
    "an outgoing message over the limit rejects that call only",
    async () => {
      const small = new RpcPeer(
        await Deno.connect({ hostname: "127.0.0.1", port }),
        {
          maxFrameSize: 1024,
        },
      );
      await assertRejects(
        () => small.call("echo", "x".repeat(2000)),
        FrameError,
      );
      assertEquals(await small.call("echo", "fits"), "fits");
      small.close();
    },
  );
  good.close();
  listener.close();
  await accepting;
  for (const peer of served) {
    peer.close();
    await peer.closed;
  }
});
