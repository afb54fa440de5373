// task_master.py from the tutorials: the master of a distributed job. It
// serves two queues on the network (a Manager with an authkey), puts ten
// random numbers in the task queue and reads ten "n * n = n²" results that
// workers (task_worker.ts, on this or another machine) put back.
//
//   deno run -A examples/distributed/task_master.ts [--host 127.0.0.1] [--port 5000] [--authkey abc]
//   deno run -A examples/distributed/task_master.ts --redis redis://127.0.0.1:6379
//
// With --redis the same flow runs on Redis Streams instead: the queues live
// in Redis, so workers may crash or restart and no task is lost.
import { parseArgs } from "@std/cli/parse-args";
import { Manager, Queue } from "@multitask/core";
import { RedisQueue } from "@multitask/core/redis";
import { refuseUnknown } from "../_flags.ts";

/** What the master needs from a queue: the Queue and RedisQueue surface. */
interface TaskQueue<T> {
  put(item: T): Promise<unknown>;
  get(options: { timeout: number }): Promise<T>;
}

const flags = parseArgs(Deno.args, {
  string: ["host", "port", "authkey", "redis", "timeout"],
  default: {
    host: "127.0.0.1",
    port: "5000",
    authkey: "abc",
    timeout: "10000", // result.get(timeout=10)
  },
  unknown: refuseUnknown,
});

let task: TaskQueue<number>;
let result: TaskQueue<string>;
let close: () => Promise<void>;
if (flags.redis) {
  // The one line that differs: the queues are streams on a Redis server.
  const [tasks, results] = [
    await RedisQueue.connect<number>(flags.redis, "task_queue"),
    await RedisQueue.connect<string>(flags.redis, "result_queue"),
  ];
  [task, result] = [tasks, results];
  close = async () => {
    await tasks.close();
    await results.close();
  };
} else {
  // 把两个Queue都注册到网络上: the task queue and the result queue.
  const manager = new Manager({
    hostname: flags.host,
    port: Number(flags.port),
    authkey: flags.authkey,
  });
  manager.register("task_queue", new Queue<number>());
  manager.register("result_queue", new Queue<string>());
  await manager.start();
  task = manager.get<Queue<number>>("task_queue");
  result = manager.get<Queue<string>>("result_queue");
  close = () => manager.shutdown();
}

// 放几个任务进去:
for (let i = 0; i < 10; i++) {
  const n = Math.floor(Math.random() * 10001); // random.randint(0, 10000)
  console.log(`Put task ${n}...`);
  await task.put(n);
}
// 从result队列读取结果:
console.log("Try get results...");
for (let i = 0; i < 10; i++) {
  const r = await result.get({ timeout: Number(flags.timeout) });
  console.log(`Result: ${r}`);
}
// 关闭:
await close();
console.log("master exit.");
