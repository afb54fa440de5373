// A Manager in its own process for manager_flood_test.ts: prints its port,
// then, for each line read from stdin, its RSS and connection counts (after a
// GC), so the test measures the manager alone, not the connections' other end.

import { Manager } from "../mod.ts";
import { Queue } from "../../queue/mod.ts";

const manager = new Manager({ port: 0, authkey: "flood" });
manager.register("q", new Queue<number>());
const { port } = await manager.start();
const out = (value: unknown) =>
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(value) + "\n"));
out({ port });
for await (const _ of Deno.stdin.readable) {
  (globalThis as { gc?: () => void }).gc?.();
  out({
    rss: Deno.memoryUsage().rss,
    connections: manager.connections,
    refused: manager.refused,
  });
}
await manager.shutdown();
