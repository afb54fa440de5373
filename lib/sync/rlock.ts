// A re-entrant lock: the OWNER cell holds the owning thread's id (0: free),
// so the owner can take it again and only the owner can release it.

import { registerCodec } from "../_crossing/codec.ts";
import { threadIdent } from "./_ident.ts";
import { registerLockOps } from "./_lockable.ts";
import {
  request,
  type Steps,
  TRUE,
  waitUntil,
  waitUntilSync,
} from "./_wait.ts";
import { RuntimeError } from "../errors/base.ts";
import { Adoption } from "../_crossing/adopt.ts";
import type { AcquireOptions } from "./lock.ts";

const OWNER = 0; // thread id of the holder, 0 when free
const WAITERS = 1;
// Re-entries beyond the first, touched only by the owner: 0 while free or
// held once, so taking a free lock is a single compareExchange.
const COUNT = 2;

const adoption = new Adoption<Int32Array>();

/**
 * A re-entrant lock [threading.RLock]: the thread that holds it may acquire
 * it again, and must release it as many times. Releasing it from another
 * thread, or when unlocked, throws {@linkcode RuntimeError}.
 *
 * Ownership is per thread: async call chains on one thread share it, so
 * between async tasks of one thread use a {@linkcode Lock} instead. It is
 * thread-only: another process cannot use it (thread identity does not cross
 * processes).
 *
 * @example
 * ```ts
 * import { RLock } from "@multitask/core";
 *
 * const rlock = new RLock();
 * await rlock.acquire();
 * await rlock.acquire(); // the owner re-enters
 * rlock.release();
 * rlock.release();
 * console.log(rlock.locked()); // false
 * ```
 */
export class RLock {
  #cell: Int32Array;
  #held: Disposable | undefined;

  /** Creates an unlocked re-entrant lock. */
  constructor() {
    this.#cell = adoption.state ?? new Int32Array(new SharedArrayBuffer(12));
  }

  /**
   * Takes the lock (or re-enters it); resolves false after `timeout` ms.
   *
   * @example
   * ```ts
   * import { RLock } from "@multitask/core";
   *
   * const rlock = new RLock();
   * console.log(await rlock.acquire({ timeout: 100 })); // true
   * rlock.release();
   * ```
   */
  acquire(options?: AcquireOptions): Promise<boolean> {
    if (options === undefined && this.tryAcquire()) return TRUE;
    return waitUntil(
      options,
      "acquire an RLock",
      () => this.tryAcquire(),
      (deadline) => this.#contend(threadIdent(), deadline),
    );
  }

  /**
   * Blocking twin of {@linkcode RLock.acquire} (Atomics.wait).
   *
   * @example
   * ```ts
   * import { RLock } from "@multitask/core";
   *
   * const rlock = new RLock();
   * rlock.acquireSync();
   * rlock.release();
   * ```
   */
  acquireSync(options?: AcquireOptions): boolean {
    if (options === undefined && this.tryAcquire()) return true;
    return waitUntilSync(
      options,
      "acquire an RLock",
      () => this.tryAcquire(),
      (deadline) => this.#contend(threadIdent(), deadline),
    );
  }

  /**
   * Takes or re-enters the lock if possible without waiting.
   *
   * @example
   * ```ts
   * import { RLock } from "@multitask/core";
   *
   * const rlock = new RLock();
   * console.log(rlock.tryAcquire(), rlock.tryAcquire()); // true true
   * ```
   */
  tryAcquire(): boolean {
    const cell = this.#cell, me = threadIdent();
    const owner = Atomics.compareExchange(cell, OWNER, 0, me);
    if (owner === 0) return true;
    if (owner !== me) return false;
    cell[COUNT]++;
    return true;
  }

  /**
   * Undoes one acquire; the last one frees the lock. Throws
   * {@linkcode RuntimeError} unless this thread holds it.
   *
   * @example
   * ```ts
   * import { RLock } from "@multitask/core";
   *
   * const rlock = new RLock();
   * rlock.tryAcquire();
   * rlock.release();
   * ```
   */
  release(): void {
    const cell = this.#cell;
    // Re-entered: check ownership, then count down. Held once: the
    // compareExchange that frees the lock is itself the ownership check.
    if (cell[COUNT] > 0) {
      this.#checkOwned("release");
      cell[COUNT]--;
      return;
    }
    const me = threadIdent();
    if (Atomics.compareExchange(cell, OWNER, me, 0) !== me) {
      this.#checkOwned("release");
    }
    if (Atomics.load(cell, WAITERS) !== 0) Atomics.notify(cell, OWNER, 1);
  }

  /**
   * True while any thread holds the lock.
   *
   * @example
   * ```ts
   * import { RLock } from "@multitask/core";
   *
   * console.log(new RLock().locked()); // false
   * ```
   */
  locked(): boolean {
    return Atomics.load(this.#cell, OWNER) !== 0;
  }

  /**
   * Acquires and returns a Disposable that releases once.
   *
   * @example
   * ```ts
   * import { RLock } from "@multitask/core";
   *
   * const rlock = new RLock();
   * {
   *   using _ = await rlock.hold();
   *   using __ = await rlock.hold(); // re-entered
   * }
   * console.log(rlock.locked()); // false
   * ```
   */
  async hold(): Promise<Disposable> {
    await this.acquire();
    return this.#releaser();
  }

  /**
   * Blocking twin of {@linkcode RLock.hold}.
   *
   * @example
   * ```ts
   * import { RLock } from "@multitask/core";
   *
   * const rlock = new RLock();
   * {
   *   using _ = rlock.holdSync();
   * }
   * ```
   */
  holdSync(): Disposable {
    this.acquireSync();
    return this.#releaser();
  }

  // One Disposable per lock: each dispose releases once, like a fresh one would.
  #releaser(): Disposable {
    return this.#held ??= { [Symbol.dispose]: () => this.release() };
  }

  #owned(): boolean {
    return Atomics.load(this.#cell, OWNER) === threadIdent();
  }

  #checkOwned(what: string): void {
    const owner = Atomics.load(this.#cell, OWNER);
    if (owner === threadIdent()) return;
    throw new RuntimeError(
      owner === 0
        ? `Cannot ${what} an unlocked RLock: acquire it first, or use 'using _ = await rlock.hold()'.`
        : `Cannot ${what} an RLock held by another thread: only the thread that acquired it may release it. Use a Lock (no owner) to hand a lock between threads.`,
    );
  }

  *#contend(me: number, deadline: number): Steps<boolean> {
    const cell = this.#cell;
    Atomics.add(cell, WAITERS, 1);
    try {
      for (;;) {
        const owner = Atomics.compareExchange(cell, OWNER, 0, me);
        if (owner === 0) return true;
        if (owner === me) {
          cell[COUNT]++;
          return true;
        }
        if ((yield request(cell, OWNER, owner, deadline)) === "timed-out") {
          return Atomics.compareExchange(cell, OWNER, 0, me) === 0;
        }
      }
    } finally {
      Atomics.sub(cell, WAITERS, 1);
    }
  }

  static {
    registerCodec<RLock, SharedArrayBuffer>({
      tag: "RLock",
      type: RLock,
      share: (lock) => lock.#cell.buffer as SharedArrayBuffer,
      revive: (buffer) =>
        adoption.lend(new Int32Array(buffer), () => new RLock()),
    });
    registerLockOps<RLock>(RLock, {
      owned: (lock) => lock.#owned(),
      acquireSteps: (lock, deadline) => lock.#contend(threadIdent(), deadline),
      releaseSave: (lock) => {
        lock.#checkOwned("release");
        const depth = lock.#cell[COUNT];
        lock.#cell[COUNT] = 0;
        lock.release();
        return depth;
      },
      restore: (lock, depth) => {
        lock.#cell[COUNT] = depth;
      },
    });
  }
}
