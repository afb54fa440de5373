// The Pool of kind "redis" against BullMQ, on the same redis-server, with
// the same number of worker processes and the same concurrency each, in one
// run. Run: deno bench -A bench/redis_pool_bench.ts
//
// - many tiny tasks in flight (a + b): Pool.apply for each vs BullMQ
//   Queue.addBulk, each waited for (QueueEvents "completed") — BullMQ's
//   fastest way to run a batch and know it is done;
// - one tiny task at a time: await Pool.apply vs Queue.add then
//   job.waitUntilFinished.
//
// Both kinds of workers run as `deno run -A` processes started up front, so
// start-up is never timed; BullMQ runs its processor in the worker's event
// loop, the multitask worker on a thread of its local pool.

import { Queue, QueueEvents } from "npm:bullmq@^5";
import { Pool } from "../lib/pool/pool.ts";
import { add } from "./_pool_bench_tasks.ts";

const WORKERS = 2;
const CONCURRENCY = 2;
const TINY = 2_000;
const LATENCY = 50;
const TASKS_URL = new URL("./_pool_bench_tasks.ts", import.meta.url).href;

const children: Deno.ChildProcess[] = [];
// Nothing outlives the bench, however it ends.
globalThis.addEventListener("unload", () => {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }
});

/** Spawns a process and resolves once its stderr (or stdout) says `ready`. */
async function spawn(
  command: string,
  args: string[],
  ready: string,
): Promise<void> {
  const child = new Deno.Command(command, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  children.push(child);
  let log = "";
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  for (const stream of [child.stdout, child.stderr]) {
    (async () => {
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        log += chunk;
        if (log.includes(ready)) resolve();
      }
    })();
  }
  child.status.then(() => reject(new Error(`${command} exited:\n${log}`)));
  await promise;
}

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const port = listener.addr.port;
listener.close();
const url = `redis://127.0.0.1:${port}`;
await spawn("redis-server", [
  "--port",
  String(port),
  "--bind",
  "127.0.0.1",
  "--save",
  "",
  "--appendonly",
  "no",
], "Ready to accept connections");

const worker = new URL("../lib/redis/worker.ts", import.meta.url).pathname;
const bullWorker =
  new URL("./_redis_bench_bullmq_worker.ts", import.meta.url).pathname;
await Promise.all(
  Array.from({ length: WORKERS }, () => [
    spawn(Deno.execPath(), [
      "run",
      "-A",
      worker,
      "--redis",
      url,
      "--module",
      TASKS_URL,
      "--authkey",
      "bench",
      "--concurrency",
      String(CONCURRENCY),
    ], " started"),
    spawn(Deno.execPath(), [
      "run",
      "-A",
      bullWorker,
      url,
      "bench",
      String(CONCURRENCY),
    ], "bullmq worker started"),
  ]).flat(),
);

const pool = new Pool({
  kind: "redis",
  redis: url,
  module: TASKS_URL,
  authkey: "bench",
});
await pool.apply(add, [1, 1]);

const connection = { host: "127.0.0.1", port };
const queue = new Queue("bench", { connection });
const events = new QueueEvents("bench", { connection });
await events.waitUntilReady();
// Completed jobs are trimmed to the last 1,000, so that waitUntilFinished
// still finds the one it waits for.
const JOB = { removeOnComplete: 1_000, removeOnFail: 1_000 };
await (await queue.add("add", { a: 1, b: 1 }, JOB)).waitUntilFinished(events);

/** Adds `n` jobs in one addBulk and resolves when all completed. */
async function bullBatch(n: number): Promise<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  let done = 0;
  const onCompleted = () => {
    if (++done === n) resolve();
  };
  events.on("completed", onCompleted);
  await queue.addBulk(
    Array.from({ length: n }, (_, i) => ({
      name: "add",
      data: { a: i, b: 1 },
      opts: JOB,
    })),
  );
  await promise;
  events.off("completed", onCompleted);
}

// Few samples: each is thousands of tasks (or fifty round trips).
const options = { warmup: 2, n: 10 };
const latency = { warmup: 2, n: 20 };
const inFlight =
  `redis pool, ${TINY} tiny tasks in flight, ${WORKERS} workers x ${CONCURRENCY}`;

Deno.bench({
  group: inFlight,
  name: "BullMQ addBulk + completed events (baseline)",
  baseline: true,
  ...options,
  async fn() {
    await bullBatch(TINY);
  },
});

Deno.bench({
  group: inFlight,
  name: "Pool redis apply",
  ...options,
  async fn() {
    const pending = new Array(TINY);
    for (let i = 0; i < TINY; i++) pending[i] = pool.apply(add, [i, 1]);
    await Promise.all(pending);
  },
});

const oneByOne = `redis pool, ${LATENCY} tiny tasks one at a time`;

Deno.bench({
  group: oneByOne,
  name: "BullMQ add + waitUntilFinished (baseline)",
  baseline: true,
  ...latency,
  async fn() {
    for (let i = 0; i < LATENCY; i++) {
      const job = await queue.add("add", { a: i, b: 1 }, JOB);
      await job.waitUntilFinished(events);
    }
  },
});

Deno.bench({
  group: oneByOne,
  name: "Pool redis await apply",
  ...latency,
  async fn() {
    for (let i = 0; i < LATENCY; i++) await pool.apply(add, [i, 1]);
  },
});
