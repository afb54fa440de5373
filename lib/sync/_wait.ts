// Every blocking algorithm in lib/sync is written once, as a generator that
// yields "sleep on this cell while it holds this value" requests. runSync
// serves them with Atomics.wait (blocks the thread), runAsync with
// Atomics.waitAsync (parks a promise). Fast paths never reach this file.

import {
  checkTimeoutArgument,
  keepAlive,
  optionsTimeout,
  remaining,
} from "../_common/waiting.ts";

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
 * Deadline of a call that takes its timeout positionally, as Python does
 * (`wait(5)`), or as `{ timeout }` in the same place; see the rule in
 * lib/_common/waiting.ts.
 */
export function deadlineOf(timeout: unknown, who: string): number {
  return performance.now() + checkTimeoutArgument(timeout, who);
}

/** Deadline of a call that takes its timeout only as `{ timeout }` (acquire). */
export function optionsDeadline(options: unknown, who: string): number {
  return performance.now() + optionsTimeout(options, who);
}

/** `wait(5)`, `wait({ timeout, signal })`: what a positional-form caller passes. */
export type WaitOptions =
  | number
  | { timeout?: number; signal?: AbortSignal }
  | undefined;

/** One settled `true` for every fast path, so none allocates a promise. */
export const TRUE: Promise<boolean> = Promise.resolve(true);

/** How a call takes its timeout: Python's positional number, or options only. */
export type TimeoutForm = "positional" | "options";

function deadlineFor(options: unknown, who: string, form: TimeoutForm): number {
  return form === "positional"
    ? deadlineOf(options, who)
    : optionsDeadline(options, who);
}

/**
 * The async acquire/wait of Lock, Semaphore and Event. Bad options reject
 * rather than throw, and an already aborted signal rejects before `ready()`
 * may take anything; `ready()` is the fast path tried before any sleep.
 */
export function waitUntil(
  options: WaitOptions,
  who: string,
  ready: () => boolean,
  steps: (deadline: number) => Steps<boolean>,
  form: TimeoutForm = "options",
): Promise<boolean> {
  try {
    const deadline = deadlineFor(options, who, form);
    const signal = signalOption(options, who);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ready()) return TRUE;
    return runAsync(steps(deadline), signal);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Blocking twin of {@linkcode waitUntil}, without a signal. */
export function waitUntilSync(
  options: WaitOptions,
  who: string,
  ready: () => boolean,
  steps: (deadline: number) => Steps<boolean>,
  form: TimeoutForm = "options",
): boolean {
  const deadline = deadlineFor(options, who, form);
  if (ready()) return true;
  return runSync(steps(deadline));
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

/**
 * Runs a blocking algorithm without blocking the thread, on Atomics.waitAsync.
 * With `signal`, an abort stops the wait and rejects with the signal's
 * reason; the algorithm's `finally` blocks run (so it must not hold anything
 * across a sleep: Lock, Semaphore and Event qualify).
 */
export async function runAsync<R>(
  steps: Steps<R>,
  signal?: AbortSignal,
): Promise<R> {
  let next = steps.next();
  while (!next.done) {
    const { cell, index, expected, deadline } = next.value;
    const left = remaining(deadline);
    let result: WaitResult;
    if (left === 0) result = "timed-out";
    else {
      const waited = Atomics.waitAsync(cell, index, expected, left);
      if (!waited.async) result = waited.value;
      else if (!signal) result = await keepAlive(waited.value);
      else {
        const outcome = await keepAlive(abortable(waited.value, signal));
        if (outcome === "aborted") {
          passOnWake(waited.value, cell, index);
          steps.return(undefined as R);
          throw signal.reason;
        }
        result = outcome;
      }
    }
    next = steps.next(result);
  }
  return next.value;
}

function abortable(
  waiting: Promise<WaitResult>,
  signal: AbortSignal,
): Promise<WaitResult | "aborted"> {
  if (signal.aborted) return Promise.resolve("aborted");
  return new Promise((resolve) => {
    const onAbort = () => resolve("aborted");
    signal.addEventListener("abort", onAbort, { once: true });
    waiting.then((result) => {
      signal.removeEventListener("abort", onAbort);
      resolve(result);
    });
  });
}

// An abandoned Atomics.waitAsync cannot be withdrawn: it stays in the cell's
// wait list until notified or timed out. If a notify picks it, hand that
// wake-up on, or a live waiter would sleep through a release.
function passOnWake(
  waiting: Promise<WaitResult>,
  cell: Int32Array,
  index: number,
): void {
  waiting.then((result) => {
    if (result === "ok") Atomics.notify(cell, index, 1);
  });
}

/** Reads `signal` from `acquire({ signal })`, checking its type. */
export function signalOption(
  options: number | { signal?: AbortSignal } | undefined,
  who: string,
): AbortSignal | undefined {
  if (typeof options !== "object" || options === null) return undefined;
  const signal = options.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(
      `Cannot ${who} as 'signal' must be an AbortSignal: received ${
        Object.prototype.toString.call(signal)
      }`,
    );
  }
  return signal;
}
