// Timeouts and deadlines for every blocking call (queue, pipe, lib/sync,
// thread and process join), and the event-loop keep-alive they all need
// around Atomics.waitAsync. One copy, so every call reads a timeout the same
// way and refuses a bad one with the same message.
//
// THE RULE FOR TIMEOUTS (issue 10 item 7, issue 15):
// - Where Python's call takes `timeout` positionally, as its first optional
//   parameter — Event.wait(timeout), Condition.wait(timeout),
//   Condition.wait_for(predicate, timeout), Barrier.wait(timeout),
//   Thread.join(timeout), Process.join(timeout), Connection.poll(timeout),
//   Popen.wait(timeout), Popen.communicate(input, timeout) — the method takes
//   a number in that place. It may take an options object in the same place
//   instead, for a `signal` or any other option: `event.wait({ timeout,
//   signal })`.
// - Everywhere else it is `{ timeout }` in an options object, and a bare
//   number is refused: where Python's first parameter is `block`/`blocking`
//   (Lock/RLock/Semaphore.acquire, Queue.get/put: Python's `acquire(5)` means
//   blocking=5, i.e. wait forever, so reading it as 5 ms would change its
//   meaning), where the timeout is keyword-only or one option among several
//   (subprocess.run, Pool.apply, Manager.connect), and in constructors
//   (Barrier's default timeout, a Pool's taskTimeout).
// - The value is milliseconds. `undefined`, `Infinity` and `-1` wait forever
//   (-1 is Lock.acquire's "forever"); 0 tries once without waiting. Any other
//   negative number, NaN or a non-number is refused with the value as given.
//   checkTimeout applies the last point; checkTimeoutArgument the first two.

/**
 * Checks a user timeout in milliseconds and returns it as a number:
 * `undefined`, `Infinity` and `-1` mean wait forever (Infinity), 0 means do
 * not wait. Other negative numbers and `NaN` throw a RangeError, anything
 * that is not a number a TypeError, each showing the value as given; `who`
 * completes "Cannot <who>" in the message.
 */
export function checkTimeout(timeout: unknown, who: string): number {
  if (timeout === undefined || timeout === Infinity || timeout === -1) {
    return Infinity;
  }
  if (typeof timeout === "number" && timeout >= 0) return timeout;
  const Err = typeof timeout === "number" ? RangeError : TypeError;
  throw new Err(
    `Cannot ${who} as 'timeout' must be a number of milliseconds >= 0, or -1 (or undefined) to wait forever: received ${
      shown(timeout)
    }`,
  );
}

/** The value as the caller wrote it: strings quoted, -0 and NaN as such. */
export function shown(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Object.is(value, -0)) return "-0";
  if (typeof value === "function") {
    return `a function (${value.name || "anonymous"})`;
  }
  if (typeof value === "bigint") return `${value}n`;
  if (value === null || typeof value !== "object") return String(value);
  if (Array.isArray(value)) return "an array";
  return Object.prototype.toString.call(value);
}

/**
 * Reads the timeout of a call whose options object is the only place for it
 * (`acquire({ timeout })`, `get({ timeout })`): a bare number is refused,
 * naming the options form (Python's first positional parameter there is
 * `block`/`blocking`, not the timeout).
 */
export function optionsTimeout(options: unknown, who: string): number {
  if (options === undefined) return Infinity;
  if (typeof options === "object" && options !== null) {
    return checkTimeout((options as { timeout?: unknown }).timeout, who);
  }
  throw new TypeError(
    `Cannot ${who} as its argument must be an options object such as { timeout: ms }: received ${
      shown(options)
    }. A timeout goes in { timeout } here (Python's first argument is 'block'/'blocking'); for a try without waiting pass { timeout: 0 }.`,
  );
}

/**
 * Reads the timeout of a call that takes it positionally, as Python does
 * (`wait(5)`), or in an options object in the same place (`wait({ timeout,
 * signal })`).
 */
export function checkTimeoutArgument(timeout: unknown, who: string): number {
  if (typeof timeout === "object" && timeout !== null) {
    return checkTimeout((timeout as { timeout?: unknown }).timeout, who);
  }
  return checkTimeout(timeout, who);
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
