// The errors a local pool gives a task it could not run to the end, worded
// in one place: why it stopped, where it was, and what to do.

import { AbortError, PoolClosedError, TimeoutError } from "../errors/mod.ts";

/** A task that outlived its timeout (`running`: the pool's taskTimeout) while queued or on `worker`. */
export function taskTimedOut(
  ms: number,
  running: boolean,
  worker: string | undefined,
): TimeoutError {
  const where = worker === undefined
    ? "It was still waiting in the queue, so it never ran."
    : `Its worker ${worker} was terminated and replaced.`;
  const what = running
    ? `The task ran longer than the pool's taskTimeout of ${ms} ms.`
    : `The task did not finish within its timeout of ${ms} ms.`;
  return new TimeoutError(
    `${what} ${where} Raise the timeout, or split the work into smaller tasks.`,
  );
}

/** A task cancelled through its signal; `when` completes "cancelled through its signal ..." ("while it ran", "before it was queued"...). */
export function taskAborted(signal: AbortSignal, when: string): AbortError {
  return new AbortError(
    `The task was cancelled through its signal ${when}${
      when === "while it ran" ? "; its worker was terminated and replaced" : ""
    }.`,
    { cause: signal.reason },
  );
}

/** Work submitted to a pool after close() or terminate(). */
export function poolStopped(
  pool: string,
  terminated: boolean,
): PoolClosedError {
  return new PoolClosedError(
    `Cannot submit work to pool ${pool} as it was ${
      terminated ? "terminated" : "closed"
    }: close() and terminate() stop a pool for good. Submit everything before close(), or create a new Pool.`,
  );
}

/** A task still queued or running when its pool was terminated. */
export function poolTerminated(pool: string): PoolClosedError {
  return new PoolClosedError(
    `Pool ${pool} was terminated before this task finished. Await your results before terminate(), or use close() and join() to let queued work finish.`,
  );
}
