// task_master.py from the Python tutorials, as one Pool.map: the master puts
// ten random numbers, workers on this or other machines compute "n * n = n²",
// and the master prints the results in order. What the tutorial writes by
// hand (two queues on a Manager, a worker loop) is the Pool of kind "redis"
// and the worker command; the tasks are the exports of pool_tasks.ts.
//
//   redis-server --port 6379                                # anywhere reachable
//   deno task worker --redis redis://127.0.0.1:6379 \
//     --module examples/distributed/pool_tasks.ts --authkey abc   # one per machine
//   deno run -A examples/distributed/pool_master.ts --redis redis://127.0.0.1:6379
//
// Flags: --redis URL (required), --authkey (abc), --quick (50 ms per task
// instead of the tutorial's second).
import { parseArgs } from "@std/cli/parse-args";
import { Pool } from "@multitask/core";
import { quickSquare, square } from "./pool_tasks.ts";
import { refuseUnknown } from "../_flags.ts";

const flags = parseArgs(Deno.args, {
  string: ["redis", "authkey"],
  boolean: ["quick"],
  default: { authkey: "abc" },
  unknown: refuseUnknown,
});
if (!flags.redis) {
  throw new TypeError(
    "Cannot start the master without --redis URL, e.g. --redis redis://127.0.0.1:6379 (the server the workers use too).",
  );
}

// The one option that changes: kind "redis" (with its server and key) where
// a local pool says "thread" or "process".
await using pool = new Pool({
  kind: "redis",
  redis: flags.redis,
  module: new URL("./pool_tasks.ts", import.meta.url),
  authkey: flags.authkey,
});

// 放几个任务进去:
const numbers = Array.from(
  { length: 10 },
  () => Math.floor(Math.random() * 10001), // random.randint(0, 10000)
);
for (const n of numbers) console.log(`Put task ${n}...`);
// 从result队列读取结果: map's results come back in the order of the tasks.
console.log("Try get results...");
const results = await pool.map(flags.quick ? quickSquare : square, numbers, {
  chunksize: 1,
});
for (const r of results) console.log(`Result: ${r}`);
console.log("master exit.");
