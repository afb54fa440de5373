// The "thread" kind of pool worker: a Web Worker running _thread_entry.ts,
// started through the one worker port (lib/_crossing/worker_port.ts). A Web
// Worker cannot stop keeping the program alive, so an idle one is retired
// after a while instead (see THREAD_IDLE_MS, or the pool's idleTimeout), and
// started again on demand; the pool's minSize workers stay, and keep the
// program alive until the pool is closed.

import { encodeValue } from "../_crossing/codec.ts";
import { spawnWorker } from "../_crossing/worker_port.ts";
import {
  ANSWER_POSTED,
  ANSWER_VALUE,
  Doorbell,
} from "../_crossing/doorbell.ts";
import { RETURNED } from "../_crossing/outcome.ts";
import { countersBuffer, nextIdent } from "../thread/_state.ts";
import {
  type DoneMessage,
  type InitMessage,
  MODE_HANDLES,
  MODE_PROGRESS,
  PROGRESS_BYTES,
  type RunMessage,
  type WorkerReply,
} from "./_protocol.ts";
import type { PoolWorker, StartWorker } from "./_member.ts";
import type { BackendFactory } from "./_backend.ts";
import { PoolCore } from "./_core.ts";

const ENTRY = new URL("./_thread_entry.ts", import.meta.url);

/**
 * The thread kind's default idleTimeout: how long a thread worker may sit
 * idle before it is retired. This long after its last task, a pool that was
 * never closed (and keeps no minSize workers) lets the program end.
 * Restarting a worker costs one Web Worker start (~16 ms here), which tasks
 * arriving further apart than this pay.
 */
export const THREAD_IDLE_MS = 250;

/**
 * The thread pool's doorbell (lib/_crossing/doorbell.ts): how long an idle
 * worker parks for its next task before it goes back to its event loop, and
 * how many tasks were rung (tests read it to know the doorbell was used).
 */
export const threadDoorbell = { parkMs: 5, rung: 0 };

/** The backend of `kind: "thread"`. */
export const threadBackend: BackendFactory = (settings) =>
  new PoolCore(settings, {
    start: startThreadWorker,
    maxBatch: 256,
    unrefIdle: false,
    idleTimeout: THREAD_IDLE_MS,
  });

const startThreadWorker: StartWorker = (name, setup, events) => {
  const shared = new SharedArrayBuffer(PROGRESS_BYTES);
  const seqs = new Int32Array(shared, 0, 2);
  const times = new Float64Array(shared, 8, 1);
  const bell = new Doorbell();
  // Batches sent and not answered yet; a task is rung only when there are
  // none, so that its answer cannot overtake an earlier batch's message.
  let outstanding = 0;
  let ringing = 0;
  // The rung task's answer, delivered once, before any later message.
  const takeAnswer = () => {
    if (ringing === 0 || !bell.isAnswered(ringing)) return;
    ringing = 0;
    const { kind, value, ms } = bell.answer();
    if (kind === ANSWER_POSTED) return; // its message follows
    outstanding--;
    const done: DoneMessage = {
      t: "done",
      out: [RETURNED, kind === ANSWER_VALUE ? value : undefined],
      ms,
    };
    events.reply(done);
  };
  const port = spawnWorker(ENTRY, { name }, {
    message: (data) => {
      takeAnswer();
      const reply = data as WorkerReply;
      if (reply.t === "done" && reply.first === undefined) outstanding--;
      events.reply(reply);
    },
    exit: (code, error) => {
      bell.release();
      events.exit(
        code,
        error ? `stopped on an uncaught error (${String(error)})` : undefined,
      );
    },
  });
  const init: InitMessage = {
    t: "init",
    name,
    progress: shared,
    thread: { ident: nextIdent(), counters: countersBuffer() },
    initializer: setup.initializer,
    initargs: setup.initargs &&
      encodeValue(setup.initargs, "thread") as unknown[],
    doorbell: { buffer: bell.buffer, parkMs: threadDoorbell.parkMs },
  };
  port.post(init);
  const ring = (message: RunMessage, transfer: Transferable[]): boolean => {
    const tasks = message.tasks;
    if (outstanding > 0 || tasks.length !== 3 || message.defs) return false;
    const mode = tasks[0] as number;
    // A task reporting progress answers by message, after its progress.
    if (transfer.length > 0 || mode & (MODE_HANDLES | MODE_PROGRESS)) {
      return false;
    }
    const seq = bell.ring(mode, tasks[1] as number, tasks[2]);
    if (seq === 0) return false;
    threadDoorbell.rung++;
    ringing = seq;
    bell.answered(seq).then(takeAnswer);
    return true;
  };
  const stop = () => {
    bell.release();
    return port.terminate();
  };
  const handle: PoolWorker = {
    route: "thread",
    label: "thread",
    send(message: RunMessage, transfer: Transferable[]) {
      if (!ring(message, transfer)) {
        port.post(message, transfer);
        bell.posted();
      }
      outstanding++;
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
