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
//   checkTimeout applies this point; checkTimeoutArgument the first two.
//   A wait that ends by a timer (subprocess) also refuses a finite timeout
//   setTimeout cannot keep (checkTimerTimeout). In Python's subprocess a
//   negative timeout expires at once and None waits forever; here -1 waits
//   forever, as everywhere else in this library (nobody writes -1 for "now":
//   0 is that).
// - A time limit set as an option rather than a wait (a Pool's taskTimeout,
//   Pool.apply's timeout, a Manager's handshakeTimeout, connect's timeout
//   and callTimeout) follows checkLimit: milliseconds > 0; -1, Infinity and
//   undefined for no limit (handshakeTimeout, which protects the server from
//   silent connections, takes no "no limit"). 0 is refused: "try once" has no
//   meaning for work that has not started.
// All these messages read "Cannot <who> as '<name>' must be ...: received
// <value as given>", with the fix.

/**
 * Checks a user timeout in milliseconds and returns it as a number:
 * `undefined`, `Infinity` and `-1` mean wait forever (Infinity), 0 means do
 * not wait. Other negative numbers and `NaN` throw a RangeError, anything
 * that is not a number a TypeError, each showing the value as given; `who`
 * completes "Cannot <who>" in the message, `name` is the option's name.
 */
export function checkTimeout(
  timeout: unknown,
  who: string,
  name = "timeout",
): number {
  if (timeout === undefined || timeout === Infinity || timeout === -1) {
    return Infinity;
  }
  if (typeof timeout === "number" && timeout >= 0) return timeout;
  throw refusal(
    timeout,
    who,
    name,
    "a number of milliseconds >= 0, or -1 (or undefined) to wait forever",
  );
}

/**
 * "Cannot <who> as '<name>' must be <wanted>: received <value as given>": a
 * RangeError for a number out of range, a TypeError for anything else.
 */
export function refusal(
  value: unknown,
  who: string,
  name: string,
  wanted: string,
  hint = "",
): Error {
  const Err = typeof value === "number" ? RangeError : TypeError;
  return new Err(
    `Cannot ${who} as '${name}' must be ${wanted}: received ${
      shown(value)
    }${hint}`,
  );
}

/**
 * The longest delay setTimeout keeps (2^31 - 1 ms, about 24.8 days): a
 * longer one fires at once, so a timer-backed limit above it is refused.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Checks a wait that ends by a timer (a subprocess's wait, communicate or
 * run): {@linkcode checkTimeout}'s rule, and a finite timeout of at most
 * {@linkcode MAX_TIMER_MS}.
 */
export function checkTimerTimeout(
  timeout: unknown,
  who: string,
  name = "timeout",
): number {
  const ms = checkTimeout(timeout, who, name);
  if (ms !== Infinity && ms > MAX_TIMER_MS) throw tooLong(ms, name, who);
  return ms;
}

/**
 * Checks a time limit set as an option (a pool's `taskTimeout`, a task's
 * `timeout`, a manager's `handshakeTimeout`, a client's `callTimeout`): a
 * limit on work, not a wait, so 0, which leaves no time at all, is refused,
 * and so is a value setTimeout cannot keep. `undefined`, `-1` and `Infinity`
 * mean no limit (returned as undefined), unless `forever` is false: then
 * only `undefined` (the caller's default) is accepted without a number.
 */
export function checkLimit(
  value: unknown,
  name: string,
  who: string,
  forever = true,
): number | undefined {
  if (value === undefined) return undefined;
  if (forever && (value === -1 || value === Infinity)) return undefined;
  if (typeof value === "number" && value > 0 && value <= MAX_TIMER_MS) {
    return value;
  }
  if (typeof value === "number" && value > MAX_TIMER_MS && value !== Infinity) {
    throw tooLong(value, name, who, forever);
  }
  throw refusal(
    value,
    who,
    name,
    `a number of milliseconds > 0${
      forever ? ", or -1 (or undefined) for no limit" : ""
    }`,
    value === 0 ? " (0 leaves no time at all)" : "",
  );
}

function tooLong(
  ms: number,
  name: string,
  who: string,
  forever = true,
): RangeError {
  return new RangeError(
    `Cannot ${who} as '${name}' must be at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest timer): received ${ms}. ${
      forever ? "Pass -1 for no limit." : "Pass a shorter one."
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
