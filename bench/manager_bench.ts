// Distributed queues: the Manager against Python's BaseManager, and Redis
// Streams. `deno bench -A bench/manager_bench.ts`
//
// - "Manager put+get in sequence": one client doing put(i) then get(), one
//   pair after the other, over loopback TCP to a master in another process
//   (bar: >= 1x Python's BaseManager doing the same through its proxy,
//   bench/peers/manager_peer.py, skipped when python3 is missing).
// - "Manager pipelined": the same pairs issued without waiting for each
//   answer (requests carry ids, answers come back batched).
// - "RedisQueue": put+get in sequence, and pipelined puts then consume+ack,
//   on a redis-server this bench starts (skipped when it is not installed).

import { Manager } from "../lib/manager/manager.ts";
import { RedisQueue } from "../lib/redis/redis_queue.ts";
import {
  redisServerInstalled,
  startRedisServer,
} from "../lib/redis/_test_server.ts";

const PAIRS = 1000;
const cleanups: Array<() => void> = [];
globalThis.addEventListener("unload", () => {
  for (const cleanup of cleanups) cleanup();
});

/** A child process answering "done" to each "N" line on its stdin. */
interface Peer {
  run(n: number): Promise<void>;
}

async function startLinePeer(
  cmd: string,
  args: string[],
): Promise<Peer | undefined> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(cmd, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
  } catch {
    return undefined; // not installed: the row is skipped
  }
  // The peer leads its own process group (see manager_peer.py), so one
  // signal to the group also ends the server process it forked; a kill of
  // the peer alone, or an exit before it read end of input, would orphan it.
  cleanups.push(() => {
    try {
      Deno.kill(-child.pid, "SIGTERM");
    } catch {
      // Already gone.
    }
  });
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).values();
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  const next = async (): Promise<string> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`${cmd} peer exited`);
    return value.trim();
  };
  if ((await next()) !== "ready") throw new Error(`${cmd} peer did not start`);
  return {
    async run(n) {
      await writer.write(encoder.encode(`${n}\n`));
      while (!(await next()).startsWith("done")) { /* partial line */ }
    },
  };
}

// --- Manager vs BaseManager ----------------------------------------------------

const master = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    new URL("./_manager_master.ts", import.meta.url).pathname,
  ],
  stdout: "piped",
  stderr: "inherit",
}).spawn();
cleanups.push(() => master.kill("SIGKILL"));
const port = Number(
  (await master.stdout.pipeThrough(new TextDecoderStream()).values().next())
    .value,
);
const client = await Manager.connect({ port, authkey: "abc" });
const queue = client.queue<number>("task_queue");
const python = await startLinePeer("python3", [
  new URL("./peers/manager_peer.py", import.meta.url).pathname,
]);

const sequence =
  `Manager queue put+get, one client in sequence, ${PAIRS} pairs`;

Deno.bench({
  group: sequence,
  name: "Python BaseManager proxy, server process (peer)",
  baseline: true,
  ignore: python === undefined,
  async fn() {
    await python!.run(PAIRS);
  },
});

Deno.bench({
  group: sequence,
  name: "Manager.connect() queue, master process",
  baseline: python === undefined,
  async fn() {
    for (let i = 0; i < PAIRS; i++) {
      await queue.put(i);
      await queue.get();
    }
  },
});

const pipelined = `Manager queue, ${PAIRS} pairs pipelined`;

Deno.bench({
  group: pipelined,
  name: "put+get in sequence (as above)",
  baseline: true,
  async fn() {
    for (let i = 0; i < PAIRS; i++) {
      await queue.put(i);
      await queue.get();
    }
  },
});

Deno.bench({
  group: pipelined,
  name: `${PAIRS} puts then ${PAIRS} gets, none awaited before the next`,
  async fn() {
    const gets = [];
    for (let i = 0; i < PAIRS; i++) queue.put(i);
    for (let i = 0; i < PAIRS; i++) gets.push(queue.get());
    await Promise.all(gets);
  },
});

// --- Redis Streams -------------------------------------------------------------

const REDIS_JOBS = 1000;
let tasks: RedisQueue<number> | undefined;
if (redisServerInstalled()) {
  const server = await startRedisServer();
  tasks = await RedisQueue.connect<number>(server.url, "bench");
  const opened = tasks;
  cleanups.unshift(() => {
    // unload cannot await: drop the connections, then the server.
    void opened.close().catch(() => {});
    void server.stop();
  });
}

const redisGroup = `RedisQueue, ${REDIS_JOBS} jobs`;

Deno.bench({
  group: redisGroup,
  name: "put+get in sequence",
  baseline: true,
  ignore: tasks === undefined,
  async fn() {
    for (let i = 0; i < REDIS_JOBS; i++) {
      await tasks!.put(i);
      await tasks!.get();
    }
  },
});

Deno.bench({
  group: redisGroup,
  name: "puts pipelined, then consume() + ack()",
  ignore: tasks === undefined,
  async fn() {
    const puts = [];
    for (let i = 0; i < REDIS_JOBS; i++) puts.push(tasks!.put(i));
    await Promise.all(puts);
    let seen = 0;
    for await (const job of tasks!.consume()) {
      await job.ack();
      if (++seen === REDIS_JOBS) break;
    }
  },
});
