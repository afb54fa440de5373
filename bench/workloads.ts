// The work every strategy runs. Pools import this module in their workers
// (`module: import.meta.url` of this file), so it holds only exported task
// functions and the pure description of each workload: no top-level effects.

/** Primes are counted from here, so that every task tests numbers of about the same size. */
export const PRIME_BASE = 10_000_000;

/** Trial division of an odd `n > 2`. */
function isOddPrime(n: number): boolean {
  for (let d = 3; d * d <= n; d += 2) {
    if (n % d === 0) return false;
  }
  return true;
}

/** Counts the primes in `[lo, hi)` by trial division: the serial reference. */
export function countPrimes(lo: number, hi: number): number {
  let count = lo <= 2 && hi > 2 ? 1 : 0;
  for (let n = Math.max(lo, 3) | 1; n < hi; n += 2) {
    if (isOddPrime(n)) count++;
  }
  return count;
}

/**
 * CPU-bound task `index` of `tasks`: counts the primes among the odd numbers
 * of `[PRIME_BASE, PRIME_BASE + span)` whose rank is `index` modulo `tasks`.
 * Striding (rather than cutting the range in blocks) gives every task the same
 * mix of small and large numbers, hence the same cost; the counts of all tasks
 * add up to `countPrimes(PRIME_BASE, PRIME_BASE + span)` whatever `tasks` is,
 * so the total work is the same for every strategy.
 */
export function cpuTask(index: number, tasks: number, span: number): number {
  const first = PRIME_BASE + 1 + 2 * index;
  const end = PRIME_BASE + span;
  let count = 0;
  for (let n = first; n < end; n += 2 * tasks) {
    if (isOddPrime(n)) count++;
  }
  return count;
}

/** IO-bound task standing for network latency: waits `ms`, returns `index`. */
export function timerTask(index: number, ms: number): Promise<number> {
  return new Promise((resolve) => setTimeout(() => resolve(index), ms));
}

/**
 * IO-bound task reading a whole file. Returns a cheap checksum (length plus
 * every 4096th byte) so the answer is checked without turning the read into
 * CPU work.
 */
export async function fileTask(path: string): Promise<number> {
  const bytes = await Deno.readFile(path);
  return fileChecksum(bytes);
}

/** The checksum `fileTask` returns for these bytes. */
export function fileChecksum(bytes: Uint8Array): number {
  let sum = bytes.length;
  for (let i = 0; i < bytes.length; i += 4096) sum += bytes[i];
  return sum;
}

/** The deterministic content of temp file `index`. */
export function fileContent(index: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  let x = (index + 1) * 2654435761;
  for (let i = 0; i < size; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

/**
 * IO-bound task asking the loopback server (which answers after a fixed delay)
 * for the square of `index`.
 */
export async function httpTask(url: string, index: number): Promise<number> {
  const response = await fetch(`${url}?n=${index}`);
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`GET ${url}?n=${index} answered ${response.status}`);
  }
  return Number(await response.text());
}

/** Where the IO workloads find their files and server (see `_fixture.ts`). */
export interface IoEnv {
  /** Base URL of the loopback server, e.g. `http://127.0.0.1:4507/`. */
  url: string;
  /** One temp file per task. */
  files: string[];
}

/** The knobs of one run. */
export interface WorkParams {
  /** How many tasks each workload is cut into. */
  tasks: number;
  /** Width of the range the CPU workload searches for primes. */
  span: number;
  /** Latency of the timer and HTTP workloads, in ms. */
  delayMs: number;
  /** Size of each temp file, in bytes. */
  fileBytes: number;
}

/** A task function as pools see it. */
// deno-lint-ignore no-explicit-any
export type TaskFn = (...args: any[]) => number | Promise<number>;

/** One workload: which function, each task's arguments, and the answer. */
export interface Workload {
  /** Short id used in bench groups, JSON and the chart. */
  id: "cpu" | "timer" | "file" | "http";
  /** What the workload stands for. */
  title: string;
  /** A shorter title, for chart panels. */
  label: string;
  /** Whether the work burns CPU or waits. */
  bound: "cpu" | "io";
  /** The exported task function (pools find it by name in this module). */
  fn: TaskFn;
  /** Arguments of task `index`. */
  args(index: number): unknown[];
  /** The sum of all task results, worked out independently. */
  expected(): number;
}

/** The four workloads for these parameters. */
export function workloads(p: WorkParams, env: IoEnv): Workload[] {
  const indices = Array.from({ length: p.tasks }, (_, i) => i);
  return [
    {
      id: "cpu",
      title: `CPU-bound: count primes in ${
        p.span.toLocaleString("en")
      } numbers`,
      label: "CPU-bound: count primes",
      bound: "cpu",
      fn: cpuTask,
      args: (i) => [i, p.tasks, p.span],
      expected: () => countPrimes(PRIME_BASE, PRIME_BASE + p.span),
    },
    {
      id: "timer",
      title: `IO-bound: ${p.delayMs} ms timer per task (network latency)`,
      label: `IO-bound: ${p.delayMs} ms timer`,
      bound: "io",
      fn: timerTask,
      args: (i) => [i, p.delayMs],
      expected: () => sum(indices),
    },
    {
      id: "file",
      title: `IO-bound: read a ${bytes(p.fileBytes)} temp file per task`,
      label: `IO-bound: read ${bytes(p.fileBytes)} files`,
      bound: "io",
      fn: fileTask,
      args: (i) => [env.files[i]],
      expected: () =>
        sum(indices.map((i) => fileChecksum(fileContent(i, p.fileBytes)))),
    },
    {
      id: "http",
      title:
        `IO-bound: GET from a loopback Deno.serve answering after ${p.delayMs} ms`,
      label: `IO-bound: HTTP, server waits ${p.delayMs} ms`,
      bound: "io",
      fn: httpTask,
      args: (i) => [env.url, i],
      expected: () => sum(indices.map((i) => i * i)),
    },
  ];
}

function bytes(n: number): string {
  return n >= 2 ** 20 ? `${n / 2 ** 20} MiB` : `${n / 1024} KiB`;
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
