// A counting semaphore in shared memory: VALUE is the number of free slots,
// taken with a compareExchange loop; sleepers wait for VALUE to leave 0.

import { registerCodec } from "../_crossing/codec.ts";
import { Adoption } from "../_crossing/adopt.ts";
import { request, type Steps, waitUntil, waitUntilSync } from "./_wait.ts";
import { serveAcquire } from "./_serve.ts";
import type { AcquireOptions } from "./lock.ts";

const VALUE = 0;
const WAITERS = 1;
const BOUND = 2; // the initial value for BoundedSemaphore, -1 when unbounded

const adoption = new Adoption<Int32Array>();
// Lets BoundedSemaphore record its bound without a public setter.
let setBound: (sem: Semaphore, bound: number) => void;

function checkCount(n: number, who: string, what: string): void {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fffffff) {
    throw new RangeError(
      `Cannot ${who} as '${what}' must be an integer from 0 to 2147483647: received ${
        String(n)
      }`,
    );
  }
}

/**
 * A counting semaphore [threading.Semaphore]: `acquire` takes one of `value`
 * slots, waiting while none is free; `release` gives one back. Use it to
 * limit how many threads do something at once.
 *
 * @example Let at most two tasks in
 * ```ts
 * import { Semaphore } from "@multitask/core";
 *
 * const slots = new Semaphore(2);
 * console.log(slots.tryAcquire(), slots.tryAcquire(), slots.tryAcquire()); // true true false
 * slots.release();
 * console.log(await slots.acquire({ timeout: 10 })); // true
 * ```
 */
export class Semaphore {
  #cell: Int32Array;

  /** Creates a semaphore with `value` free slots (default 1); a negative value throws RangeError. */
  constructor(value: number = 1) {
    const adopted = adoption.state;
    if (adopted) {
      this.#cell = adopted;
      return;
    }
    checkCount(value, `create ${new.target.name}`, "value");
    this.#cell = new Int32Array(new SharedArrayBuffer(12));
    this.#cell[VALUE] = value;
    this.#cell[BOUND] = -1;
  }

  /**
   * Takes a slot, waiting until one is free; resolves false after `timeout` ms.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@multitask/core";
   *
   * const sem = new Semaphore(0);
   * console.log(await sem.acquire({ timeout: 5 })); // false
   * ```
   */
  acquire(options?: AcquireOptions): Promise<boolean> {
    return waitUntil(
      options,
      "acquire a Semaphore",
      () => this.tryAcquire(),
      (deadline) => this.#contend(deadline),
    );
  }

  /**
   * Blocking twin of {@linkcode Semaphore.acquire} (Atomics.wait).
   *
   * @example
   * ```ts
   * import { Semaphore } from "@multitask/core";
   *
   * const sem = new Semaphore(1);
   * console.log(sem.acquireSync()); // true
   * ```
   */
  acquireSync(options?: AcquireOptions): boolean {
    return waitUntilSync(
      options,
      "acquire a Semaphore",
      () => this.tryAcquire(),
      (deadline) => this.#contend(deadline),
    );
  }

  /**
   * Takes a slot if one is free, without waiting.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@multitask/core";
   *
   * console.log(new Semaphore(0).tryAcquire()); // false
   * ```
   */
  tryAcquire(): boolean {
    const cell = this.#cell;
    let value = Atomics.load(cell, VALUE);
    while (value > 0) {
      const seen = Atomics.compareExchange(cell, VALUE, value, value - 1);
      if (seen === value) return true;
      value = seen;
    }
    return false;
  }

  /**
   * Gives back `n` slots (default 1) and wakes as many waiters.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@multitask/core";
   *
   * const sem = new Semaphore(0);
   * sem.release(2);
   * console.log(sem.tryAcquire(), sem.tryAcquire()); // true true
   * ```
   */
  release(n: number = 1): void {
    checkCount(n, `release a ${this.constructor.name}`, "n");
    const cell = this.#cell;
    const bound = cell[BOUND];
    if (bound < 0) Atomics.add(cell, VALUE, n);
    else this.#addBounded(n, bound);
    if (Atomics.load(cell, WAITERS) !== 0) Atomics.notify(cell, VALUE, n);
  }

  #addBounded(n: number, bound: number): void {
    const cell = this.#cell;
    let value = Atomics.load(cell, VALUE);
    for (;;) {
      if (value + n > bound) {
        throw new RangeError(
          `Cannot release a BoundedSemaphore above its initial value ${bound}: it was released more times than acquired (value ${value}, releasing ${n}). Check that each release() pairs with one acquire(), or use 'using _ = await sem.hold()'.`,
        );
      }
      const seen = Atomics.compareExchange(cell, VALUE, value, value + n);
      if (seen === value) return;
      value = seen;
    }
  }

  /**
   * Acquires a slot and returns a Disposable that releases it.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@multitask/core";
   *
   * const sem = new Semaphore(1);
   * {
   *   using _ = await sem.hold();
   *   console.log(sem.tryAcquire()); // false
   * }
   * console.log(sem.tryAcquire()); // true
   * ```
   */
  async hold(): Promise<Disposable> {
    await this.acquire();
    return { [Symbol.dispose]: () => this.release() };
  }

  /**
   * Blocking twin of {@linkcode Semaphore.hold}.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@multitask/core";
   *
   * const sem = new Semaphore(1);
   * {
   *   using _ = sem.holdSync();
   * }
   * ```
   */
  holdSync(): Disposable {
    this.acquireSync();
    return { [Symbol.dispose]: () => this.release() };
  }

  *#contend(deadline: number): Steps<boolean> {
    const cell = this.#cell;
    Atomics.add(cell, WAITERS, 1);
    try {
      const sleep = request(cell, VALUE, 0, deadline);
      for (;;) {
        if (this.tryAcquire()) return true;
        if ((yield sleep) === "timed-out") return this.tryAcquire();
      }
    } finally {
      Atomics.sub(cell, WAITERS, 1);
    }
  }

  static {
    registerCodec<Semaphore, SharedArrayBuffer>({
      tag: "Semaphore",
      type: Semaphore,
      share: (sem) => sem.#cell.buffer as SharedArrayBuffer,
      revive: (buffer) => {
        const cell = new Int32Array(buffer);
        return adoption.lend(
          cell,
          () => cell[BOUND] < 0 ? new Semaphore() : new BoundedSemaphore(),
        );
      },
      remote: ["acquire", "release", "tryAcquire"],
      serve: (sem, method, args, signal) =>
        serveAcquire(sem, method, args, signal),
    });
    setBound = (sem, bound) => {
      sem.#cell[BOUND] = bound;
    };
  }
}

/**
 * A semaphore that refuses to be released above its initial value
 * [threading.BoundedSemaphore]: an extra `release()` throws RangeError, which
 * catches a release without a matching acquire.
 *
 * @example
 * ```ts
 * import { BoundedSemaphore } from "@multitask/core";
 *
 * const sem = new BoundedSemaphore(1);
 * try {
 *   sem.release();
 * } catch (error) {
 *   console.log((error as Error).name); // "RangeError"
 * }
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  /** Creates a bounded semaphore with `value` free slots (default 1). */
  constructor(value: number = 1) {
    super(value);
    if (!adoption.state) setBound(this, value);
  }
}
