// The seed's GIL lesson: start one thread per core, each spinning on
// `x = x ^ 1`. In CPython the GIL lets only one of them run at a time, so
// the process uses about one core. Deno's threads are Workers, each with its
// own isolate and no global lock: they use every core.
//
//   deno run -A examples/busy_loop.ts [--seconds 2]
//
// The seed's loops run forever; these stop after --seconds. The process's
// CPU time (all threads, from process.cpuUsage()) divided by the wall time
// is the number of cores kept busy.
import process from "node:process";
import { parseArgs } from "node:util";
import { Thread } from "@multitask/core/thread";
import { Barrier } from "@multitask/core/sync";

export function loop(start: Barrier, ms: number): number {
  start.waitSync();
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 100_000; i++) x = x ^ 1;
  }
  return x;
}

async function main(seconds: number): Promise<void> {
  const cores = navigator.hardwareConcurrency;
  const start = new Barrier(cores + 1);
  const threads: Thread[] = [];
  for (let i = 0; i < cores; i++) {
    const t = new Thread({
      target: loop,
      module: import.meta.url,
      args: [start, seconds * 1000],
    });
    t.start();
    threads.push(t);
  }
  console.log(
    `${cores} threads spinning on x = x ^ 1 for ${seconds} s (${cores} cores)`,
  );
  await start.wait(); // every thread is ready: start the clocks together
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (const t of threads) await t.join();
  const wall = (performance.now() - wall0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  console.log(
    `CPU time ${cpuSeconds.toFixed(2)} s in ${wall.toFixed(2)} s of wall time`,
  );
  console.log(
    `cores kept busy: ${
      (cpuSeconds / wall).toFixed(2)
    } of ${cores} (CPython with its GIL: about 1)`,
  );
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { seconds: { type: "string", default: "2" } },
  });
  const seconds = Number(values.seconds);
  if (!(seconds > 0)) {
    throw new TypeError(
      `--seconds must be a positive number: received ${values.seconds}`,
    );
  }
  await main(seconds);
}
