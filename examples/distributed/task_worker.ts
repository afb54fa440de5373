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
import { parseArgs } from "node:util";
import { ConnectionClosedError, Empty, Manager } from "@multitask/core";
import { RedisQueue } from "@multitask/core/redis";

/** What the worker needs from a queue: the Queue and RedisQueue surface. */
interface TaskQueue<T> {
  put(item: T): Promise<unknown>;
  get(options: { timeout: number }): Promise<T>;
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "5000" },
    authkey: { type: "string", default: "abc" },
    redis: { type: "string" },
    "claim-idle": { type: "string", default: "30000" },
    timeout: { type: "string", default: "1000" }, // task.get(timeout=1)
    delay: { type: "string", default: "1000" }, // time.sleep(1)
  },
});

// 连接到服务器，也就是运行task_master.ts的机器:
const server = values.redis ?? values.host;
console.log(`Connect to server ${server}...`);

let task: TaskQueue<number>;
let result: TaskQueue<string>;
let close: () => Promise<void>;
try {
  if (values.redis) {
    // The one line that differs: the queues are streams on a Redis server.
    const claimIdle = Number(values["claim-idle"]);
    const [tasks, results] = [
      await RedisQueue.connect<number>(values.redis, "task_queue", {
        claimIdle,
      }),
      await RedisQueue.connect<string>(values.redis, "result_queue"),
    ];
    [task, result] = [tasks, results];
    close = async () => {
      await tasks.close();
      await results.close();
    };
  } else {
    // 端口和验证码注意保持与task_master.ts设置的完全一致:
    const m = await Manager.connect({
      hostname: values.host,
      port: Number(values.port),
      authkey: values.authkey,
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
    const n = await task.get({ timeout: Number(values.timeout) });
    console.log(`run task ${n} * ${n}...`);
    const r = `${n} * ${n} = ${n * n}`;
    await new Promise((resolve) => setTimeout(resolve, Number(values.delay)));
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
