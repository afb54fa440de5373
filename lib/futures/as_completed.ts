// asCompleted(): promises in the order they settle [concurrent.futures.as_completed].

import { deadline } from "jsr:@std/async@^1.5.0/deadline";
import { checkTimeout, remaining } from "../_common/waiting.ts";
import { TimeoutError } from "../errors/base.ts";
import { checkNames, distinctPromises } from "./_promises.ts";

/** Options of {@linkcode asCompleted}. */
export interface AsCompletedOptions {
  /**
   * Milliseconds from the call: once they have passed, asking for the next
   * promise while none has settled throws {@linkcode TimeoutError}. The
   * promises still pending keep running (cancel pool tasks with their
   * `signal`). Default: wait forever.
   */
  timeout?: number;
}

/**
 * One settled promise, as {@linkcode asCompleted} yields it: the promise
 * itself (to find what it was for) and how it settled, in the shape of
 * `Promise.allSettled`'s results.
 */
export type Completed<P extends PromiseLike<unknown>> =
  | { promise: P; status: "fulfilled"; value: Awaited<P> }
  | { promise: P; status: "rejected"; reason: unknown };

const WHO = "iterate over promises as they complete";

/**
 * Yields each of `promises` once it has settled, in the order they settle
 * (Python's `concurrent.futures.as_completed`). Each item carries the
 * promise itself, as Python yields the future, so that a Map can tell what
 * it was for, and its `value` or `reason` (read `status`), so that one
 * failure does not end the loop. Each distinct promise counts once. Works on
 * any promises: pool tasks, `fetch`es, subprocess runs...
 *
 * @param promises The promises to watch (an array, a Set, any iterable).
 * @param options See {@linkcode AsCompletedOptions}.
 * @returns An async iterable of {@linkcode Completed} items.
 * @throws {TypeError} When `promises` is not an iterable of promises.
 * @throws {RangeError} When `timeout` is NaN or negative other than -1 (-1: no limit).
 *
 * @example Handle downloads as they finish, whichever finishes first
 * ```ts
 * import { asCompleted } from "@multitask/core/futures";
 *
 * const delays = new Map<Promise<string>, number>();
 * for (const ms of [30, 10, 20]) {
 *   const task = new Promise<string>((resolve) =>
 *     setTimeout(() => resolve(`waited ${ms} ms`), ms)
 *   );
 *   delays.set(task, ms);
 * }
 * for await (const done of asCompleted(delays.keys())) {
 *   const ms = delays.get(done.promise);
 *   if (done.status === "fulfilled") console.log(ms, done.value); // 10 "waited 10 ms" first
 *   else console.log(ms, "failed:", done.reason);
 * }
 * ```
 */
export function asCompleted<P extends PromiseLike<unknown>>(
  promises: Iterable<P>,
  options: AsCompletedOptions = {},
): AsyncIterableIterator<Completed<P>> {
  checkNames(options, ["timeout"], WHO);
  const timeout = checkTimeout(options.timeout, WHO);
  return new Completions(distinctPromises(promises, WHO), timeout);
}

class Completions<P extends PromiseLike<unknown>>
  implements AsyncIterableIterator<Completed<P>> {
  readonly #settled: Completed<P>[] = [];
  #yielded = 0;
  #pending: number;
  readonly #total: number;
  readonly #timeout: number;
  readonly #deadline: number;
  #finished = false;
  // Resolved, and replaced, each time a promise settles: every waiting
  // next() then looks again.
  #change = Promise.withResolvers<void>();

  constructor(promises: P[], timeout: number) {
    this.#pending = this.#total = promises.length;
    this.#timeout = timeout;
    this.#deadline = performance.now() + timeout;
    const settled = (item: Completed<P>) => {
      this.#pending--;
      this.#settled.push(item);
      this.#change.resolve();
      this.#change = Promise.withResolvers<void>();
    };
    for (const promise of promises) {
      promise.then(
        (value) =>
          settled({ promise, status: "fulfilled", value: value as Awaited<P> }),
        (reason) => settled({ promise, status: "rejected", reason }),
      );
    }
  }

  async next(): Promise<IteratorResult<Completed<P>, undefined>> {
    while (!this.#finished && this.#yielded === this.#settled.length) {
      if (this.#pending === 0) this.#finished = true;
      else await this.#nextChange();
    }
    if (this.#finished) return { done: true, value: undefined };
    return { done: false, value: this.#settled[this.#yielded++] };
  }

  async #nextChange(): Promise<void> {
    const left = remaining(this.#deadline);
    if (left === Infinity) return await this.#change.promise;
    try {
      await deadline(this.#change.promise, left);
    } catch {
      this.#finished = true;
      throw new TimeoutError(
        `Cannot wait for the next promise to complete as ${this.#pending} (of ${this.#total}) are still pending after the timeout of ${this.#timeout} ms: raise 'timeout', or catch TimeoutError and keep the pending promises (cancel pool tasks with their signal).`,
      );
    }
  }

  /** Stops the iteration; the promises are left as they are. */
  return(): Promise<IteratorResult<Completed<P>, undefined>> {
    this.#finished = true;
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Completed<P>> {
    return this;
  }
}
