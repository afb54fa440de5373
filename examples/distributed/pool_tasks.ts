// The work of the Python tutorials' task_worker.py, as a module that Redis
// pool workers run (they run only exports of the modules they are started
// with):
//
//   deno task worker --redis redis://127.0.0.1:6379 \
//     --module examples/distributed/pool_tasks.ts --authkey abc
import { delay } from "@std/async/delay";

/** run task n * n... then, after the tutorial's time.sleep(1), "n * n = n²". */
export async function square(n: number, ms = 1000): Promise<string> {
  console.log(`run task ${n} * ${n}...`);
  await delay(ms);
  return `${n} * ${n} = ${n * n}`;
}

/** The same with a shorter nap, for the example's test. */
export function quickSquare(n: number): Promise<string> {
  return square(n, 50);
}
