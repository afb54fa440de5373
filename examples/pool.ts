// The Python tutorial's process pool: Pool(4) runs five long_time_tasks; tasks 0-3
// start at once, task 4 waits until one of them has finished; close() comes
// before join(). `deno run -A examples/pool.ts [--seconds 3]`
//
// The pool's default size is the number of cores (navigator.hardwareConcurrency);
// on an 8-core machine a ninth task would be the first to wait.
import { parseArgs } from "@std/cli/parse-args";
import { delay } from "@std/async/delay";
import { Pool } from "@multitask/core/pool";
import { refuseUnknown } from "./_flags.ts";

/** Sleeps a random time up to `seconds`, printing when it starts and how long it ran. */
export async function longTimeTask(
  name: number,
  seconds: number,
): Promise<void> {
  console.log(`Run task ${name} (${Deno.pid})...`);
  const start = performance.now();
  await delay(Math.random() * seconds * 1000);
  const end = performance.now();
  console.log(
    `Task ${name} runs ${((end - start) / 1000).toFixed(2)} seconds.`,
  );
}

if (import.meta.main) {
  const flags = parseArgs(Deno.args, {
    string: ["seconds"],
    default: { seconds: "3" },
    unknown: refuseUnknown,
  });
  const seconds = Number(flags.seconds);
  console.log(`Parent process ${Deno.pid}.`);
  const p = new Pool({ size: 4, kind: "process", module: import.meta.url });
  const results = [];
  for (let i = 0; i < 5; i++) results.push(p.apply(longTimeTask, [i, seconds]));
  console.log("Waiting for all subprocesses done...");
  p.close();
  await p.join();
  await Promise.all(results); // surfaces any task's error
  console.log("All subprocesses done.");
}
