// The error of lib/sync: a broken Barrier [threading.BrokenBarrierError].

import { registerErrorClasses } from "./_keys.ts";

/**
 * Raised by {@linkcode Barrier.wait} when the barrier is broken: aborted,
 * reset while threads waited, or a waiter timed out [threading.BrokenBarrierError].
 *
 * @example
 * ```ts
 * import { Barrier, BrokenBarrierError } from "@multitask/core";
 *
 * const barrier = new Barrier(2);
 * barrier.abort();
 * try {
 *   await barrier.wait();
 * } catch (error) {
 *   console.log(error instanceof BrokenBarrierError); // true
 * }
 * ```
 */
export class BrokenBarrierError extends Error {
  /** Always "BrokenBarrierError". */
  override name = "BrokenBarrierError";
  /** Creates the error with a message saying how the barrier broke. */
  constructor(
    message: string =
      "The barrier is broken: it was aborted, reset while threads waited, or a wait timed out. Call reset() to use it again.",
  ) {
    super(message);
  }
}

registerErrorClasses(BrokenBarrierError);
