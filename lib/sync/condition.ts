// A condition variable over a Lock or RLock. notify(n) hands out n "tokens"
// under the lock and bumps SEQ; a waiter sleeps on SEQ and leaves only with
// a token (or on timeout), so notify(1) releases exactly one waiter even
// though Atomics.notify wakes more. Invariant: WAITERS + TOKENS = threads
// inside wait(); a waiter may only take a token from a notify that came
// after it started waiting.

import { codecFor, codecOf, registerCodec } from "../_crossing/codec.ts";
import { type LockOps, lockOpsOf } from "./_lockable.ts";
import { deadlineOf, request, runAsync, runSync, type Steps } from "./_wait.ts";
import { RuntimeError } from "../errors/base.ts";
import { Adoption } from "../_crossing/adopt.ts";
import type { AcquireOptions, Lock } from "./lock.ts";
// Loaded for its codecs too: a Condition revives its lock in the receiving thread.
import "./lock.ts";
import { RLock } from "./rlock.ts";

const SEQ = 0; // bumped by every notify
const WAITERS = 1; // waiting and not yet notified (changed under the lock)
const TOKENS = 2; // notifications not yet claimed by a waiter

interface SharedCondition {
  cell: SharedArrayBuffer;
  lockTag: string;
  lockState: unknown;
}

const adoption = new Adoption<SharedArrayBuffer>();
let waitSteps: (cond: Condition, deadline: number) => Steps<boolean>;

/** Internal: Condition.wait as steps, for primitives built on Condition (Barrier). */
export function conditionWait(
  cond: Condition,
  deadline: number,
): Steps<boolean> {
  return waitSteps(cond, deadline);
}

function takeToken(cell: Int32Array): boolean {
  let tokens = Atomics.load(cell, TOKENS);
  while (tokens > 0) {
    const seen = Atomics.compareExchange(cell, TOKENS, tokens, tokens - 1);
    if (seen === tokens) return true;
    tokens = seen;
  }
  return false;
}

/**
 * A condition variable [threading.Condition]: threads holding its lock wait
 * for a state change that another thread announces with `notify`. Build the
 * state itself in shared memory (a {@linkcode Value}, a SharedArray...).
 *
 * The default lock is an {@linkcode RLock}, as in Python, so a thread that
 * holds the condition may take it again. Its ownership is per thread: async
 * tasks of one thread share it and do not exclude each other. Where several
 * async tasks of one thread use the condition (the main thread's usual
 * case), pass a {@linkcode Lock}: `new Condition(new Lock())`.
 * Thread-only: it cannot be passed to another process.
 *
 * @example Async tasks of one thread wait on a counter (so: over a Lock)
 * ```ts
 * import { Condition, Lock, Value } from "@multitask/core";
 *
 * const cond = new Condition(new Lock());
 * const count = new Value("i32", 0);
 * setTimeout(async () => {
 *   using _ = await cond.hold();
 *   count.value = 3;
 *   cond.notifyAll();
 * }, 1);
 * using _ = await cond.hold();
 * await cond.waitFor(() => count.value === 3);
 * console.log(count.value); // 3
 * ```
 */
export class Condition {
  #cell: Int32Array;
  #lock: Lock | RLock;
  #ops: LockOps;

  /** Creates a condition over `lock` (default: a new RLock, as in Python). */
  constructor(lock?: Lock | RLock) {
    lock ??= new RLock();
    const ops = lockOpsOf(lock);
    if (!ops) {
      throw new TypeError(
        `Cannot create Condition as 'lock' must be a Lock or an RLock from @multitask/core: received ${
          Object.prototype.toString.call(lock)
        }`,
      );
    }
    this.#lock = lock;
    this.#ops = ops;
    this.#cell = new Int32Array(adoption.state ?? new SharedArrayBuffer(12));
  }

  /** The lock this condition waits with. */
  get lock(): Lock | RLock {
    return this.#lock;
  }

  /**
   * Acquires the underlying lock.
   *
   * @example
   * ```ts
   * import { Condition } from "@multitask/core";
   *
   * const cond = new Condition();
   * await cond.acquire();
   * cond.release();
   * ```
   */
  acquire(options?: AcquireOptions): Promise<boolean> {
    return this.#lock.acquire(options);
  }

  /**
   * Blocking twin of {@linkcode Condition.acquire}.
   *
   * @example
   * ```ts
   * import { Condition } from "@multitask/core";
   *
   * const cond = new Condition();
   * cond.acquireSync();
   * cond.release();
   * ```
   */
  acquireSync(options?: AcquireOptions): boolean {
    return this.#lock.acquireSync(options);
  }

  /**
   * Releases the underlying lock.
   *
   * @example
   * ```ts
   * import { Condition } from "@multitask/core";
   *
   * const cond = new Condition();
   * cond.acquireSync();
   * cond.release();
   * ```
   */
  release(): void {
    this.#lock.release();
  }

  /**
   * Acquires the lock; disposing the result releases it.
   *
   * @example
   * ```ts
   * import { Condition } from "@multitask/core";
   *
   * const cond = new Condition();
   * {
   *   using _ = await cond.hold();
   *   cond.notify();
   * }
   * ```
   */
  hold(): Promise<Disposable> {
    return this.#lock.hold();
  }

  /**
   * Blocking twin of {@linkcode Condition.hold}.
   *
   * @example
   * ```ts
   * import { Condition } from "@multitask/core";
   *
   * const cond = new Condition();
   * {
   *   using _ = cond.holdSync();
   * }
   * ```
   */
  holdSync(): Disposable {
    return this.#lock.holdSync();
  }

  /**
   * Releases the lock, sleeps until notified (true) or `timeout` ms pass
   * (false; undefined or -1: never), and re-acquires the lock before
   * returning. The lock must be held (an RLock held several times is released
   * completely, and re-taken as deep).
   *
   * @example
   * ```ts
   * import { Condition } from "@multitask/core";
   *
   * const cond = new Condition();
   * using _ = await cond.hold();
   * console.log(await cond.wait(5)); // false: nobody notified
   * ```
   */
  wait(timeout?: number): Promise<boolean> {
    try {
      return runAsync(this.#wait(deadlineOf(timeout, "wait on a Condition")));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Blocking twin of {@linkcode Condition.wait} (Atomics.wait).
   *
   * @example
   * ```ts
   * import { Condition } from "@multitask/core";
   *
   * const cond = new Condition();
   * using _ = cond.holdSync();
   * console.log(cond.waitSync(1)); // false
   * ```
   */
  waitSync(timeout?: number): boolean {
    return runSync(this.#wait(deadlineOf(timeout, "wait on a Condition")));
  }

  /**
   * Waits until `predicate()` returns a truthy value, or `timeout` ms pass;
   * returns the predicate's last value. The lock must be held.
   *
   * @example
   * ```ts
   * import { Condition } from "@multitask/core";
   *
   * const cond = new Condition();
   * using _ = await cond.hold();
   * console.log(await cond.waitFor(() => 42)); // 42
   * ```
   */
  waitFor<T>(predicate: () => T, timeout?: number): Promise<T> {
    try {
      return runAsync(
        this.#waitFor(predicate, deadlineOf(timeout, "wait on a Condition")),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Blocking twin of {@linkcode Condition.waitFor}.
   *
   * @example
   * ```ts
   * import { Condition } from "@multitask/core";
   *
   * const cond = new Condition();
   * using _ = cond.holdSync();
   * console.log(cond.waitForSync(() => false, 1)); // false
   * ```
   */
  waitForSync<T>(predicate: () => T, timeout?: number): T {
    return runSync(
      this.#waitFor(predicate, deadlineOf(timeout, "wait on a Condition")),
    );
  }

  /**
   * Wakes up to `n` waiting threads (default 1). The lock must be held.
   *
   * @example
   * ```ts
   * import { Condition } from "@multitask/core";
   *
   * const cond = new Condition();
   * using _ = cond.holdSync();
   * cond.notify(); // nobody waits: nothing happens
   * ```
   */
  notify(n: number = 1): void {
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(
        `Cannot notify a Condition as 'n' must be an integer >= 0: received ${
          String(n)
        }`,
      );
    }
    this.#checkOwned("notify");
    const cell = this.#cell;
    const k = Math.min(n, Atomics.load(cell, WAITERS));
    if (k === 0) return;
    Atomics.sub(cell, WAITERS, k);
    Atomics.add(cell, TOKENS, k);
    Atomics.add(cell, SEQ, 1);
    // Wake all: a woken thread that finds no token sleeps again, and waking
    // exactly k could pick ones that are not eligible for these tokens.
    Atomics.notify(cell, SEQ);
  }

  /**
   * Wakes every waiting thread. The lock must be held.
   *
   * @example
   * ```ts
   * import { Condition } from "@multitask/core";
   *
   * const cond = new Condition();
   * using _ = cond.holdSync();
   * cond.notifyAll();
   * ```
   */
  notifyAll(): void {
    this.#checkOwned("notify");
    this.notify(Atomics.load(this.#cell, WAITERS));
  }

  #checkOwned(what: string): void {
    if (this.#ops.owned(this.#lock)) return;
    throw new RuntimeError(
      `Cannot ${what} on a Condition whose lock is not held: acquire it first ('using _ = await cond.hold()').`,
    );
  }

  *#wait(deadline: number): Steps<boolean> {
    this.#checkOwned("wait");
    const cell = this.#cell, lock = this.#lock, ops = this.#ops;
    // Only a notify that comes after this point may wake us: a waiter that
    // arrives later must not take a token meant for one already waiting.
    const since = Atomics.load(cell, SEQ);
    Atomics.add(cell, WAITERS, 1);
    const saved = ops.releaseSave(lock);
    let notified = false;
    for (;;) {
      const seq = Atomics.load(cell, SEQ); // read before the token check: a notify in between changes it
      if (seq !== since && takeToken(cell)) {
        notified = true;
        break;
      }
      if ((yield request(cell, SEQ, seq, deadline)) === "timed-out") break;
    }
    yield* ops.acquireSteps(lock, Infinity);
    ops.restore(lock, saved);
    // Timed out: under the lock, either a notify already counted us (take its token) or withdraw.
    if (!notified) {
      notified = Atomics.load(cell, SEQ) !== since && takeToken(cell);
      if (!notified) Atomics.sub(cell, WAITERS, 1);
    }
    return notified;
  }

  *#waitFor<T>(predicate: () => T, deadline: number): Steps<T> {
    let result = predicate();
    while (!result) {
      if (deadline !== Infinity && performance.now() >= deadline) break;
      yield* this.#wait(deadline);
      result = predicate();
    }
    return result;
  }

  static {
    waitSteps = (cond, deadline) => cond.#wait(deadline);
    registerCodec<Condition, SharedCondition>({
      tag: "Condition",
      type: Condition,
      share: (cond) => {
        const codec = codecOf(cond.#lock)!;
        return {
          cell: cond.#cell.buffer as SharedArrayBuffer,
          lockTag: codec.tag,
          lockState: codec.share(cond.#lock),
        };
      },
      revive: (state) => {
        const lock = codecFor(state.lockTag)!.revive(state.lockState) as
          | Lock
          | RLock;
        return adoption.lend(state.cell, () => new Condition(lock));
      },
    });
  }
}
