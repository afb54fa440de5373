// The "thread" kind of pool worker: a Web Worker running _thread_entry.ts,
// started through the one worker port (lib/_crossing/worker_port.ts). A Web
// Worker cannot stop keeping the program alive, so an idle one is retired
// after a while instead (see THREAD_IDLE_MS), and started again on demand.

import { encodeValue } from "../_crossing/codec.ts";
import { spawnWorker } from "../_crossing/worker_port.ts";
import { countersBuffer, nextIdent } from "../thread/_state.ts";
import {
  type InitMessage,
  PROGRESS_BYTES,
  type RunMessage,
  type WorkerReply,
} from "./_protocol.ts";
import type { PoolWorker, StartWorker } from "./_member.ts";
import type { BackendFactory } from "./_backend.ts";
import { PoolCore } from "./_core.ts";

const ENTRY = new URL("./_thread_entry.ts", import.meta.url);

/**
 * How long a thread worker may sit idle before it is retired: this long
 * after its last task, a pool that was never closed lets the program end.
 * Restarting a worker costs one Web Worker start (~16 ms here), which tasks
 * arriving further apart than this pay.
 */
export const THREAD_IDLE_MS = 250;

/** The backend of `kind: "thread"`. */
export const threadBackend: BackendFactory = (settings) =>
  new PoolCore(settings, {
    start: startThreadWorker,
    maxBatch: 256,
    retireIdleAfter: THREAD_IDLE_MS,
  });

const startThreadWorker: StartWorker = (name, setup, events) => {
  const shared = new SharedArrayBuffer(PROGRESS_BYTES);
  const seqs = new Int32Array(shared, 0, 2);
  const times = new Float64Array(shared, 8, 1);
  const port = spawnWorker(ENTRY, { name }, {
    message: (data) => events.reply(data as WorkerReply),
    exit: (code, error) =>
      events.exit(
        code,
        error ? `stopped on an uncaught error (${String(error)})` : undefined,
      ),
  });
  const init: InitMessage = {
    t: "init",
    name,
    progress: shared,
    thread: { ident: nextIdent(), counters: countersBuffer() },
    initializer: setup.initializer,
    initargs: setup.initargs &&
      encodeValue(setup.initargs, "thread") as unknown[],
  };
  port.post(init);
  const stop = () => port.terminate();
  const handle: PoolWorker = {
    route: "thread",
    label: "thread",
    send(message: RunMessage, transfer: Transferable[]) {
      port.post(message, transfer);
    },
    progress: () => {
      const started = Atomics.load(seqs, 0);
      return { started, finished: Atomics.load(seqs, 1), startedAt: times[0] };
    },
    ref() {},
    kill: stop,
    stop,
  };
  return handle;
};
