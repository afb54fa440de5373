// The "thread" kind of pool worker: a node:worker_threads Worker running
// lib/_pool_worker.ts. node:worker_threads rather than the Web Worker because
// it reports the exit code when a task calls Deno.exit (a Web Worker just
// vanishes) and can be unref'd while idle.

import { Worker } from "node:worker_threads";
import { encodeValue } from "../_crossing/codec.ts";
import { countersBuffer, nextIdent } from "../thread/_state.ts";
import type { InitMessage, RunMessage, WorkerReply } from "./_protocol.ts";
import type { PoolWorker, StartWorker } from "./_member.ts";
import type { BackendFactory } from "./_backend.ts";
import { PoolCore } from "./_core.ts";

const ENTRY = new URL("./_thread_entry.ts", import.meta.url);

/** The backend of `kind: "thread"`. */
export const threadBackend: BackendFactory = (settings) =>
  new PoolCore(settings, { start: startThreadWorker, maxBatch: 256 });

/** Starts a thread worker for the pool core. */
const startThreadWorker: StartWorker = (name, setup, events) => {
  const shared = new SharedArrayBuffer(8);
  const progress = new Int32Array(shared);
  const worker = new Worker(ENTRY, { name });
  let error: unknown;
  const exited = new Promise<void>((resolve) => {
    worker.on("exit", (code: number) => {
      resolve();
      events.exit(
        code,
        error ? `failed to start (${String(error)})` : undefined,
      );
    });
  });
  worker.on("message", (message: WorkerReply) => events.reply(message));
  worker.on("error", (e: unknown) => (error = e));
  const init: InitMessage = {
    t: "init",
    name,
    progress: shared,
    thread: { ident: nextIdent(), counters: countersBuffer() },
    initializer: setup.initializer,
    initargs: setup.initargs &&
      encodeValue(setup.initargs, "thread") as unknown[],
  };
  worker.postMessage(init);
  let refed = true;
  const stop = async () => {
    await worker.terminate();
    await exited;
  };
  const handle: PoolWorker = {
    route: "thread",
    label: "thread",
    send(message: RunMessage, transfer: Transferable[]) {
      // deno-lint-ignore no-explicit-any
      worker.postMessage(message, transfer as any);
    },
    progress: () => [Atomics.load(progress, 0), Atomics.load(progress, 1)],
    ref(busy: boolean) {
      if (busy === refed) return;
      refed = busy;
      if (busy) worker.ref();
      else worker.unref();
    },
    kill: stop,
    stop,
  };
  return handle;
};
