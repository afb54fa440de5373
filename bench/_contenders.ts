// The contenders of the pool figures (bench/_pool_figures.ts): how each one
// times its work, checks its answers and turns the time into the figure's
// unit, for the Deno pools and bare workers in this process and for the
// peers on their own runtime (bench/_peer.ts).

import {
  type Peer,
  type PeerAnswer,
  type Skipped,
  startNodePeer,
  startPythonPeer,
} from "./_peer.ts";
import type { FigureParams } from "./_pool_figures.ts";

const RSS_PROBE = new URL("./_rss_probe.ts", import.meta.url).pathname;

/** Where a bench marks its timed part (`Deno.BenchContext` is one). */
export interface Timer {
  start(): void;
  end(): void;
}

/** One way of doing a figure's work. */
export interface Contender {
  /** Row name: `thread pool`, `piscina (Node)`, ... */
  name: string;
  /**
   * Does the work once and returns the figure's value (in its unit),
   * checking the answers. Calls `timer.start()`/`timer.end()` around the
   * part that counts when given one.
   */
  measure(timer?: Timer): Promise<number>;
}

/** Sum of `add(i, 1)` for i < n. */
export function sumOfTiny(n: number): number {
  return n * (n - 1) / 2 + n;
}

/** Sum of `double(i)` for i < n. */
export function sumOfDoubles(n: number): number {
  return n * (n - 1);
}

/** Times `run` with a stopwatch that also drives the bench's timer. */
async function stopwatch(
  run: (timer: Timer) => Promise<unknown>,
  outer?: Timer,
): Promise<{ ms: number; value: unknown }> {
  let began = 0;
  let ms = NaN;
  const value = await run({
    start() {
      outer?.start();
      began = performance.now();
    },
    end() {
      ms = performance.now() - began;
      outer?.end();
    },
  });
  return { ms, value };
}

function check(name: string, total: unknown, expected: number): void {
  if (total !== expected) {
    throw new Error(`${name} computed ${total}, expected ${expected}`);
  }
}

/**
 * Work of `count` items, as items per second. `run` answers the total to
 * check, or a function computing it after the clock stops (the peers time
 * their work only, not the check: Python's map figure sums after its clock).
 */
export function rate(
  name: string,
  count: number,
  run: () => Promise<number | (() => number)>,
  expected: number,
  warm?: () => Promise<unknown>,
): Contender {
  return {
    name,
    async measure(outer) {
      await warm?.();
      const { ms, value } = await stopwatch(async (t) => {
        t.start();
        const total = await run();
        t.end();
        return typeof total === "function" ? total() : total;
      }, outer);
      check(name, value, expected);
      return count / (ms / 1000);
    },
  };
}

/** Work of `count` tasks in turn, as µs per task. */
export function perTask(
  name: string,
  count: number,
  run: () => Promise<number>,
  expected: number,
  warm?: () => Promise<unknown>,
): Contender {
  const c = rate(name, count, run, expected, warm);
  return {
    name,
    async measure(outer) {
      return 1e6 / await c.measure(outer);
    },
  };
}

/** A start-up: `run` marks its own timed part; the value is ms. */
export function timed(
  name: string,
  run: (timer: Timer) => Promise<void>,
): Contender {
  return {
    name,
    async measure(outer) {
      return (await stopwatch(run, outer)).ms;
    },
  };
}

/** Bytes per worker from a fresh process, as MiB. */
export function memory(name: string, run: () => Promise<number>): Contender {
  return {
    name,
    async measure() {
      return await run() / 2 ** 20;
    },
  };
}

/** Runs bench/_rss_probe.ts in a fresh Deno process. */
export async function probe(kind: string, workers: number): Promise<number> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      RSS_PROBE,
      kind,
      String(workers),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `the RSS probe for ${kind} failed: ${
        new TextDecoder().decode(out.stderr)
      }`,
    );
  }
  return JSON.parse(new TextDecoder().decode(out.stdout)).bytesPerWorker;
}

/** A peer pool's contender for an op answering {ms, total}. */
export function peerRates(
  peer: Peer | undefined,
  pools: string[],
  suffix: string,
  op: "inflight" | "latency" | "map",
  p: FigureParams,
): Contender[] {
  if (!peer) return [];
  const count = op === "inflight"
    ? p.inFlight
    : op === "latency"
    ? p.oneAtATime
    : p.mapItems;
  const expected = op === "map" ? sumOfDoubles(count) : sumOfTiny(count);
  return pools.map((pool) => {
    const name = peerName(pool, suffix, op);
    return {
      name,
      async measure(outer) {
        outer?.start();
        const answer = await peer.request({
          op,
          pool,
          size: p.size,
          tasks: count,
          items: count,
        });
        outer?.end();
        check(name, answer.total, expected);
        const ms = answer.ms!;
        return op === "latency" ? ms * 1000 / count : count / (ms / 1000);
      },
    };
  });
}

export function peerStartUps(
  peer: Peer | undefined,
  pools: string[],
  suffix: string,
  size: number,
): Contender[] {
  if (!peer) return [];
  return pools.map((pool) => ({
    name: peerName(pool, suffix, "startup"),
    async measure(outer) {
      outer?.start();
      const answer: PeerAnswer = await peer.request({
        op: "startup",
        pool,
        size,
      });
      outer?.end();
      await peer.request({ op: "teardown" });
      return answer.ms!;
    },
  }));
}

/** Memory is measured by a fresh peer process per measurement. */
export function peerMemory(
  peer: Peer | Skipped,
  runtime: "node" | "python",
  pools: string[],
  suffix: string,
  p: FigureParams,
): Contender[] {
  if ("skipped" in peer) return [];
  return pools.map((pool) => ({
    name: peerName(pool, suffix, "rss"),
    async measure() {
      const fresh =
        await (runtime === "node" ? startNodePeer() : startPythonPeer());
      if ("skipped" in fresh) throw new Error(fresh.skipped);
      await using _ = fresh;
      const answer = await fresh.request({
        op: "rss",
        pool,
        size: p.rssWorkers,
      });
      return answer.bytesPerWorker! / 2 ** 20;
    },
  }));
}

/** `piscina (Node)`, `Python ThreadPool`, `Python Pool.map (fork)`, `Python Pool (spawn, per child)`. */
function peerName(pool: string, suffix: string, op: string): string {
  if (suffix) return `${pool} ${suffix}`;
  const [kind, method] = pool.split(" ");
  const what = op === "map" ? `${kind}.map` : kind;
  const details = [method, op === "rss" && kind === "Pool" ? "per child" : ""]
    .filter(Boolean).join(", ");
  return `Python ${what}${details ? ` (${details})` : ""}`;
}
