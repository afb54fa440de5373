// The ways of running a workload's tasks that the bench and the report
// compare. Each runner is created (and its workers started) before timing;
// `run` is the timed part; disposing it stops its workers.

import type { Workload } from "./workloads.ts";

/** The strategies, in the order tables and charts show them. */
export const STRATEGIES = [
  "serial",
  "async",
  "thread pool",
  "process pool",
  "piscina",
] as const;

/** One of `STRATEGIES`. */
export type Strategy = typeof STRATEGIES[number];

/** A started strategy, ready to run workloads. */
export interface Runner extends AsyncDisposable {
  /** Which strategy. */
  readonly strategy: Strategy;
  /** Workers in the pool; null for the single-threaded strategies. */
  readonly size: number | null;
  /** Display name, with the size: `thread pool size=2`. */
  readonly name: string;
  /** Runs all `tasks` tasks of `w`; resolves to the sum of their results. */
  run(w: Workload, tasks: number): Promise<number>;
  /** Stops the workers at once, without waiting (for exit handlers). */
  kill(): void;
}

const WORKLOADS_URL = new URL("./workloads.ts", import.meta.url).href;
const PISCINA_WORKER_URL =
  new URL("./_piscina_worker.ts", import.meta.url).href;

/** Pool sizes 1, cores/2, cores, 2×cores, 4×cores, deduplicated and sorted. */
export function poolSizes(cores: number): number[] {
  const c = Math.max(1, Math.floor(cores));
  const sizes = [1, Math.max(1, Math.floor(c / 2)), c, 2 * c, 4 * c];
  return [...new Set(sizes)].sort((a, b) => a - b);
}

/** Display name of a strategy at a size. */
export function runnerName(strategy: Strategy, size: number | null): string {
  return size === null ? strategy : `${strategy} size=${size}`;
}

/**
 * Starts a runner; pools are created here so start-up is never timed. The
 * pool modules load on first use, so a missing one (piscina offline) costs
 * only its own rows.
 */
export async function startRunner(
  strategy: Strategy,
  size: number | null,
): Promise<Runner> {
  switch (strategy) {
    case "serial":
      return single(strategy, runSerial);
    case "async":
      return single(strategy, runAsync);
    case "thread pool":
    case "process pool":
      return await poolRunner(strategy, requireSize(strategy, size));
    case "piscina":
      return await piscinaRunner(requireSize(strategy, size));
  }
}

function requireSize(strategy: Strategy, size: number | null): number {
  if (size === null || !Number.isInteger(size) || size < 1) {
    throw new TypeError(
      `Cannot start '${strategy}' as its size must be a positive integer: received ${size}`,
    );
  }
  return size;
}

/** One task after another on the main thread. */
async function runSerial(w: Workload, tasks: number): Promise<number> {
  let total = 0;
  for (let i = 0; i < tasks; i++) total += await w.fn(...w.args(i));
  return total;
}

/** Every task started at once on the one event loop; IO waits overlap. */
async function runAsync(w: Workload, tasks: number): Promise<number> {
  const results = await Promise.all(
    Array.from({ length: tasks }, (_, i) => w.fn(...w.args(i))),
  );
  return sum(results);
}

function single(
  strategy: Strategy,
  run: (w: Workload, tasks: number) => Promise<number>,
): Runner {
  return {
    strategy,
    size: null,
    name: strategy,
    run,
    kill() {},
    async [Symbol.asyncDispose]() {},
  };
}

async function poolRunner(
  strategy: "thread pool" | "process pool",
  size: number,
): Promise<Runner> {
  const { Pool } = await import("../lib/pool/pool.ts");
  const pool = new Pool({
    size,
    kind: strategy === "thread pool" ? "thread" : "process",
    module: WORKLOADS_URL,
  });
  let stopped: Promise<void> | undefined;
  const stop = () => stopped ??= pool.terminate();
  return {
    strategy,
    size,
    name: runnerName(strategy, size),
    async run(w, tasks) {
      const results = await Promise.all(
        Array.from({ length: tasks }, (_, i) => pool.apply(w.fn, w.args(i))),
      );
      return sum(results as number[]);
    },
    kill() {
      stop();
    },
    async [Symbol.asyncDispose]() {
      await stop();
    },
  };
}

async function piscinaRunner(size: number): Promise<Runner> {
  const { Piscina } = await import("npm:piscina@^5");
  const piscina = new Piscina({
    filename: PISCINA_WORKER_URL,
    minThreads: size,
    maxThreads: size,
    idleTimeout: 60_000,
  });
  let stopped: Promise<void> | undefined;
  const stop = () => stopped ??= piscina.destroy();
  return {
    strategy: "piscina",
    size,
    name: runnerName("piscina", size),
    async run(w, tasks) {
      const results = await Promise.all(
        Array.from(
          { length: tasks },
          (_, i) => piscina.run(w.args(i), { name: w.fn.name }),
        ),
      );
      return sum(results as number[]);
    },
    kill() {
      stop();
    },
    async [Symbol.asyncDispose]() {
      await stop();
    },
  };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
