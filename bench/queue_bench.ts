// Queue throughput. `deno bench -A bench/queue_bench.ts`
//
// Each iteration moves N small items (numbers, or short strings) from a
// producer to a consumer; msgs/s = N / (time per iteration).
// - Between threads (bar: >= 1M msgs/s; Python's queue.Queue did 289k/s on
//   this machine): baseline is a bare postMessage stream from a worker, one
//   message per item. Python's queue.Queue with a producer thread runs as a
//   row through bench/peers/queue_peer.py (skipped without python3).
// - Between processes (bar: >= 1x Python's multiprocessing.Queue): a long-
//   lived child Process puts N items into the parent's Queue; baseline is
//   Python's multiprocessing.Queue doing the same with a child Process.
//   The other direction: a child iterating with `for await` (items fetched
//   in batches), and a child awaiting get() per item (one round trip each,
//   measured with fewer items).

import { encodeValue } from "../lib/_crossing/codec.ts";
import { Process } from "../lib/process/process.ts";
import { Queue } from "../lib/queue/queue.ts";
import {
  drainBatches,
  drainIterating,
  serveBatches,
} from "./_queue_bench_targets.ts";

const N = 100_000;
const cleanups: Array<() => void> = [];
globalThis.addEventListener("unload", () => {
  for (const cleanup of cleanups) cleanup();
});

/** A python3 peer answering "done" to each "N" line; undefined without python3. */
async function startPython(
  mode: string,
): Promise<{ run(n: number): Promise<void> } | undefined> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("python3", {
      args: [new URL("./peers/queue_peer.py", import.meta.url).pathname, mode],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
  } catch {
    return undefined;
  }
  cleanups.push(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  });
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).values();
  const writer = child.stdin.getWriter();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error("python3 peer exited");
    return value.trim();
  };
  if ((await next()) !== "ready") throw new Error("python3 peer did not start");
  return {
    async run(n) {
      await writer.write(new TextEncoder().encode(`${n}\n`));
      while (!(await next()).endsWith("done")) { /* partial line */ }
    },
  };
}

function worker(role: unknown[]): Worker {
  const w = new Worker(new URL("./_queue_bench_worker.ts", import.meta.url), {
    type: "module",
  });
  w.postMessage(encodeValue(role, "thread"));
  cleanups.push(() => w.terminate());
  return w;
}

// --- threads -------------------------------------------------------------------

const threads = `Queue between two threads, ${N / 1000}k small items`;

const poster = worker(["post"]);
Deno.bench({
  n: 10,
  warmup: 2,
  group: threads,
  name: "bare postMessage stream, worker -> main",
  baseline: true,
  async fn() {
    let seen = 0;
    const { promise, resolve } = Promise.withResolvers<void>();
    poster.onmessage = () => {
      if (++seen === N) resolve();
    };
    poster.postMessage(N);
    await promise;
  },
});

const numbersCtrl = new Queue<number>(), numbers = new Queue<number>();
worker(["produce", numbersCtrl, numbers]);
Deno.bench({
  n: 10,
  warmup: 2,
  group: threads,
  name: "Queue numbers: worker putSync -> main await get()",
  async fn() {
    numbersCtrl.putNowait(N);
    for (let i = 0; i < N; i++) await numbers.get();
  },
});

const stringsCtrl = new Queue<number>(), strings = new Queue<string>();
worker(["produceStrings", stringsCtrl, strings]);
Deno.bench({
  n: 10,
  warmup: 2,
  group: threads,
  name: "Queue short strings: worker putSync -> main await get()",
  async fn() {
    stringsCtrl.putNowait(N);
    for (let i = 0; i < N; i++) await strings.get();
  },
});

const pairCtrl = new Queue<number>(), pair = new Queue<number>();
const consumerCtrl = new Queue<number>(), consumed = new Queue<number>();
worker(["produce", pairCtrl, pair]);
worker(["consume", consumerCtrl, pair, consumed]);
Deno.bench({
  n: 10,
  warmup: 2,
  group: threads,
  name: "Queue numbers: worker putSync -> worker getSync",
  async fn() {
    consumerCtrl.putNowait(N);
    pairCtrl.putNowait(N);
    await consumed.get();
  },
});

const pythonThreads = await startPython("thread");
Deno.bench({
  n: 10,
  warmup: 2,
  group: threads,
  name: "Python queue.Queue, producer thread -> main thread (peer)",
  ignore: pythonThreads === undefined,
  async fn() {
    await pythonThreads!.run(N);
  },
});

// --- processes -----------------------------------------------------------------

const processes = `Queue between two processes, ${N / 1000}k small items`;

const pythonProcesses = await startPython("process");
Deno.bench({
  n: 10,
  warmup: 2,
  group: processes,
  name: "Python multiprocessing.Queue, child Process -> parent (peer)",
  baseline: true,
  ignore: pythonProcesses === undefined,
  async fn() {
    await pythonProcesses!.run(N);
  },
});

const childCtrl = new Queue<number>(), fromChild = new Queue<number>();
const producer = new Process({
  target: serveBatches,
  module: new URL("./_queue_bench_targets.ts", import.meta.url),
  args: [childCtrl, fromChild],
  daemon: true,
});
producer.start();
cleanups.push(() => producer.kill());
Deno.bench({
  n: 10,
  warmup: 2,
  group: processes,
  name: "Queue: child Process await put() -> parent await get()",
  baseline: pythonProcesses === undefined,
  async fn() {
    await childCtrl.put(N);
    for (let i = 0; i < N; i++) await fromChild.get();
  },
});

const M = 2_000;
const reverse =
  `Queue parent -> child process, child awaits get() per item, ${M} items`;
const drainCtrl = new Queue<number>(),
  toChild = new Queue<number>(),
  drained = new Queue<number>();
const consumer = new Process({
  target: drainBatches,
  module: new URL("./_queue_bench_targets.ts", import.meta.url),
  args: [drainCtrl, toChild, drained],
  daemon: true,
});
consumer.start();
cleanups.push(() => consumer.kill());
Deno.bench({
  n: 10,
  warmup: 2,
  group: reverse,
  name: "Queue: parent putNowait -> child await get() (a round trip each)",
  baseline: true,
  async fn() {
    for (let i = 0; i < M; i++) toChild.putNowait(i);
    await drainCtrl.put(M);
    await drained.get();
  },
});

const iterating = `Queue parent -> child process, ${N / 1000}k small items`;
const iterCtrl = new Queue<number>(),
  toIterator = new Queue<number>(),
  iterated = new Queue<number>();
const iterator = new Process({
  target: drainIterating,
  module: new URL("./_queue_bench_targets.ts", import.meta.url),
  args: [iterCtrl, toIterator, iterated],
  daemon: true,
});
iterator.start();
cleanups.push(() => iterator.kill());
Deno.bench({
  n: 10,
  warmup: 2,
  group: iterating,
  name: "Queue: parent putNowait -> child for await (batched fetches)",
  baseline: true,
  async fn() {
    for (let i = 0; i < N; i++) toIterator.putNowait(i);
    await iterCtrl.put(N);
    await iterated.get();
  },
});
