// What a Thread costs from start() to join(), against the Workers it is made
// of. Run: deno bench -A bench/thread_bench.ts
import { Worker as NodeWorker } from "node:worker_threads";
import { Thread } from "../lib/thread/thread.ts";
import { plusOne } from "./_thread_targets.ts";

const targets = new URL("./_thread_targets.ts", import.meta.url);

const bare = new URL("./_thread_bench_worker.ts", import.meta.url);

Deno.bench({
  group: "start to join, trivial target",
  name: "bare Web Worker: new, one message each way, terminate",
  baseline: true,
  async fn() {
    const worker = new Worker(bare, { type: "module" });
    const done = new Promise((resolve) => (worker.onmessage = resolve));
    worker.postMessage(1);
    await done;
    worker.terminate();
  },
});

Deno.bench({
  group: "start to join, trivial target",
  name: "bare node:worker_threads Worker (Thread's fallback)",
  async fn() {
    const worker = new NodeWorker(
      `
      const { parentPort } = require("node:worker_threads");
      parentPort.once("message", (n) => parentPort.postMessage(n + 1));
    `,
      { eval: true },
    );
    await new Promise((resolve) => {
      worker.once("message", resolve);
      worker.postMessage(1);
    });
    await worker.terminate();
  },
});

Deno.bench({
  group: "start to join, trivial target",
  name: "Thread, exported target",
  async fn() {
    const t = new Thread({
      target: plusOne,
      module: targets,
      args: [1],
    });
    t.start();
    await t.join();
  },
});

Deno.bench({
  group: "start to join, trivial target",
  name: "Thread, shipped source",
  async fn() {
    const t = new Thread({ target: (n: number) => n + 1, args: [1] });
    t.start();
    await t.join();
  },
});
