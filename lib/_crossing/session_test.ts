import {
  assertEquals,
  assertIsError,
  assertRejects,
  assertThrows,
} from "@std/assert";
import { deadline } from "@std/async/deadline";
import { AuthenticationError } from "./auth.ts";
import { NamedObjects, type RemoteSession } from "./session.ts";
import { openSession } from "./opener.ts";
import { codecFor } from "./codec.ts";
import { Tally } from "../process/testdata/process_targets.ts";

/** A TCP server serving `named` to every authenticated client. */
function serve(named: NamedObjects, key: string) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const sessions: RemoteSession[] = [];
  const first = Promise.withResolvers<RemoteSession>();
  const done = (async () => {
    for await (const conn of listener) {
      try {
        sessions.push(
          await openSession(conn, key, { side: "server", named }),
        );
        first.resolve(sessions[0]);
      } catch { /* refused */ }
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    sessions,
    /** The first session the server opened, once it has opened it. */
    firstSession: () => deadline(first.promise, 5_000),
    async close() {
      listener.close();
      await done;
      for (const s of sessions) {
        s.close();
        await s.closed;
      }
    },
  };
}

async function dial(port: number, key: string): Promise<RemoteSession> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  return await openSession(conn, key, { side: "client" });
}

Deno.test("a named object is reachable from an authenticated peer through its codec's proxy", async () => {
  const tally = new Tally();
  const named = new NamedObjects();
  named.register("tally", tally);
  const server = serve(named, "k");
  const client = await dial(server.port, "k");
  const call = client.remote("n:tally");
  const remote = {
    add: (n: number) => call("add", [n]) as Promise<number>,
  };
  assertEquals(await remote.add(2), 2);
  assertEquals(await remote.add(3), 5);
  assertEquals(tally.total, 5);
  assertIsError(
    await assertRejects(() => client.remote("n:missing")("get", [])),
    Error,
    /No object is registered under the name 'missing'/,
  );
  assertIsError(
    await assertRejects(() => client.remote("n:tally")("constructor", [])),
    Error,
    /no remotely callable method/,
  );
  client.close();
  await server.close();
});

Deno.test("objects passed to a peer are exported per connection and released when it closes", async () => {
  const named = new NamedObjects();
  const server = serve(named, "k");
  const client = await dial(server.port, "k");
  const served = await server.firstSession();
  const tally = new Tally();
  // What encodeValue(tally, client.table) does when the client passes it along.
  assertEquals(client.table.export(tally, codecFor("TestTally")!), "o1");
  assertEquals(
    client.table.export(tally, codecFor("TestTally")!),
    "o1",
    "same object, same id",
  );
  assertEquals(client.table.size, 1);
  const call = served.remote("o1");
  assertEquals(await call("add", [4]), 4);
  assertEquals(tally.total, 4);
  client.close();
  await client.closed;
  assertEquals(client.table.size, 0);
  await server.close();
});

Deno.test("a wrong key never reaches the objects", async () => {
  const named = new NamedObjects();
  named.register("tally", new Tally());
  const server = serve(named, "right");
  await assertRejects(() => dial(server.port, "wrong"), AuthenticationError);
  await server.close();
  assertEquals(server.sessions.length, 0);
});

Deno.test("only library objects that cross processes can be registered", () => {
  const named = new NamedObjects();
  assertIsError(
    assertThrows(() => named.register("plain", {})),
    Error,
    /Cannot register 'plain'/,
  );
});

Deno.test("the owner forgets an object once the peer's proxies of it are garbage collected", async () => {
  const script = new URL("./testdata/remote_gc.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", script],
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, stderr);
  assertEquals(
    new TextDecoder().decode(out.stdout),
    "exported 3\nafter gc 1\nkept still works 3\n",
  );
});
