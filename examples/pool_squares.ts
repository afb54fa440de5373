// The reference tutorial's process pool: Pool(4) runs foo(0..4), each
// sleeping 2 seconds and printing its square; apply is asynchronous, close()
// admits no more work and join() waits for the children.
// `deno run -A examples/pool_squares.ts [--seconds 2]`
import { parseArgs } from "@std/cli/parse-args";
import { delay } from "@std/async/delay";
import { Pool } from "@multitask/core/pool";
import { refuseUnknown } from "./_flags.ts";

/** Prints its pid, sleeps, prints x * x. */
export async function foo(x: number, seconds: number): Promise<void> {
  console.log(`Run task ${x} (pid:${Deno.pid})...`);
  await delay(seconds * 1000);
  console.log(`Task ${x} result is: ${x * x}`);
}

if (import.meta.main) {
  const flags = parseArgs(Deno.args, {
    string: ["seconds"],
    default: { seconds: "2" },
    unknown: refuseUnknown,
  });
  console.log(`Parent process ${Deno.pid}.`);
  const p = new Pool({ size: 4, kind: "process", module: import.meta.url }); // 设置进程数
  const tasks = [];
  for (let i = 0; i < 5; i++) {
    tasks.push(p.apply(foo, [i, Number(flags.seconds)]));
  }
  console.log("Waiting for all subprocesses done...");
  p.close();
  await p.join();
  await Promise.all(tasks);
  console.log("All subprocesses done.");
}
