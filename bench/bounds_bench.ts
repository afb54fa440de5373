// What bounds the pool figures' goals (issue 13), measured on their own:
//
// - "wake a sleeping worker": one task's round trip to an idle worker by a
//   bare postMessage (baseline) against a shared-memory doorbell (the worker
//   sleeps in Atomics.wait, the caller stores the task and notifies, the
//   answer comes back through shared memory), the caller waiting with
//   Atomics.waitAsync as a pool must (its event loop stays free), and with
//   Atomics.wait (the floor: one wake each way, nothing else), next to a
//   thread pool of one;
// - "1M numbers crossing": what a map's chunks cost to copy between threads:
//   structuredClone of a plain array (baseline: what postMessage does to a
//   million cloned slots) against a Float64Array, and JSON text both ways;
// - "process round trip": one tiny task in turn to a bare Deno child over
//   its stdin and stdout (the floor under a process pool's one-at-a-time
//   latency: two pipe writes and two process wake-ups per task), next to a
//   process pool of one;
// - "start-up": two bare Web Workers to their first answers (baseline)
//   against two node:worker_threads Workers (what the thread pool is built
//   on today) and two Web Workers that first import lib/pool/mod.ts (what
//   loading the library's module graph costs each new isolate).
//
// Run: deno bench -A bench/bounds_bench.ts

import { Pool } from "../lib/pool/mod.ts";
import { add } from "./_pool_bench_tasks.ts";

const ROUND_TRIPS = 200;
const TASKS = new URL("./_pool_bench_tasks.ts", import.meta.url).href;
const threads = new Pool({ size: 1, module: TASKS });
const processes = new Pool({ size: 1, kind: "process", module: TASKS });
for (let i = 0; i < 200; i++) {
  await threads.apply(add, [i, 1]);
  await processes.apply(add, [i, 1]);
}

async function awaitEach(pool: Pool): Promise<void> {
  for (let i = 0; i < ROUND_TRIPS; i++) {
    if (await pool.apply(add, [i, 1]) !== i + 1) throw new Error("wrong sum");
  }
}

// --- wake a sleeping worker ---------------------------------------------------

const bare = new Worker(new URL("./_bare_worker.ts", import.meta.url), {
  type: "module",
});
function bareRoundTrip(a: number): Promise<number> {
  const { promise, resolve } = Promise.withResolvers<number>();
  bare.onmessage = (event: MessageEvent<number>) => resolve(event.data);
  bare.postMessage([a, 1]);
  return promise;
}
await bareRoundTrip(0);

const cells = new Int32Array(new SharedArrayBuffer(5 * 4));
const doorbell = new Worker(
  new URL("./_doorbell_worker.ts", import.meta.url),
  { type: "module" },
);
await new Promise((resolve) => {
  doorbell.onmessage = resolve;
  doorbell.postMessage(cells.buffer);
});
let seq = 0;

function ring(a: number): void {
  cells[2] = a;
  cells[3] = 1;
  Atomics.store(cells, 0, ++seq);
  Atomics.notify(cells, 0);
}

// The worker stores its reply, then notifies: a caller that saw the store
// early may already be waiting for the next reply when that notify lands, so
// every wait re-checks the cell (a late notify wakes it too soon otherwise).
async function doorbellAsync(a: number): Promise<number> {
  ring(a);
  while (Atomics.load(cells, 1) !== seq) {
    const waited = Atomics.waitAsync(cells, 1, seq - 1);
    if (waited.async) await waited.value;
  }
  return cells[4];
}

function doorbellSync(a: number): number {
  ring(a);
  while (Atomics.load(cells, 1) !== seq) Atomics.wait(cells, 1, seq - 1);
  return cells[4];
}

const wakeGroup = `wake a sleeping worker: ${ROUND_TRIPS} tiny tasks in turn`;

Deno.bench({
  group: wakeGroup,
  name: "bare postMessage round trip",
  baseline: true,
  async fn() {
    for (let i = 0; i < ROUND_TRIPS; i++) {
      if (await bareRoundTrip(i) !== i + 1) throw new Error("wrong sum");
    }
  },
});

Deno.bench({
  group: wakeGroup,
  name: "doorbell: Atomics.notify, caller in Atomics.waitAsync",
  async fn() {
    for (let i = 0; i < ROUND_TRIPS; i++) {
      if (await doorbellAsync(i) !== i + 1) throw new Error("wrong sum");
    }
  },
});

Deno.bench({
  group: wakeGroup,
  name: "doorbell: Atomics.notify, caller blocked in Atomics.wait (floor)",
  fn() {
    for (let i = 0; i < ROUND_TRIPS; i++) {
      if (doorbellSync(i) !== i + 1) throw new Error("wrong sum");
    }
  },
});

Deno.bench({
  group: wakeGroup,
  name: "thread pool of 1: apply, awaited",
  async fn() {
    await awaitEach(threads);
  },
});

// --- 1M numbers crossing ------------------------------------------------------

const MILLION = 1_000_000;
const numbers = Array.from({ length: MILLION }, (_, i) => i);
const typed = Float64Array.from(numbers);
const cloneGroup = "1M numbers crossing, one way";

Deno.bench({
  group: cloneGroup,
  name: "structuredClone of an array (a million cloned slots)",
  baseline: true,
  fn() {
    if (structuredClone(numbers).length !== MILLION) throw new Error("short");
  },
});

Deno.bench({
  group: cloneGroup,
  name: "structuredClone of a Float64Array",
  fn() {
    if (structuredClone(typed).length !== MILLION) throw new Error("short");
  },
});

Deno.bench({
  group: cloneGroup,
  name: "Float64Array.from(array) + structuredClone",
  fn() {
    const copy = structuredClone(Float64Array.from(numbers));
    if (copy.length !== MILLION) throw new Error("short");
  },
});

Deno.bench({
  group: cloneGroup,
  name: "JSON.stringify + JSON.parse",
  fn() {
    if (JSON.parse(JSON.stringify(numbers)).length !== MILLION) {
      throw new Error("short");
    }
  },
});

// --- process round trip ---------------------------------------------------------

const child = new Deno.Command(Deno.execPath(), {
  args: ["run", new URL("./_echo_child.ts", import.meta.url).pathname],
  stdin: "piped",
  stdout: "piped",
}).spawn();
const childIn = child.stdin.getWriter();
const childOut = child.stdout.getReader({ mode: "byob" });
let answerBuffer = new ArrayBuffer(4);

async function childRoundTrip(a: number): Promise<number> {
  await childIn.write(new Uint8Array(new Int32Array([a, 1]).buffer));
  let filled = 0;
  while (filled < 4) {
    const { value, done } = await childOut.read(
      new Uint8Array(answerBuffer, filled, 4 - filled),
    );
    if (done) throw new Error("the echo child exited");
    filled += value.byteLength;
    answerBuffer = value.buffer;
  }
  return new Int32Array(answerBuffer)[0];
}
await childRoundTrip(0);

Deno.bench({
  group: `process round trip: ${ROUND_TRIPS} tiny tasks in turn`,
  name: "bare Deno child over stdin/stdout",
  baseline: true,
  async fn() {
    for (let i = 0; i < ROUND_TRIPS; i++) {
      if (await childRoundTrip(i) !== i + 1) throw new Error("wrong sum");
    }
  },
});

Deno.bench({
  group: `process round trip: ${ROUND_TRIPS} tiny tasks in turn`,
  name: "process pool of 1: apply, awaited",
  async fn() {
    await awaitEach(processes);
  },
});

// --- start-up -------------------------------------------------------------------

import { Worker as NodeWorker } from "node:worker_threads";

const STARTED = 2;

async function webWorkers(file: string): Promise<void> {
  const url = new URL(file, import.meta.url);
  const workers = Array.from(
    { length: STARTED },
    () => new Worker(url, { type: "module" }),
  );
  await Promise.all(workers.map((w, i) =>
    new Promise((resolve) => {
      w.onmessage = resolve;
      w.postMessage([i, 1]);
    })
  ));
  for (const w of workers) w.terminate();
}

const startGroup = `start-up: ${STARTED} workers to their first answers`;

Deno.bench({
  group: startGroup,
  name: "bare Web Workers",
  baseline: true,
  async fn() {
    await webWorkers("./_bare_worker.ts");
  },
});

Deno.bench({
  group: startGroup,
  name: "bare node:worker_threads Workers",
  async fn() {
    const workers = Array.from({ length: STARTED }, () =>
      new NodeWorker(
        `const { parentPort } = require("node:worker_threads");
        parentPort.on("message", ([a, b]) => parentPort.postMessage(a + b));`,
        { eval: true },
      ));
    await Promise.all(workers.map((w, i) =>
      new Promise((resolve) => {
        w.once("message", resolve);
        w.postMessage([i, 1]);
      })
    ));
    await Promise.all(workers.map((w) => w.terminate()));
  },
});

Deno.bench({
  group: startGroup,
  name: "Web Workers importing lib/pool/mod.ts first",
  async fn() {
    await webWorkers("./_graph_worker.ts");
  },
});

globalThis.addEventListener("unload", () => {
  threads.terminate();
  processes.terminate();
  try {
    child.kill("SIGKILL");
  } catch {
    // Already gone.
  }
  bare.terminate();
  Atomics.store(cells, 0, -1);
  Atomics.notify(cells, 0);
  doorbell.terminate();
});
