// Entry point of a thread-pool worker (a node:worker_threads Worker, which
// reports its exit code when a task calls Deno.exit). Runs batches with
// PoolRunner; an error escaping a task (thrown from a timer, an unhandled
// rejection) is reported as the cause of the crash before the worker exits,
// and Deno.exit (process.exit too) sends the results already computed first.

import { parentPort } from "node:worker_threads";
import { serializeError } from "../_crossing/errors.ts";
import { enterThread } from "../thread/_state.ts";
import { cloneableResults, PoolRunner } from "./_runner.ts";
import type {
  DoneMessage,
  InitMessage,
  RunMessage,
  WorkerReply,
} from "./_protocol.ts";

const port = parentPort!;
const runner = new PoolRunner("thread");

function reply(message: WorkerReply): void {
  port.postMessage(message);
}

function sendDone(message: DoneMessage): void {
  try {
    port.postMessage(message);
  } catch {
    port.postMessage(cloneableResults(message));
  }
}

// Results of the tasks that finished before the one that brings the worker
// down go back first, so only that task fails.
function flush(): void {
  const partial = runner.flushPartial();
  if (partial) sendDone(partial);
}

const exit = Deno.exit;
Object.defineProperty(Deno, "exit", {
  value: (code?: number): never => {
    flush();
    return exit(code);
  },
  configurable: true,
  writable: true,
});

function crash(error: unknown): void {
  try {
    flush();
    reply({ t: "crash", error: serializeError(error) });
  } finally {
    exit(70);
  }
}

globalThis.addEventListener("error", (event) => {
  event.preventDefault();
  crash(event.error ?? new Error(event.message));
});
globalThis.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  crash(event.reason);
});

port.on("message", (message: InitMessage | RunMessage) => {
  if (message.t === "init") {
    if (message.thread) {
      const { ident, counters } = message.thread;
      enterThread({ name: message.name, ident, daemon: true }, counters);
    }
    runner.init(message).then((failure) => {
      if (failure === undefined) return;
      reply({ t: "initFailed", error: serializeError(failure) });
      exit(71);
    });
    return;
  }
  runner.run(message).then(sendDone);
});
