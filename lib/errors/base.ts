// The library's general errors: the one TimeoutError and the one AbortError
// every module raises (subclassed where Python has its own name), and
// RuntimeError for an object used in a state that does not allow it.

import { registerErrorClasses } from "./_keys.ts";

/**
 * Something did not finish within its timeout [Python's TimeoutError]: a pool
 * task past its `timeout` or the pool's `taskTimeout` (a task still waiting
 * is dropped; a running one has its worker terminated and replaced), a
 * manager call past its `callTimeout`, a manager connect that got no answer.
 * `TimeoutExpired` (a command past its `timeout`) is one too.
 *
 * @example
 * ```ts
 * import { Pool, TimeoutError } from "@multitask/core/pool";
 *
 * await using pool = new Pool({ size: 1 });
 * try {
 *   await pool.apply(() => new Promise((r) => setTimeout(r, 1000)), [], { timeout: 10 });
 * } catch (error) {
 *   console.log(error instanceof TimeoutError); // true
 * }
 * ```
 */
export class TimeoutError extends Error {
  /** Always "TimeoutError". */
  override name = "TimeoutError";
}

/**
 * Work the library was doing was cancelled: a pool task through its `signal`
 * (a queued task is dropped; a running one has its worker terminated and
 * replaced), a call cancelled by the process that made it. `cause` holds the
 * signal's reason. `SubprocessAbortError` (a command killed because its
 * signal aborted) is one too. Methods that merely stop waiting when their
 * signal aborts (`Queue.get`, `Lock.acquire`...) reject with the signal's own
 * reason, as Web APIs do.
 *
 * @example
 * ```ts
 * import { AbortError, Pool } from "@multitask/core/pool";
 *
 * await using pool = new Pool({ size: 1 });
 * const signal = AbortSignal.abort();
 * try {
 *   await pool.apply((x: number) => x, [1], { signal });
 * } catch (error) {
 *   console.log(error instanceof AbortError); // true
 * }
 * ```
 */
export class AbortError extends Error {
  /** Always "AbortError". */
  override name = "AbortError";
}

/**
 * Raised when an object is used in a state that does not allow it, e.g. a
 * thread started twice or joined before it was started (Python's
 * `RuntimeError`).
 *
 * @example
 * ```ts
 * import { RuntimeError, Thread } from "@multitask/core/thread";
 *
 * const t = new Thread({ target: () => {} });
 * t.start();
 * try {
 *   t.start();
 * } catch (error) {
 *   console.log(error instanceof RuntimeError); // true
 * }
 * await t.join();
 * ```
 */
export class RuntimeError extends Error {
  /** Always "RuntimeError". */
  override name = "RuntimeError";
}

registerErrorClasses(TimeoutError, AbortError, RuntimeError);
