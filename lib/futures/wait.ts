// wait(): the promises that are done and those still pending, once enough
// are done [concurrent.futures.wait].

import { deadline } from "jsr:@std/async@^1.5.0/deadline";
import { checkTimeout } from "../_common/waiting.ts";
import { checkNames, distinctPromises } from "./_promises.ts";

/** When {@linkcode wait} returns (Python's `return_when`). */
export type ReturnWhen =
  | "FIRST_COMPLETED"
  | "FIRST_EXCEPTION"
  | "ALL_COMPLETED";

/** Options of {@linkcode wait}. */
export interface FuturesWaitOptions {
  /**
   * `"ALL_COMPLETED"` (default): when every promise has settled.
   * `"FIRST_COMPLETED"`: when any has. `"FIRST_EXCEPTION"`: when any has
   * rejected, or else when all have settled.
   */
  returnWhen?: ReturnWhen;
  /**
   * Milliseconds after which `wait` returns whatever is done by then (it does
   * not throw, as in Python). `0` only looks at what has already settled.
   * Default: no limit.
   */
  timeout?: number;
}

/** What {@linkcode wait} returns (Python's `DoneAndNotDoneFutures`). */
export interface DoneAndPending<P> {
  /** The promises that had settled, fulfilled or rejected. */
  done: Set<P>;
  /** The promises still pending; they keep running. */
  pending: Set<P>;
}

const WHO = "wait for promises";
const RETURN_WHEN: readonly ReturnWhen[] = [
  "FIRST_COMPLETED",
  "FIRST_EXCEPTION",
  "ALL_COMPLETED",
];

/**
 * Waits until enough of `promises` have settled, as `returnWhen` says, or
 * until `timeout` ms have passed, and returns them split into `done` and
 * `pending` Sets of the same promise objects (Python's
 * `concurrent.futures.wait`). It never rejects because a promise did:
 * `await` the ones in `done` for their values or errors. Works on any
 * promises, pool tasks included; what is still pending keeps running
 * (cancel pool tasks with their `signal`).
 *
 * @param promises The promises to wait for (an array, a Set, any iterable);
 *   each distinct one counts once.
 * @param options See {@linkcode FuturesWaitOptions}.
 * @returns The `done` and `pending` Sets, as they were when `wait` returned.
 * @throws {TypeError} When `promises` is not an iterable of promises, or
 *   `returnWhen` is not one of the three.
 * @throws {RangeError} When `timeout` is NaN or negative other than -1 (-1: no limit).
 *
 * @example Take the first answer and keep the rest pending
 * ```ts
 * import { wait } from "@multitask/core/futures";
 *
 * const fast = new Promise<string>((r) => setTimeout(() => r("fast"), 10));
 * const slow = new Promise<string>((r) => setTimeout(() => r("slow"), 200));
 * const { done, pending } = await wait([fast, slow], {
 *   returnWhen: "FIRST_COMPLETED",
 * });
 * console.log(done.has(fast), pending.has(slow)); // true true
 * for (const task of done) console.log(await task); // "fast"
 * await Promise.all(pending);
 * ```
 */
export async function wait<P extends PromiseLike<unknown>>(
  promises: Iterable<P>,
  options: FuturesWaitOptions = {},
): Promise<DoneAndPending<P>> {
  checkNames(options, ["returnWhen", "timeout"], WHO);
  const returnWhen = options.returnWhen ?? "ALL_COMPLETED";
  if (!RETURN_WHEN.includes(returnWhen)) {
    throw new TypeError(
      `Cannot ${WHO} as 'returnWhen' must be one of ${
        RETURN_WHEN.map((r) => `"${r}"`).join(", ")
      }: received ${JSON.stringify(returnWhen)}.`,
    );
  }
  const timeout = checkTimeout(options.timeout, WHO);
  const pending = new Set(distinctPromises(promises, WHO));
  const done = new Set<P>();
  const enough = Promise.withResolvers<void>();
  const settle = (promise: P, failed: boolean) => {
    pending.delete(promise);
    done.add(promise);
    if (
      pending.size === 0 || returnWhen === "FIRST_COMPLETED" ||
      (failed && returnWhen === "FIRST_EXCEPTION")
    ) enough.resolve();
  };
  for (const promise of pending) {
    promise.then(() => settle(promise, false), () => settle(promise, true));
  }
  if (pending.size === 0) return { done, pending };
  if (timeout === Infinity) await enough.promise;
  else await deadline(enough.promise, timeout).catch(() => {});
  // Copies: the handlers above go on moving promises between the sets.
  return { done: new Set(done), pending: new Set(pending) };
}
