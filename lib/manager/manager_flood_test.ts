import { assert, assertEquals } from "@std/assert";
import { TextLineStream } from "@std/streams";
import { Manager } from "./mod.ts";

const MASTER = new URL("./testdata/flood_master.ts", import.meta.url).pathname;
const SILENT = 2000;
// What 2,000 connections cost a manager that allocated its buffers before
// the handshake: ~340 MB. Holding 2,000 bare sockets costs ~10 MB.
const BOUND_MB = 150;

Deno.test("2,000 silent connections cost a manager little memory, and an honest client is still served", async () => {
  const master = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", MASTER],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const lines = master.stdout.pipeThrough(new TextDecoderStream())
    .pipeThrough(new TextLineStream())[Symbol.asyncIterator]();
  const writer = master.stdin.getWriter();
  const report = async () => {
    await writer.write(new TextEncoder().encode("report\n"));
    return JSON.parse((await lines.next()).value!);
  };
  const silent: Deno.Conn[] = [];
  try {
    const { port } = JSON.parse((await lines.next()).value!);
    const before = await report();
    for (let i = 0; i < SILENT; i++) {
      silent.push(await Deno.connect({ hostname: "127.0.0.1", port }));
    }
    await using client = await Manager.connect({ port, authkey: "flood" });
    const q = client.queue<number>("q");
    await q.put(42);
    assertEquals(await q.get({ timeout: 10_000 }), 42);
    const after = await report();
    const grownMb = (after.rss - before.rss) / 2 ** 20;
    assert(
      grownMb < BOUND_MB,
      `the manager grew by ${
        grownMb.toFixed(1)
      } MB for ${SILENT} silent connections`,
    );
    // Beyond maxPendingConnections (64) the oldest silent ones were dropped.
    assert(after.refused >= SILENT - 64, `refused ${after.refused}`);
    assertEquals(after.connections, 1);
  } finally {
    for (const conn of silent) conn.close();
    await writer.close();
    await master.status;
  }
});
