// Every blocking algorithm in lib/sync is written once, as a generator that
// yields "sleep on this cell while it holds this value" requests. runSync
// serves them with Atomics.wait (blocks the thread), runAsync with
// Atomics.waitAsync (parks a promise). Fast paths never reach this file.

/** One request to sleep on `cell[index]` while it still equals `expected`. */
export interface WaitRequest {
  cell: Int32Array;
  index: number;
  expected: number;
  /** Absolute time (performance.now()) after which to give up; Infinity: never. */
  deadline: number;
}

/** What Atomics.wait reports. */
export type WaitResult = "ok" | "not-equal" | "timed-out";

/** A blocking algorithm: yields sleeps, returns its result. */
export type Steps<R> = Generator<WaitRequest, R, WaitResult>;

/** Builds a reusable request object. */
export function request(
  cell: Int32Array,
  index: number,
  expected: number,
  deadline: number,
): WaitRequest {
  return { cell, index, expected, deadline };
}

/**
 * Turns a user timeout (ms; undefined or Infinity: forever) into a deadline.
 * Validated here so every primitive rejects the same bad values the same way.
 */
export function deadlineOf(timeout: number | undefined, who: string): number {
  if (timeout === undefined || timeout === Infinity) return Infinity;
  if (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(
      `Cannot ${who} as 'timeout' must be a number of milliseconds >= 0 (or undefined to wait forever): received ${
        String(timeout)
      }`,
    );
  }
  return performance.now() + timeout;
}

/** Reads `timeout` from `acquire(5)` or `acquire({ timeout: 5 })`. */
export function timeoutOption(
  options: number | { timeout?: number } | undefined,
): number | undefined {
  return typeof options === "object" && options !== null
    ? options.timeout
    : options;
}

function remaining(deadline: number): number {
  return deadline === Infinity
    ? Infinity
    : Math.max(0, deadline - performance.now());
}

/** Runs a blocking algorithm on this thread with Atomics.wait. */
export function runSync<R>(steps: Steps<R>): R {
  let next = steps.next();
  while (!next.done) {
    const { cell, index, expected, deadline } = next.value;
    const left = remaining(deadline);
    const result = left === 0
      ? "timed-out"
      : Atomics.wait(cell, index, expected, left);
    next = steps.next(result);
  }
  return next.value;
}

/** Runs a blocking algorithm without blocking the thread, on Atomics.waitAsync. */
export async function runAsync<R>(steps: Steps<R>): Promise<R> {
  let next = steps.next();
  while (!next.done) {
    const { cell, index, expected, deadline } = next.value;
    const left = remaining(deadline);
    let result: WaitResult;
    if (left === 0) result = "timed-out";
    else {
      const waited = Atomics.waitAsync(cell, index, expected, left);
      result = waited.async ? await kept(waited.value) : waited.value;
    }
    next = steps.next(result);
  }
  return next.value;
}

// Atomics.waitAsync registers nothing with Deno's event loop, so a program
// whose only pending work is a waiter would exit (and a test would end)
// under it. One shared interval keeps the loop alive while any waiter is
// parked, and is cleared when the last one wakes so sanitizers stay quiet.
let parked = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;

async function kept<T>(promise: Promise<T>): Promise<T> {
  if (parked++ === 0) keepAlive = setInterval(() => {}, 2 ** 30);
  try {
    return await promise;
  } finally {
    if (--parked === 0) {
      clearInterval(keepAlive);
      keepAlive = undefined;
    }
  }
}
