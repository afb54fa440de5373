// Processes vs threads on CPU-bound work: the same prime count done serially,
// on a thread pool and on a process pool, each sized to the cores. In Python
// only the processes would help (threads share one GIL); in Deno every
// worker thread has its own isolate, so both kinds run in parallel, and
// threads start faster and exchange data more cheaply.
// `deno run -A examples/pool_process_vs_thread.ts [--limit 3000000] [--tasks 8]`
import { parseArgs } from "@std/cli/parse-args";
import { Pool } from "@multitask/core/pool";
import { refuseUnknown } from "./_flags.ts";

/** Counts the primes among `lo + k·stride` below `limit` (task `lo` of `stride`). */
export function countPrimes(lo: number, stride: number, limit: number): number {
  let count = 0;
  for (let n = lo; n < limit; n += stride) {
    if (n < 2) continue;
    let prime = true;
    for (let d = 2; d * d <= n; d++) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

function seconds(start: number): string {
  return ((performance.now() - start) / 1000).toFixed(2);
}

async function onPool(
  kind: "thread" | "process",
  args: [number, number, number][],
) {
  let start = performance.now();
  await using pool = new Pool({ kind, module: import.meta.url });
  await Promise.all(args.map(() => pool.apply(countPrimes, [0, 1, 0]))); // start the workers
  const startup = seconds(start);
  start = performance.now();
  const counts = await pool.starmap(countPrimes, args, { chunksize: 1 });
  const total = counts.reduce((a, b) => a + b, 0);
  const label = `${kind} pool (${pool.stats.maxSize}):`.padEnd(20);
  console.log(
    `${label}${
      seconds(start)
    } s, ${total} primes (workers started in ${startup} s)`,
  );
}

if (import.meta.main) {
  const flags = parseArgs(Deno.args, {
    string: ["limit", "tasks"],
    default: { limit: "3000000", tasks: "8" },
    unknown: refuseUnknown,
  });
  const limit = Number(flags.limit);
  const tasks = Number(flags.tasks);
  const args = Array.from(
    { length: tasks },
    (_, i) => [i, tasks, limit] as [number, number, number],
  );
  console.log(
    `Counting the primes below ${limit} in ${tasks} tasks on ${navigator.hardwareConcurrency} cores`,
  );

  const start = performance.now();
  let total = 0;
  for (const [lo, stride, max] of args) total += countPrimes(lo, stride, max);
  console.log(`${"serial:".padEnd(20)}${seconds(start)} s, ${total} primes`);

  await onPool("thread", args);
  await onPool("process", args);
}
