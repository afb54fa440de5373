// The Python tutorial's GIL lesson: start one thread per core, each spinning on
// `x = x ^ 1`. In CPython the GIL lets only one of them run at a time, so
// the process uses about one core and N threads get no more done than one.
// Deno's threads are Workers, each with its own isolate and no global lock:
// they use every core.
//
//   deno run -A examples/busy_loop.ts [--seconds 2]
//
// The Python tutorial's loops run forever; these stop after --seconds. First one
// thread spins alone, then one per core: the report compares the loop turns
// they got through, and the process's CPU time (all threads, from
// process.cpuUsage()) with the wall time. Both figures are lower when other
// programs compete for the cores.
import process from "node:process";
import { parseArgs } from "@std/cli/parse-args";
import { Thread } from "@multitask/core/thread";
import { Barrier } from "@multitask/core/sync";
import { refuseUnknown } from "./_flags.ts";

/** Spins on x = x ^ 1 for `ms` once every thread is ready; returns the turns done. */
export function loop(start: Barrier, ms: number): number {
  start.waitSync();
  const end = performance.now() + ms;
  let x = 0;
  let turns = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 100_000; i++) x = x ^ 1;
    turns += 100_000;
  }
  return turns + x; // x is 0 here; using it keeps the loop from being optimized away
}

interface Spin {
  turns: number;
  cpuSeconds: number;
  wallSeconds: number;
}

async function spin(threadCount: number, seconds: number): Promise<Spin> {
  const start = new Barrier(threadCount + 1);
  const threads: Thread[] = [];
  for (let i = 0; i < threadCount; i++) {
    const t = new Thread({
      target: loop,
      module: import.meta.url,
      args: [start, seconds * 1000],
    });
    t.start();
    threads.push(t);
  }
  await start.wait(); // every thread is ready: start the clocks together
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (const t of threads) await t.join();
  const cpu = process.cpuUsage(cpu0);
  return {
    turns: threads.reduce((sum, t) => sum + (t.result as number), 0),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds: (performance.now() - wall0) / 1000,
  };
}

async function main(seconds: number): Promise<void> {
  const cores = navigator.hardwareConcurrency;
  console.log(
    `spinning on x = x ^ 1 for ${seconds} s: 1 thread, then ${cores} (one per core)`,
  );
  const one = await spin(1, seconds);
  const all = await spin(cores, seconds);
  console.log(
    `${cores} threads got through ${
      (all.turns / one.turns).toFixed(2)
    }x the turns of 1 thread`,
  );
  console.log(
    `${cores} threads used ${all.cpuSeconds.toFixed(2)} s of CPU in ${
      all.wallSeconds.toFixed(2)
    } s: ${
      (all.cpuSeconds / all.wallSeconds).toFixed(2)
    } of ${cores} cores busy`,
  );
  console.log("(CPython with its GIL: about 1x the turns and 1 core busy)");
}

if (import.meta.main) {
  const flags = parseArgs(Deno.args, {
    string: ["seconds"],
    default: { seconds: "2" },
    unknown: refuseUnknown,
  });
  const seconds = Number(flags.seconds);
  if (!(seconds > 0)) {
    throw new TypeError(
      `--seconds must be a positive number: received ${flags.seconds}`,
    );
  }
  await main(seconds);
}
