// Pool throughput and speedup, each figure against its baseline in the same
// run. Run: deno bench -A bench/pool_bench.ts
//
// - thread pool, tiny tasks: Pool.apply(add) with 10k in flight vs a bare
//   hand-written postMessage round-robin over the same number of Workers
//   (the baseline), and piscina on the same tasks;
// - process pool, tiny tasks: Pool({ kind: "process" }).apply(add) vs
//   Python's multiprocessing.Pool.apply_async (bench/peers/pool_apply.py,
//   skipped when python3 is missing);
// - CPU-bound map at size = cores vs the same work done serially;
// - one tiny task at a time (latency), against one bare message round trip.
//
// Pools are created up front so that start-up is never timed.

import { Pool } from "../lib/pool/pool.ts";
import { cpuTask } from "./workloads.ts";

const CORES = navigator.hardwareConcurrency;
const TINY = 10_000;
const TASKS_URL = new URL("./_pool_bench_tasks.ts", import.meta.url).href;
const WORKLOADS_URL = new URL("./workloads.ts", import.meta.url).href;

// deno-lint-ignore no-explicit-any
type Piscina = any;

function add(a: number, b: number): number {
  return a + b;
}

// --- thread pool, tiny tasks -------------------------------------------------

const bare = Array.from(
  { length: CORES },
  () =>
    new Worker(new URL("./_pool_bench_bare_worker.ts", import.meta.url), {
      type: "module",
    }),
);

function bareRoundRobin(n: number): Promise<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  let done = 0;
  const onMessage = () => {
    if (++done === n) resolve();
  };
  for (const w of bare) w.onmessage = onMessage;
  for (let i = 0; i < n; i++) {
    bare[i % bare.length].postMessage({ id: i, a: i, b: 1 });
  }
  return promise;
}

const threads = new Pool({ size: CORES, module: TASKS_URL });
await threads.apply(add, [1, 1], { module: TASKS_URL });

let piscina: Piscina | undefined;
try {
  const { Piscina } = await import("npm:piscina@^5");
  piscina = new Piscina({
    filename: TASKS_URL,
    name: "addPair",
    minThreads: CORES,
    maxThreads: CORES,
  });
  await piscina.run([1, 1]);
} catch {
  piscina = undefined; // npm unreachable: the row is skipped
}

const threadGroup =
  `thread pool, ${TINY} tiny tasks in flight, ${CORES} workers`;

Deno.bench({
  group: threadGroup,
  name: "bare postMessage round-robin (baseline)",
  baseline: true,
  async fn() {
    await bareRoundRobin(TINY);
  },
});

Deno.bench({
  group: threadGroup,
  name: "Pool thread apply",
  async fn() {
    const pending = new Array(TINY);
    for (let i = 0; i < TINY; i++) pending[i] = threads.apply(add, [i, 1]);
    await Promise.all(pending);
  },
});

Deno.bench({
  group: threadGroup,
  name: "Pool thread starmap",
  async fn() {
    const items = new Array(TINY);
    for (let i = 0; i < TINY; i++) items[i] = [i, 1];
    await threads.starmap(add, items);
  },
});

Deno.bench({
  group: threadGroup,
  name: "piscina run",
  ignore: piscina === undefined,
  async fn() {
    const pending = new Array(TINY);
    for (let i = 0; i < TINY; i++) pending[i] = piscina.run([i, 1]);
    await Promise.all(pending);
  },
});

// --- one task at a time: batching must not cost latency ----------------------

const LATENCY = 200;
const latencyGroup = `${LATENCY} tiny tasks one after another (latency)`;

Deno.bench({
  group: latencyGroup,
  name: "bare postMessage round trip (baseline)",
  baseline: true,
  async fn() {
    for (let i = 0; i < LATENCY; i++) await bareRoundRobin(1);
  },
});

Deno.bench({
  group: latencyGroup,
  name: "Pool thread apply, awaited",
  async fn() {
    for (let i = 0; i < LATENCY; i++) await threads.apply(add, [i, 1]);
  },
});

Deno.bench({
  group: latencyGroup,
  name: "piscina run, awaited",
  ignore: piscina === undefined,
  async fn() {
    for (let i = 0; i < LATENCY; i++) await piscina.run([i, 1]);
  },
});

// --- process pool, tiny tasks ------------------------------------------------

const processes = new Pool({ size: CORES, kind: "process", module: TASKS_URL });
await Promise.all(
  Array.from({ length: CORES * 2 }, () => processes.apply(add, [1, 1])),
);

const python = await startPython();

async function startPython() {
  const script = new URL("./peers/pool_apply.py", import.meta.url).pathname;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("python3", {
      args: [script, String(CORES)],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
  } catch {
    return undefined; // no python3: the row is skipped
  }
  const writer = child.stdin.getWriter();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).values();
  let buffered = "";
  const line = async (): Promise<string> => {
    while (!buffered.includes("\n")) {
      const next = await lines.next();
      if (next.done) throw new Error("python3 pool peer exited");
      buffered += next.value;
    }
    const at = buffered.indexOf("\n");
    const out = buffered.slice(0, at);
    buffered = buffered.slice(at + 1);
    return out;
  };
  await line(); // "ready"
  const encoder = new TextEncoder();
  return {
    async run(n: number): Promise<void> {
      await writer.write(encoder.encode(`${n}\n`));
      await line();
    },
    async close(): Promise<void> {
      await writer.close();
      await child.status;
    },
  };
}

const processGroup =
  `process pool, ${TINY} tiny tasks in flight, ${CORES} processes`;

Deno.bench({
  group: processGroup,
  name: "Python multiprocessing.Pool.apply_async (baseline)",
  baseline: true,
  ignore: python === undefined,
  async fn() {
    await python!.run(TINY);
  },
});

Deno.bench({
  group: processGroup,
  name: "Pool process apply",
  baseline: python === undefined,
  async fn() {
    const pending = new Array(TINY);
    for (let i = 0; i < TINY; i++) pending[i] = processes.apply(add, [i, 1]);
    await Promise.all(pending);
  },
});

// --- CPU-bound map at size = cores ------------------------------------------

const SPAN = 1_000_000; // about 250 ms of trial division serially
const CHUNKS = CORES * 4;
const cpuArgs = Array.from(
  { length: CHUNKS },
  (_, i) => [i, CHUNKS, SPAN] as [number, number, number],
);
const cpuThreads = new Pool({ size: CORES, module: WORKLOADS_URL });
const cpuProcesses = new Pool({
  size: CORES,
  kind: "process",
  module: WORKLOADS_URL,
});
await cpuThreads.starmap(cpuTask, cpuArgs.map(([i]) => [i, CHUNKS, 1000]));
await cpuProcesses.starmap(cpuTask, cpuArgs.map(([i]) => [i, CHUNKS, 1000]));

const cpuGroup = `CPU-bound map of ${CHUNKS} tasks at size = cores (${CORES})`;

Deno.bench({
  group: cpuGroup,
  name: "serial on the main thread (baseline)",
  baseline: true,
  fn() {
    let total = 0;
    for (const args of cpuArgs) total += cpuTask(...args);
    if (total <= 0) throw new Error("no primes counted");
  },
});

Deno.bench({
  group: cpuGroup,
  name: "Pool thread starmap",
  async fn() {
    await cpuThreads.starmap(cpuTask, cpuArgs, { chunksize: 1 });
  },
});

Deno.bench({
  group: cpuGroup,
  name: "Pool process starmap",
  async fn() {
    await cpuProcesses.starmap(cpuTask, cpuArgs, { chunksize: 1 });
  },
});
