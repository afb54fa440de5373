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
// - "one Atomics.notify": the caller's time in one notify that wakes the
//   doorbell worker asleep in Atomics.wait (baseline) against one that finds
//   nobody waiting: what each task rung to a sleeping worker costs the
//   caller before anything else (the thread pool's latency goal);
// - "process round trip" also over a Unix socket, the transport a process
//   pool's children use (the process pool's ≤ 100 µs goal);
// - "map of 1M numbers": a thread pool of 2 (baseline) against the pool's
//   own steps in one thread (chunks cut into Float64Arrays, fn called on
//   each number, results gathered into one array), no crossing, and a plain
//   items.map: what a map costs before any thread is involved (the map goal);
// - "tiny tasks in flight": a thread pool of 2 (baseline) against the least
//   a caller does per task in one thread (a promise settled, its share of a
//   batch message cloned out and back): the in-flight goals' floor on the
//   caller's side;
// - "start-up": two bare Web Workers to their first answers (baseline)
//   against two node:worker_threads Workers, two Web Workers that first
//   import lib/pool/mod.ts (what loading the library's module graph costs
//   each new isolate) or only the modules a pool's worker loads, a thread
//   pool of 2 to its first two results, and the caller's time inside the
//   two `new Worker()` calls alone (Deno returns from the constructor once
//   the worker's isolate exists, so workers start one after the other).
//
// Run: deno bench -A bench/bounds_bench.ts

import { Pool } from "../lib/pool/mod.ts";
import { add, double } from "./_pool_bench_tasks.ts";

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

// --- one Atomics.notify ---------------------------------------------------------

const notifyGroup = "one Atomics.notify, the caller's time";

Deno.bench({
  group: notifyGroup,
  name: "waking the doorbell worker asleep in Atomics.wait",
  baseline: true,
  fn(b) {
    cells[2] = 1;
    cells[3] = 1;
    Atomics.store(cells, 0, ++seq);
    b.start();
    Atomics.notify(cells, 0);
    b.end();
    while (Atomics.load(cells, 1) !== seq) Atomics.wait(cells, 1, seq - 1);
  },
});

const nobody = new Int32Array(new SharedArrayBuffer(4));
Deno.bench({
  group: notifyGroup,
  name: "with nobody waiting",
  fn() {
    Atomics.notify(nobody, 0);
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

const socketPath = await Deno.makeTempFile({ suffix: ".sock" });
await Deno.remove(socketPath);
const socketListener = Deno.listen({ transport: "unix", path: socketPath });
const socketChild = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    `--allow-net=unix:${socketPath}`,
    `--allow-read=${socketPath}`,
    `--allow-write=${socketPath}`,
    new URL("./_echo_child.ts", import.meta.url).pathname,
    socketPath,
  ],
  stdin: "null",
}).spawn();
const socketConn = await socketListener.accept();
const socketIn = socketConn.writable.getWriter();
const socketOut = socketConn.readable.getReader({ mode: "byob" });
let socketBuffer = new ArrayBuffer(4);

async function socketRoundTrip(a: number): Promise<number> {
  await socketIn.write(new Uint8Array(new Int32Array([a, 1]).buffer));
  let filled = 0;
  while (filled < 4) {
    const { value, done } = await socketOut.read(
      new Uint8Array(socketBuffer, filled, 4 - filled),
    );
    if (done) throw new Error("the echo child exited");
    filled += value.byteLength;
    socketBuffer = value.buffer;
  }
  return new Int32Array(socketBuffer)[0];
}
await socketRoundTrip(0);

Deno.bench({
  group: `process round trip: ${ROUND_TRIPS} tiny tasks in turn`,
  name: "bare Deno child over a Unix socket",
  async fn() {
    for (let i = 0; i < ROUND_TRIPS; i++) {
      if (await socketRoundTrip(i) !== i + 1) throw new Error("wrong sum");
    }
  },
});

// --- map of 1M numbers ------------------------------------------------------------

const mapPool = new Pool({ size: 2, module: TASKS });
await mapPool.map(double, numbers);
const mapGroup = "map of 1M numbers (x * 2), default chunksize";

function checkDoubles(values: ArrayLike<unknown>): void {
  if (values.length !== MILLION || values[MILLION - 1] !== 2 * (MILLION - 1)) {
    throw new Error("wrong map");
  }
}

Deno.bench({
  group: mapGroup,
  name: "thread pool of 2: map",
  baseline: true,
  async fn() {
    checkDoubles(await mapPool.map(double, numbers));
  },
});

// What _gather.ts and _runner.ts do to a map of numbers, minus the threads:
// 8 chunks (the default for 2 workers) cut into Float64Arrays, fn on each
// number into a Float64Array, then every result into one array.
Deno.bench({
  group: mapGroup,
  name: "one thread: the pool's steps without crossing",
  fn() {
    const size = Math.ceil(MILLION / 8);
    const results: unknown[] = new Array(MILLION);
    for (let start = 0; start < MILLION; start += size) {
      const chunk = Float64Array.from(numbers.slice(start, start + size));
      const out = new Float64Array(chunk.length);
      for (let k = 0; k < chunk.length; k++) out[k] = double(chunk[k]);
      for (let k = 0; k < out.length; k++) results[start + k] = out[k];
    }
    checkDoubles(results);
  },
});

Deno.bench({
  group: mapGroup,
  name: "one thread: items.map(double)",
  fn() {
    checkDoubles(numbers.map(double));
  },
});

// --- tiny tasks in flight ---------------------------------------------------------

const IN_FLIGHT = 10_000;
const flightPool = new Pool({ size: 2, module: TASKS });
await Promise.all(
  Array.from({ length: IN_FLIGHT }, (_, i) => flightPool.apply(add, [i, 1])),
);
const flightGroup = `${IN_FLIGHT.toLocaleString("en")} tiny tasks in flight`;

Deno.bench({
  group: flightGroup,
  name: "thread pool of 2",
  baseline: true,
  async fn() {
    const pending = new Array<Promise<number>>(IN_FLIGHT);
    for (let i = 0; i < IN_FLIGHT; i++) {
      pending[i] = flightPool.apply(add, [i, 1]);
    }
    await Promise.all(pending);
  },
});

// The least a caller does per task, in one thread: a promise made and
// settled, and its share of a 256-task batch message cloned out and its
// answers cloned back, as the pool's wire format has them.
Deno.bench({
  group: flightGroup,
  name: "one thread: promises settled, batches cloned both ways",
  async fn() {
    const pending = new Array<Promise<number>>(IN_FLIGHT);
    const resolvers = new Array<(value: number) => void>(IN_FLIGHT);
    for (let i = 0; i < IN_FLIGHT; i++) {
      const { promise, resolve } = Promise.withResolvers<number>();
      pending[i] = promise;
      resolvers[i] = resolve;
    }
    for (let first = 0; first < IN_FLIGHT; first += 256) {
      const n = Math.min(256, IN_FLIGHT - first);
      const wire = new Array(n * 3);
      for (let k = 0; k < n; k++) {
        wire[k * 3] = 0;
        wire[k * 3 + 1] = 1;
        wire[k * 3 + 2] = [first + k, 1];
      }
      const tasks = structuredClone({ t: "run", tasks: wire }).tasks;
      const out = new Array(n * 2);
      for (let k = 0; k < n; k++) {
        const [a, b] = tasks[k * 3 + 2];
        out[k * 2] = 1;
        out[k * 2 + 1] = add(a, b);
      }
      const back = structuredClone({ t: "done", out, ms: 0 }).out;
      for (let k = 0; k < n; k++) resolvers[first + k](back[k * 2 + 1]);
    }
    await Promise.all(pending);
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

Deno.bench({
  group: startGroup,
  name: "Web Workers importing a pool worker's modules first",
  async fn() {
    await webWorkers("./_entry_graph_worker.ts");
  },
});

Deno.bench({
  group: startGroup,
  name: "thread pool of 2: new Pool to its first 2 results",
  async fn(b) {
    // Timed as the start-up figure times it: terminate() is not start-up.
    b.start();
    const pool = new Pool({ size: STARTED, module: TASKS });
    await Promise.all(
      Array.from({ length: STARTED }, (_, i) => pool.apply(add, [i, 1])),
    );
    b.end();
    await pool.terminate();
  },
});

Deno.bench({
  group: startGroup,
  name: "the caller inside new Worker() alone (bare)",
  async fn(b) {
    const url = new URL("./_bare_worker.ts", import.meta.url);
    b.start();
    const workers = Array.from(
      { length: STARTED },
      () => new Worker(url, { type: "module" }),
    );
    b.end();
    await Promise.all(workers.map((w, i) =>
      new Promise((resolve) => {
        w.onmessage = resolve;
        w.postMessage([i, 1]);
      })
    ));
    for (const w of workers) w.terminate();
  },
});

globalThis.addEventListener("unload", () => {
  threads.terminate();
  processes.terminate();
  mapPool.terminate();
  flightPool.terminate();
  try {
    socketChild.kill("SIGKILL");
  } catch {
    // Already gone.
  }
  socketListener.close(); // removes the socket file too
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
