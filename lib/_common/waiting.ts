// Timeouts and deadlines for every blocking call (queue, pipe, lib/sync), and
// the event-loop keep-alive they all need around Atomics.waitAsync. One copy,
// so every primitive rejects the same bad timeouts with the same message and
// all waiters share one timer.

/**
 * Checks a user timeout (ms; undefined or Infinity: forever) and returns it
 * as a number; `who` completes "Cannot <who>" in the error.
 */
export function checkTimeout(timeout: unknown, who: string): number {
  if (timeout === undefined || timeout === Infinity) return Infinity;
  if (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(
      `Cannot ${who} as 'timeout' must be a number of milliseconds >= 0 (or undefined to wait forever): received ${
        String(timeout)
      }`,
    );
  }
  return timeout;
}

/** Milliseconds left until `deadline` (performance.now() time), never negative. */
export function remaining(deadline: number): number {
  return deadline === Infinity
    ? Infinity
    : Math.max(0, deadline - performance.now());
}

// Atomics.waitAsync registers nothing with Deno's event loop, so a program
// whose only pending work is a parked waiter would exit (and a test would end)
// under it. One shared interval keeps the loop alive while any waiter is
// parked, and is cleared when the last one wakes so sanitizers stay quiet.
let parked = 0;
let keepAliveTimer: ReturnType<typeof setInterval> | undefined;

/** Keeps the event loop alive until `promise` settles. */
export async function keepAlive<T>(promise: Promise<T>): Promise<T> {
  if (parked++ === 0) keepAliveTimer = setInterval(() => {}, 2 ** 30);
  try {
    return await promise;
  } finally {
    if (--parked === 0) {
      clearInterval(keepAliveTimer);
      keepAliveTimer = undefined;
    }
  }
}
