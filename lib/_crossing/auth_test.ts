import {
  assert,
  assertEquals,
  assertIsError,
  assertMatch,
  assertRejects,
} from "@std/assert";
import { deadline } from "@std/async/deadline";
import {
  authenticateClient,
  authenticateServer,
  AuthenticationError,
  timingSafeEqual,
} from "./auth.ts";
import { FramedConn } from "./frames.ts";
import { RpcPeer } from "./rpc.ts";

/** A server that authenticates every connection, then echoes over RPC. */
function server(key: string) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const outcomes: (string | Error)[] = [];
  const peers: RpcPeer[] = [];
  const done = (async () => {
    for await (const conn of listener) {
      const frames = new FramedConn(conn);
      try {
        await authenticateServer(frames, key);
        outcomes.push("ok");
        peers.push(new RpcPeer(frames, { handler: (_m, p) => p }));
      } catch (error) {
        outcomes.push(error as Error);
      }
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    outcomes,
    async close() {
      listener.close();
      await done;
      for (const peer of peers) {
        peer.close();
        await peer.closed;
      }
    },
  };
}

async function connect(port: number, key: string): Promise<RpcPeer> {
  const frames = new FramedConn(
    await Deno.connect({ hostname: "127.0.0.1", port }),
  );
  await authenticateClient(frames, key);
  return new RpcPeer(frames);
}

Deno.test("both sides holding the key authenticate and then talk", async () => {
  const s = server("secret");
  const client = await connect(s.port, "secret");
  assertEquals(await client.call("echo", "hi"), "hi");
  client.close();
  await s.close();
  assertEquals(s.outcomes, ["ok"]);
});

Deno.test("a wrong key is refused: AuthenticationError on the client, the server drops it and goes on", async () => {
  const s = server("secret");
  const error = await assertRejects(
    () => connect(s.port, "guess"),
    AuthenticationError,
  );
  assertMatch(error.message, /same authkey/);
  const client = await connect(s.port, "secret");
  assertEquals(
    await client.call("echo", 1),
    1,
    "the server still serves the right key",
  );
  client.close();
  await s.close();
  assert(s.outcomes[0] instanceof AuthenticationError);
  assertEquals(s.outcomes[1], "ok");
});

Deno.test("client and server with different keys never get past the handshake", async () => {
  // The impostor answers the client's challenge wrongly: it lacks the key.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const impostor = (async () => {
    const frames = new FramedConn(await listener.accept());
    await authenticateServer(frames, "other").catch((error) => error);
    frames.close();
  })();
  const frames = new FramedConn(
    await Deno.connect({
      hostname: "127.0.0.1",
      port: (listener.addr as Deno.NetAddr).port,
    }),
  );
  await assertRejects(
    () => authenticateClient(frames, "secret"),
    AuthenticationError,
  );
  await impostor;
  listener.close();
});

Deno.test("a client that speaks another protocol is refused without harming the server", async (t) => {
  const s = server("secret");
  const garbage: [string, string][] = [
    ["HTTP request", "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"],
    ["short frame of junk", "\x00\x00\x00\x04junk"],
  ];
  for (const [name, text] of garbage) {
    await t.step(name, async () => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: s.port });
      await conn.write(new TextEncoder().encode(text));
      const buffer = new Uint8Array(256);
      await deadline(
        (async () => {
          while (
            (await conn.read(buffer)) !== null
          ) { /* drain until the server closes */ }
        })(),
        5_000,
      ).finally(() => conn.close());
    });
  }
  const client = await connect(s.port, "secret");
  assertEquals(await client.call("echo", "alive"), "alive");
  client.close();
  await s.close();
  assertEquals(
    s.outcomes.filter((o) => o instanceof AuthenticationError).length,
    2,
  );
});

Deno.test("a peer that never answers times the handshake out", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const silent = await Deno.connect({
    hostname: "127.0.0.1",
    port: (listener.addr as Deno.NetAddr).port,
  });
  const frames = new FramedConn(await listener.accept());
  assertIsError(
    await assertRejects(() =>
      authenticateServer(frames, "secret", { timeout: 1 })
    ),
    Error,
    /did not finish within 1 ms/,
  );
  silent.close();
  listener.close();
});

Deno.test("timingSafeEqual compares contents and lengths", () => {
  const a = new Uint8Array([1, 2, 3]);
  assertEquals(timingSafeEqual(a, new Uint8Array([1, 2, 3])), true);
  assertEquals(timingSafeEqual(a, new Uint8Array([1, 2, 4])), false);
  assertEquals(timingSafeEqual(a, new Uint8Array([1, 2])), false);
});
