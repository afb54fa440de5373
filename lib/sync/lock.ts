// A mutex in one Int32Array cell of a SharedArrayBuffer, so every thread that
// receives the Lock locks the same memory. The uncontended path is a single
// compareExchange; sleeping and waking only happen under contention.

import { RuntimeError } from "../errors/base.ts";
import { Adoption } from "../_crossing/adopt.ts";
import { registerCodec } from "../_crossing/codec.ts";
import { registerLockOps } from "./_lockable.ts";
import {
  request,
  runAsync,
  runSync,
  type Steps,
  TRUE,
  waitUntil,
  waitUntilSync,
} from "./_wait.ts";
import { serveAcquire } from "./_serve.ts";

/**
 * Options for the `acquire` methods of locks and semaphores.
 *
 * @example
 * ```ts
 * import { type AcquireOptions, Lock } from "@multitask/core";
 *
 * const options: AcquireOptions = { timeout: 50, signal: AbortSignal.timeout(1000) };
 * const lock = new Lock();
 * console.log(await lock.acquire(options)); // true
 * ```
 */
export interface AcquireOptions {
  /**
   * Milliseconds to wait before giving up (the call then returns false);
   * 0 tries once. Default, `-1` or `Infinity`: wait forever. The timeout goes
   * here, never as a bare number: Python's `acquire(5)` means blocking=5.
   */
  timeout?: number;
  /**
   * Stops an async `acquire` when aborted: it rejects with the signal's
   * reason and takes nothing. Ignored by the blocking `acquireSync`.
   */
  signal?: AbortSignal;
}

const STATE = 0; // 0: unlocked, 1: locked
const WAITERS = 1; // threads and promises sleeping on STATE
const SPINS = 100; // a short spin catches hand-offs that are over in a few hundred ns

const adoption = new Adoption<Int32Array>();

/**
 * A mutual-exclusion lock shared by threads [threading.Lock]. Any thread may
 * release it (it has no owner); releasing it when unlocked throws
 * {@linkcode RuntimeError}. Pass it to a Thread as an argument: it arrives as
 * a live handle to the same lock.
 *
 * @example Guard a critical section
 * ```ts
 * import { Lock } from "@multitask/core";
 *
 * const lock = new Lock();
 * {
 *   using _ = await lock.hold();
 *   console.log(lock.locked()); // true
 * }
 * console.log(lock.locked()); // false
 * ```
 */
export class Lock {
  #cell: Int32Array;
  #held: Disposable | undefined;

  /** Creates an unlocked lock. */
  constructor() {
    this.#cell = adoption.state ?? new Int32Array(new SharedArrayBuffer(8));
  }

  /**
   * Waits until the lock is free and takes it. Resolves to false if
   * `timeout` ms pass first. Never blocks the thread (Atomics.waitAsync).
   *
   * @example
   * ```ts
   * import { Lock } from "@multitask/core";
   *
   * const lock = new Lock();
   * await lock.acquire();
   * console.log(await lock.acquire({ timeout: 10 })); // false: already held
   * lock.release();
   * ```
   */
  acquire(options?: AcquireOptions): Promise<boolean> {
    if (options !== undefined) {
      return waitUntil(
        options,
        "acquire a Lock",
        () => Atomics.compareExchange(this.#cell, STATE, 0, 1) === 0,
        (deadline) => this.#contend(deadline),
      );
    }
    if (Atomics.compareExchange(this.#cell, STATE, 0, 1) === 0) return TRUE;
    return runAsync(this.#contend(Infinity));
  }

  /**
   * Blocking twin of {@linkcode Lock.acquire}: sleeps the calling thread
   * (Atomics.wait). Meant for Worker threads; on the main thread it freezes
   * the event loop until the lock is free.
   *
   * @example
   * ```ts
   * import { Lock } from "@multitask/core";
   *
   * const lock = new Lock();
   * console.log(lock.acquireSync()); // true
   * lock.release();
   * ```
   */
  acquireSync(options?: AcquireOptions): boolean {
    if (options === undefined) {
      if (Atomics.compareExchange(this.#cell, STATE, 0, 1) === 0) return true;
      return runSync(this.#contend(Infinity));
    }
    return waitUntilSync(
      options,
      "acquire a Lock",
      () => Atomics.compareExchange(this.#cell, STATE, 0, 1) === 0,
      (deadline) => this.#contend(deadline),
    );
  }

  /**
   * Takes the lock if it is free, without waiting [acquire(blocking=False)].
   *
   * @example
   * ```ts
   * import { Lock } from "@multitask/core";
   *
   * const lock = new Lock();
   * console.log(lock.tryAcquire(), lock.tryAcquire()); // true false
   * ```
   */
  tryAcquire(): boolean {
    return Atomics.compareExchange(this.#cell, STATE, 0, 1) === 0;
  }

  /**
   * Unlocks, waking one waiter if any. Throws {@linkcode RuntimeError} when
   * the lock is not locked.
   *
   * @example
   * ```ts
   * import { Lock } from "@multitask/core";
   *
   * const lock = new Lock();
   * lock.tryAcquire();
   * lock.release();
   * ```
   */
  release(): void {
    const cell = this.#cell;
    if (Atomics.compareExchange(cell, STATE, 1, 0) !== 1) {
      throw new RuntimeError(
        "Cannot release an unlocked Lock: release() must follow a successful acquire(). Prefer 'using _ = await lock.hold()', which releases exactly once.",
      );
    }
    if (Atomics.load(cell, WAITERS) !== 0) Atomics.notify(cell, STATE, 1);
  }

  /**
   * True while some thread holds the lock.
   *
   * @example
   * ```ts
   * import { Lock } from "@multitask/core";
   *
   * console.log(new Lock().locked()); // false
   * ```
   */
  locked(): boolean {
    return Atomics.load(this.#cell, STATE) === 1;
  }

  /**
   * Acquires and returns a Disposable that releases: `using _ = await lock.hold()`
   * is Python's `with lock:`.
   *
   * @example
   * ```ts
   * import { Lock } from "@multitask/core";
   *
   * const lock = new Lock();
   * async function critical() {
   *   using _ = await lock.hold();
   *   return lock.locked();
   * }
   * console.log(await critical(), lock.locked()); // true false
   * ```
   */
  async hold(): Promise<Disposable> {
    await this.acquire();
    return this.#releaser();
  }

  /**
   * Blocking twin of {@linkcode Lock.hold}: `using _ = lock.holdSync()`.
   *
   * @example
   * ```ts
   * import { Lock } from "@multitask/core";
   *
   * const lock = new Lock();
   * {
   *   using _ = lock.holdSync();
   * }
   * console.log(lock.locked()); // false
   * ```
   */
  holdSync(): Disposable {
    this.acquireSync();
    return this.#releaser();
  }

  #releaser(): Disposable {
    return this.#held ??= { [Symbol.dispose]: () => this.release() };
  }

  // Announce ourselves in WAITERS before the last try, so a release that
  // lands in between sees us and notifies (both sides use seq-cst atomics).
  *#contend(deadline: number): Steps<boolean> {
    const cell = this.#cell;
    for (let i = 0; i < SPINS; i++) {
      if (
        Atomics.load(cell, STATE) === 0 &&
        Atomics.compareExchange(cell, STATE, 0, 1) === 0
      ) {
        return true;
      }
    }
    Atomics.add(cell, WAITERS, 1);
    try {
      const sleep = request(cell, STATE, 1, deadline);
      for (;;) {
        if (Atomics.compareExchange(cell, STATE, 0, 1) === 0) return true;
        if ((yield sleep) === "timed-out") {
          return Atomics.compareExchange(cell, STATE, 0, 1) === 0;
        }
      }
    } finally {
      Atomics.sub(cell, WAITERS, 1);
    }
  }

  static {
    registerCodec<Lock, SharedArrayBuffer>({
      tag: "Lock",
      type: Lock,
      share: (lock) => lock.#cell.buffer as SharedArrayBuffer,
      revive: (buffer) =>
        adoption.lend(new Int32Array(buffer), () => new Lock()),
      remote: ["acquire", "release", "tryAcquire", "locked"],
      serve: (lock, method, args, signal) =>
        serveAcquire(lock, method, args, signal),
    });
    registerLockOps<Lock>(Lock, {
      owned: (lock) => lock.locked(),
      acquireSteps: (lock, deadline) => lock.#contend(deadline),
      releaseSave: (lock) => {
        lock.release();
        return 1;
      },
      restore: () => {},
    });
  }
}
