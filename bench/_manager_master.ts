// The master process of bench/manager_bench.ts: serves one Queue on a free
// loopback port, prints the port, and runs until killed. A separate process,
// as Python's BaseManager.start() is, so client and server overlap on the
// two cores in both rows.
import { Manager } from "../lib/manager/manager.ts";
import { Queue } from "../lib/queue/queue.ts";

const manager = new Manager({ port: 0, authkey: "abc" });
manager.register("task_queue", new Queue<number>());
const { port } = await manager.start();
console.log(port);
