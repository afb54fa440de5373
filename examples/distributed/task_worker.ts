// task_worker.py from the tutorials: a worker of the distributed job. It
// connects to the master (task_master.ts) with the same authkey, takes up to
// ten numbers from the task queue, and puts "n * n = n²" in the result queue.
// Start as many as you like, on this machine or others.
//
//   deno run -A examples/distributed/task_worker.ts [--host 127.0.0.1] [--port 5000] [--authkey abc]
//   deno run -A examples/distributed/task_worker.ts --redis redis://127.0.0.1:6379
//
// With --redis the tasks come from Redis Streams: a task this worker took is
// acknowledged when it asks for the next one, so if the worker dies while
// working, the task goes to another worker once it has been idle
// --claim-idle ms.
import { parseArgs } from "@std/cli/parse-args";
import { delay } from "@std/async/delay";
import { ConnectionClosedError, Empty, Manager } from "@multitask/core";
import { RedisQueue } from "@multitask/core/redis";
import { refuseUnknown } from "../_flags.ts";

/** What the worker needs from a queue: the Queue and RedisQueue surface. */
interface TaskQueue<T> {
  put(item: T): Promise<unknown>;
  get(options: { timeout: number }): Promise<T>;
}

const flags = parseArgs(Deno.args, {
  string: [
    "host",
    "port",
    "authkey",
    "redis",
    "claim-idle",
    "timeout",
    "delay",
  ],
  default: {
    host: "127.0.0.1",
    port: "5000",
    authkey: "abc",
    "claim-idle": "30000",
    timeout: "1000", // task.get(timeout=1)
    delay: "1000", // time.sleep(1)
  },
  unknown: refuseUnknown,
});

// 连接到服务器，也就是运行task_master.ts的机器:
const server = flags.redis ?? flags.host;
console.log(`Connect to server ${server}...`);

let task: TaskQueue<number>;
let result: TaskQueue<string>;
let close: () => Promise<void>;
try {
  if (flags.redis) {
    // The one line that differs: the queues are streams on a Redis server.
    const claimIdle = Number(flags["claim-idle"]);
    const [tasks, results] = [
      await RedisQueue.connect<number>(flags.redis, "task_queue", {
        claimIdle,
      }),
      await RedisQueue.connect<string>(flags.redis, "result_queue"),
    ];
    [task, result] = [tasks, results];
    close = async () => {
      await tasks.close();
      await results.close();
    };
  } else {
    // 端口和验证码注意保持与task_master.ts设置的完全一致:
    const m = await Manager.connect({
      hostname: flags.host,
      port: Number(flags.port),
      authkey: flags.authkey,
    });
    task = m.queue<number>("task_queue");
    result = m.queue<string>("result_queue");
    close = () => m.close();
  }
} catch (error) {
  console.error(`${(error as Error).name}: ${(error as Error).message}`);
  Deno.exit(1);
}

// 从task队列取任务,并把结果写入result队列:
for (let i = 0; i < 10; i++) {
  try {
    const n = await task.get({ timeout: Number(flags.timeout) });
    console.log(`run task ${n} * ${n}...`);
    const r = `${n} * ${n} = ${n * n}`;
    await delay(Number(flags.delay));
    await result.put(r);
  } catch (error) {
    if (error instanceof Empty) {
      console.log("task queue is empty.");
    } else if (error instanceof ConnectionClosedError) {
      console.log("master has shut down.");
      break;
    } else {
      throw error;
    }
  }
}
// 处理结束:
await close();
console.log("worker exit.");
