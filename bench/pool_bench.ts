// The pool's overhead against its peers, one `deno bench` group per figure,
// each with one baseline, all in one run (bench/_pool_figures.ts says what
// each contender does):
//
// - tiny tasks, 50k in flight: bare postMessage round-robin (baseline), thread
//   and process pools, piscina and tinypool on Node, Python's ThreadPool;
// - one task at a time: a bare postMessage round trip (baseline), the pools,
//   tinypool and piscina on Node, Python's Pool (fork);
// - `map` of 1M numbers, default chunksize: Python's Pool.map (baseline);
// - start-up, new pool to its first results: bare Web Workers (baseline), the
//   pools, piscina and tinypool on Node, Python's Pool (fork and spawn);
// - CPU-bound map at size = cores: serial on the main thread (baseline).
//
// Memory per idle worker is not a time: `deno task demo` prints it, with every
// other figure as a table of ratios. Peers whose runtime is missing (node,
// python3) are left out. Run: deno bench -A bench/pool_bench.ts

import { Pool } from "../lib/pool/mod.ts";
import { type Contender, openFigures } from "./_pool_figures.ts";
import { startNodePeer, startPythonPeer } from "./_peer.ts";
import { cpuTask } from "./workloads.ts";

const CORES = navigator.hardwareConcurrency;
const WORKLOADS_URL = new URL("./workloads.ts", import.meta.url).href;

const [node, python] = await Promise.all([startNodePeer(), startPythonPeer()]);
const bench = await openFigures(
  {
    size: Math.max(2, CORES),
    inFlight: 50_000,
    oneAtATime: 500,
    mapItems: 1_000_000,
    rssWorkers: 4,
  },
  { node, python },
  ["inflight", "latency", "map", "startup"],
);
for (const peer of [node, python]) {
  if ("skipped" in peer) console.error(`Left out: ${peer.skipped}`);
}

/** Iterations per figure: each `inflight` or `map` run already does a million-ish tasks' worth. */
const ITERATIONS = { inflight: 3, latency: 10, map: 3, startup: 10 } as const;

for (const figure of bench.figures) {
  const names = figure.contenders.map((c: Contender) => c.name);
  const baseline = names.includes(figure.baseline) ? figure.baseline : names[0];
  for (const contender of figure.contenders) {
    Deno.bench({
      group: figure.title,
      name: contender.name,
      baseline: contender.name === baseline,
      n: ITERATIONS[figure.id as keyof typeof ITERATIONS],
      warmup: 1,
      async fn(b) {
        await contender.measure(b);
      },
    });
  }
}

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

// `deno bench` exits once the last bench is done, with workers still alive.
globalThis.addEventListener("unload", () => {
  bench.kill();
  cpuThreads.terminate();
  cpuProcesses.terminate();
});
