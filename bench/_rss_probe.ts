// Resident memory of idle workers, measured in a fresh process so that
// nothing else the bench did is counted (bench/_pool_figures.ts runs it):
//
//   deno run -A --v8-flags=--expose-gc bench/_rss_probe.ts bare|thread|process N
//
// prints {"bytesPerWorker": ...}: for bare Web Workers and thread pools, the
// growth of this process's RSS once N workers have started and gone idle,
// divided by N; for a process pool, the mean RSS of its N child processes
// (read from /proc, so Linux only).

import { Pool } from "../lib/pool/mod.ts";
import { BareWorkers } from "./_bare.ts";
import { nap } from "./_pool_bench_tasks.ts";

const TASKS = new URL("./_pool_bench_tasks.ts", import.meta.url).href;
const SETTLE_MS = 300;

function rss(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return Deno.memoryUsage().rss;
}

function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
}

/** Resident set size of a process, in bytes, from /proc/PID/status. */
async function rssOf(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kib = status.match(/^VmRSS:\s+(\d+) kB$/m);
  if (!kib) throw new Error(`/proc/${pid}/status has no VmRSS line`);
  return Number(kib[1]) * 1024;
}

/** The pids whose parent is `pid`. */
async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`);
      // pid (comm) state ppid ...: comm may hold spaces, so split after ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry.name));
    } catch {
      // The process ended while we looked.
    }
  }
  return out;
}

async function bare(n: number): Promise<number> {
  const before = rss();
  using _workers = await BareWorkers.start(n);
  await settle();
  return (rss() - before) / n;
}

async function threadPool(n: number): Promise<number> {
  const before = rss();
  await using pool = new Pool({ size: n, module: TASKS });
  await Promise.all(Array.from({ length: 2 * n }, () => pool.apply(nap, [20])));
  await settle();
  return (rss() - before) / n;
}

async function processPool(n: number): Promise<number> {
  await using pool = new Pool({ size: n, kind: "process", module: TASKS });
  await Promise.all(Array.from({ length: 2 * n }, () => pool.apply(nap, [20])));
  await settle();
  const children = await childrenOf(Deno.pid);
  if (children.length !== n) {
    throw new Error(`expected ${n} child processes, found ${children.length}`);
  }
  const sizes = await Promise.all(children.map(rssOf));
  return sizes.reduce((a, b) => a + b, 0) / n;
}

const PROBES: Record<string, (n: number) => Promise<number>> = {
  bare,
  thread: threadPool,
  process: processPool,
};

if (import.meta.main) {
  const [kind, count] = Deno.args;
  const n = Number(count);
  const probe = PROBES[kind];
  if (!probe || !Number.isInteger(n) || n < 1) {
    console.error(
      `Usage: deno run -A --v8-flags=--expose-gc bench/_rss_probe.ts bare|thread|process N\nreceived: ${
        Deno.args.join(" ")
      }`,
    );
    Deno.exit(2);
  }
  console.log(JSON.stringify({ bytesPerWorker: await probe(n) }));
}
