// The messages between a pool and its workers, the same for a thread worker
// and a child process. Tasks travel in batches of flat arrays: when many tiny
// tasks are queued, one message carries dozens of them and one message brings
// all their results back, which is where the pool's speed comes from.

import type { SerializedError } from "../_crossing/errors.ts";
import type { TargetSpec } from "../_crossing/target.ts";
import type { Outcomes } from "../_crossing/outcome.ts";

export { MODE_APPLY, MODE_MAP, MODE_STARMAP } from "./_backend.ts";
/** Added to a task's mode (see _backend.ts) when its payload holds library handles to revive. */
export const MODE_HANDLES = 4;
/** Added to a task's mode when its caller listens to its progress(). */
export const MODE_PROGRESS = 8;

/** Size of InitMessage.progress. */
export const PROGRESS_BYTES = 16;

/** Sent once, first, to every worker. */
export interface InitMessage {
  t: "init";
  /** The worker's name, for errors and currentThread(). */
  name: string;
  /**
   * PROGRESS_BYTES shared with the pool: Int32 [0] sequence number of the
   * task started last, [1] of the task finished last; Float64 at byte 8:
   * when [0] started (performance.timeOrigin + now()).
   */
  progress?: SharedArrayBuffer;
  /**
   * Child processes share no memory: they keep a journal in this file
   * instead, of the task they start and of each result (see _journal.ts).
   */
  journal?: string;
  /** Thread workers: what currentThread() reports inside them (see lib/_thread_state.ts). */
  thread?: { ident: number; counters: SharedArrayBuffer };
  initializer?: TargetSpec;
  initargs?: unknown[];
  /**
   * Thread workers: the doorbell's buffer (lib/_crossing/doorbell.ts) and
   * how long an idle worker parks on it for its next task.
   */
  doorbell?: { buffer: SharedArrayBuffer; parkMs: number };
}

/** A batch of tasks. */
export interface RunMessage {
  t: "run";
  /** Targets this worker has not seen yet: [id, spec, id, spec...]. */
  defs?: unknown[];
  /** [mode, targetId, payload, mode, targetId, payload...]. */
  tasks: unknown[];
}

/** The results of one batch, in the order of its tasks. */
export interface DoneMessage {
  t: "done";
  /** Their outcomes (see lib/_crossing/outcome.ts). */
  out: Outcomes;
  /** Milliseconds the worker spent running the batch (for batch sizing). */
  ms: number;
  /**
   * Only in the results a worker leaves as it dies (sent as a thread worker
   * exits, read from a child's journal): the sequence number of the task
   * `out` starts with.
   */
  first?: number;
}

/** An error escaped a task (a timer, an unhandled rejection): the worker is going down. */
export interface CrashMessage {
  t: "crash";
  error: SerializedError;
}

/** The worker's initializer threw: it will not run tasks. */
export interface InitFailedMessage {
  t: "initFailed";
  error: SerializedError;
}

/** A task called progress(value); sent before its result. */
export interface ProgressMessage {
  t: "progress";
  /** The task's sequence number in this worker. */
  seq: number;
  value: unknown;
}

/** Anything a worker sends back. */
export type WorkerReply =
  | DoneMessage
  | CrashMessage
  | InitFailedMessage
  | ProgressMessage;
