// The pool's overhead against its peers, one figure per question a user asks
// (issue 13): how many tiny tasks per second with many in flight, how long one
// task takes when each is awaited, how fast a `map` of 1M numbers goes, how long
// `new Pool` takes to first results, and how much memory an idle worker holds.
// Each figure lists its contenders (thread and process pools, bare Web Workers,
// piscina and tinypool on Node, Python's pools); bench/pool_bench.ts turns them
// into `deno bench` groups and bench/report.ts into tables with ratios.

import { Pool } from "../lib/pool/mod.ts";
import { BareWorkers } from "./_bare.ts";
import type { Figure, FigureId } from "./_figures_math.ts";
import {
  type Contender,
  memory,
  peerMemory,
  peerRates,
  peerStartUps,
  perTask,
  probe,
  rate,
  sumOfDoubles,
  sumOfTiny,
  timed,
  type Timer,
} from "./_contenders.ts";
import type { Peer, Skipped } from "./_peer.ts";
import { add, double } from "./_pool_bench_tasks.ts";

export type { Contender, Timer } from "./_contenders.ts";

const TASKS = new URL("./_pool_bench_tasks.ts", import.meta.url).href;

/** How big each figure's work is. */
export interface FigureParams {
  /** Workers in every pool (the peers' too). */
  size: number;
  /** Tiny tasks submitted at once in the `inflight` figure. */
  inFlight: number;
  /** Tasks awaited one after another in the `latency` figure. */
  oneAtATime: number;
  /** Numbers mapped in the `map` figure. */
  mapItems: number;
  /** Workers started to measure memory per idle worker. */
  rssWorkers: number;
}

/** A figure with the contenders that could run here. */
export interface OpenFigure extends Figure {
  contenders: Contender[];
  /** Contenders left out, with the reason (`node was not found on PATH`). */
  skipped: string[];
}

/** The peers, or why each could not start. */
export interface Peers {
  node: Peer | Skipped;
  python: Peer | Skipped;
}

/** The figures' titles, units, baselines and goals, by id. */
export function describeFigures(p: FigureParams): Record<FigureId, Figure> {
  const n = (x: number) => x.toLocaleString("en");
  return {
    inflight: {
      id: "inflight",
      title: `tiny tasks, ${n(p.inFlight)} in flight`,
      unit: "tasks/s",
      better: "higher",
      baseline: "bare postMessage round-robin",
      goals: [
        {
          who: "thread pool",
          op: "≥",
          times: 2,
          of: "bare postMessage round-robin",
        },
        { who: "thread pool", op: "≥", times: 5, of: "Python ThreadPool" },
        { who: "thread pool", op: "≥", times: 5, of: "piscina (Node)" },
      ],
    },
    latency: {
      id: "latency",
      title: `one task at a time (${n(p.oneAtATime)} awaited in turn)`,
      unit: "µs/task",
      better: "lower",
      baseline: "bare postMessage round trip",
      goals: [
        {
          who: "thread pool",
          op: "≤",
          times: 0.5,
          of: "bare postMessage round trip",
        },
        { who: "thread pool", op: "<", times: 1, of: "tinypool (Node)" },
        { who: "thread pool", op: "<", times: 1, of: "piscina (Node)" },
        { who: "process pool", op: "≤", value: 100 },
      ],
    },
    map: {
      id: "map",
      title: `map of ${n(p.mapItems)} numbers (x * 2), default chunksize`,
      unit: "items/s",
      better: "higher",
      baseline: "Python Pool.map (fork)",
      goals: [
        { who: "thread pool", op: "≥", times: 2, of: "Python Pool.map (fork)" },
      ],
    },
    startup: {
      id: "startup",
      title: `start-up: new pool of ${p.size} to its first ${p.size} results`,
      unit: "ms",
      better: "lower",
      baseline: "bare Web Workers",
      goals: [
        { who: "thread pool", op: "≤", times: 1.2, of: "bare Web Workers" },
        { who: "thread pool", op: "<", times: 1, of: "piscina (Node)" },
      ],
    },
    rss: {
      id: "rss",
      title: `memory (RSS) per idle worker, ${p.rssWorkers} started`,
      unit: "MiB",
      better: "lower",
      baseline: "bare Web Worker",
      goals: [
        { who: "thread pool", op: "≤", times: 1.5, of: "bare Web Worker" },
      ],
    },
  };
}

/** Started pools and peers behind the figures; dispose to stop them all. */
export interface FigureBench extends AsyncDisposable {
  figures: OpenFigure[];
  /** Stops everything at once, without waiting (for exit handlers). */
  kill(): void;
}

/**
 * Starts (and warms) the pools the figures need and builds each figure's
 * contenders. Pools of `inflight`, `latency` and `map` stay up between
 * measurements; `startup` and `rss` start their own.
 */
export async function openFigures(
  p: FigureParams,
  peers: Peers,
  ids: FigureId[] = ["inflight", "latency", "map", "startup", "rss"],
): Promise<FigureBench> {
  const d = describeFigures(p);
  const needsPools = ids.some((id) => id !== "startup" && id !== "rss");
  const threads = needsPools ? await warmPool("thread", p.size) : undefined;
  const processes = needsPools ? await warmPool("process", p.size) : undefined;
  const bare = needsPools ? await BareWorkers.start(p.size) : undefined;
  const items = ids.includes("map")
    ? Array.from({ length: p.mapItems }, (_, i) => i)
    : [];
  const node = peerOf(peers.node);
  const python = peerOf(peers.python);
  const skippedNode = "skipped" in peers.node ? [peers.node.skipped] : [];
  const skippedPython = "skipped" in peers.python ? [peers.python.skipped] : [];

  const build: Record<FigureId, () => OpenFigure> = {
    inflight: () => ({
      ...d.inflight,
      contenders: [
        rate(
          "bare postMessage round-robin",
          p.inFlight,
          () => bare!.inFlight(p.inFlight),
          sumOfTiny(p.inFlight),
        ),
        rate(
          "thread pool",
          p.inFlight,
          () => inFlight(threads!, p.inFlight),
          sumOfTiny(p.inFlight),
          () => rewarm(threads!),
        ),
        rate(
          "process pool",
          p.inFlight,
          () => inFlight(processes!, p.inFlight),
          sumOfTiny(p.inFlight),
          () => rewarm(processes!),
        ),
        ...peerRates(node, ["piscina", "tinypool"], "(Node)", "inflight", p),
        ...peerRates(python, ["ThreadPool"], "", "inflight", p),
      ],
      skipped: [...skippedNode, ...skippedPython],
    }),
    latency: () => ({
      ...d.latency,
      contenders: [
        perTask(
          "bare postMessage round trip",
          p.oneAtATime,
          () => bare!.oneAtATime(p.oneAtATime),
          sumOfTiny(p.oneAtATime),
        ),
        perTask(
          "thread pool",
          p.oneAtATime,
          () => oneAtATime(threads!, p.oneAtATime),
          sumOfTiny(p.oneAtATime),
          () => rewarm(threads!),
        ),
        perTask(
          "process pool",
          p.oneAtATime,
          () => oneAtATime(processes!, p.oneAtATime),
          sumOfTiny(p.oneAtATime),
          () => rewarm(processes!),
        ),
        ...peerRates(node, ["tinypool", "piscina"], "(Node)", "latency", p),
        ...peerRates(python, ["Pool fork"], "", "latency", p),
      ],
      skipped: [...skippedNode, ...skippedPython],
    }),
    map: () => ({
      ...d.map,
      contenders: [
        ...peerRates(python, ["Pool fork"], "", "map", p),
        rate(
          "thread pool",
          p.mapItems,
          () => mapSum(threads!, items),
          sumOfDoubles(p.mapItems),
          () => rewarm(threads!),
        ),
        rate(
          "process pool",
          p.mapItems,
          () => mapSum(processes!, items),
          sumOfDoubles(p.mapItems),
          () => rewarm(processes!),
        ),
      ],
      skipped: skippedPython,
    }),
    startup: () => ({
      ...d.startup,
      contenders: [
        timed("bare Web Workers", async (timer) => {
          timer.start();
          const workers = await BareWorkers.start(p.size);
          timer.end();
          workers[Symbol.dispose]();
        }),
        timed("thread pool", (timer) => startUp("thread", p.size, timer)),
        timed("process pool", (timer) => startUp("process", p.size, timer)),
        ...peerStartUps(node, ["piscina", "tinypool"], "(Node)", p.size),
        ...peerStartUps(python, ["Pool fork", "Pool spawn"], "", p.size),
      ],
      skipped: [...skippedNode, ...skippedPython],
    }),
    rss: () => ({
      ...d.rss,
      contenders: [
        memory("bare Web Worker", () => probe("bare", p.rssWorkers)),
        memory("thread pool", () => probe("thread", p.rssWorkers)),
        memory(
          "process pool (per child)",
          () => probe("process", p.rssWorkers),
        ),
        ...peerMemory(peers.node, "node", ["piscina"], "(Node)", p),
        ...peerMemory(
          peers.python,
          "python",
          ["Pool fork", "Pool spawn"],
          "",
          p,
        ),
      ],
      skipped: [...skippedNode, ...skippedPython],
    }),
  };

  const stop = async () => {
    bare?.[Symbol.dispose]();
    await Promise.all([threads?.terminate(), processes?.terminate()]);
  };
  return {
    figures: ids.map((id) => build[id]()),
    kill() {
      bare?.[Symbol.dispose]();
      threads?.terminate();
      processes?.terminate();
      node?.kill();
      python?.kill();
    },
    async [Symbol.asyncDispose]() {
      await stop();
    },
  };
}

function peerOf(peer: Peer | Skipped): Peer | undefined {
  return "skipped" in peer ? undefined : peer;
}

// An idle thread pool retires its workers after THREAD_IDLE_MS (250 ms, so
// that a pool nobody closed lets the program end): a burst of tasks right
// before each timed run starts them again, untimed, so that every contender
// is measured warm, as the peers' pools are.
function rewarm(pool: Pool): Promise<number> {
  return inFlight(pool, 100);
}

async function warmPool(kind: "thread" | "process", size: number) {
  const pool = new Pool({ size, kind, module: TASKS });
  await oneAtATime(pool, 500);
  await inFlight(pool, 2000);
  return pool;
}

async function inFlight(pool: Pool, tasks: number): Promise<number> {
  const pending = new Array<Promise<number>>(tasks);
  for (let i = 0; i < tasks; i++) pending[i] = pool.apply(add, [i, 1]);
  let total = 0;
  for (const value of await Promise.all(pending)) total += value;
  return total;
}

async function oneAtATime(pool: Pool, tasks: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < tasks; i++) total += await pool.apply(add, [i, 1]);
  return total;
}

// The clock stops when map resolves; the sum (the check) is after it, as in
// the Python peer's map.
async function mapSum(
  pool: Pool,
  items: number[],
): Promise<() => number> {
  const values = await pool.map(double, items);
  return () => {
    let total = 0;
    for (const value of values) total += value;
    return total;
  };
}

async function startUp(
  kind: "thread" | "process",
  size: number,
  timer: Timer,
): Promise<void> {
  timer.start();
  const pool = new Pool({ size, kind, module: TASKS });
  await Promise.all(
    Array.from({ length: size }, (_, i) => pool.apply(add, [i, 1])),
  );
  timer.end();
  await pool.terminate();
}
