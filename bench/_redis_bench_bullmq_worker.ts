// A BullMQ worker for bench/redis_pool_bench.ts, started as its own process
// as the multitask workers are: deno run -A this.ts URL QUEUE CONCURRENCY.
// Its processor is the bench's tiny task (a + b).
import { Worker } from "npm:bullmq@^5";

const [url, queue, concurrency] = Deno.args;
const { hostname, port } = new URL(url);
const worker = new Worker(
  queue,
  (job) => Promise.resolve(job.data.a + job.data.b),
  {
    connection: { host: hostname, port: Number(port) },
    concurrency: Number(concurrency),
  },
);
await worker.waitUntilReady();
Deno.addSignalListener("SIGTERM", async () => {
  await worker.close();
  Deno.exit(0);
});
console.error("bullmq worker started");
