// A cyclic barrier, Python's algorithm on our own Lock + Condition: after
// the last arrival the barrier "drains" (waiters leave) before a new round
// may fill it, and reset() breaks the current round without touching the next.

import { codecFor, registerCodec } from "../_crossing/codec.ts";
import { Adoption } from "../_crossing/adopt.ts";
import { lockOpsOf } from "./_lockable.ts";
import { deadlineOf, runAsync, runSync, type Steps } from "./_wait.ts";
import { Condition, conditionWait } from "./condition.ts";
import { Lock } from "./lock.ts";

const STATE = 0; // FILLING, DRAINING, RESETTING or BROKEN
const COUNT = 1; // threads inside wait()
const PARTIES = 2;

const FILLING = 0;
const DRAINING = 1;
const RESETTING = -1;
const BROKEN = -2;

interface SharedBarrier {
  cell: SharedArrayBuffer;
  cond: unknown;
}

const adoption = new Adoption<{ cell: Int32Array; cond: Condition }>();

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

/**
 * A barrier for a fixed number of threads [threading.Barrier]: each call to
 * `wait()` blocks until `parties` threads have called it, then all go on
 * together. It is cyclic: the next `parties` calls form the next round.
 * Starting threads behind a barrier makes them truly overlap.
 *
 * @example
 * ```ts
 * import { Barrier } from "@multitask/core";
 *
 * const barrier = new Barrier(2);
 * const [a, b] = await Promise.all([barrier.wait(), barrier.wait()]);
 * console.log(a + b); // 1: the arrival indexes are 0 and 1
 * ```
 */
export class Barrier {
  #cell: Int32Array;
  #cond: Condition;

  /** Creates a barrier for `parties` threads (an integer >= 1). */
  constructor(parties: number) {
    const adopted = adoption.state;
    if (adopted) {
      ({ cell: this.#cell, cond: this.#cond } = adopted);
      return;
    }
    if (!Number.isInteger(parties) || parties < 1 || parties > 0x7fffffff) {
      throw new RangeError(
        `Cannot create Barrier as 'parties' must be a positive integer: received ${
          String(parties)
        }`,
      );
    }
    this.#cell = new Int32Array(new SharedArrayBuffer(12));
    this.#cell[PARTIES] = parties;
    this.#cond = new Condition(new Lock());
  }

  /** How many threads each round waits for. */
  get parties(): number {
    return this.#cell[PARTIES];
  }

  /** How many threads wait in the current round. */
  get nWaiting(): number {
    return Atomics.load(this.#cell, STATE) === FILLING
      ? Atomics.load(this.#cell, COUNT)
      : 0;
  }

  /** True once the barrier is broken (until `reset()`). */
  get broken(): boolean {
    return Atomics.load(this.#cell, STATE) === BROKEN;
  }

  /**
   * Waits until `parties` threads have arrived, then resolves to this
   * thread's arrival index (0 for the first, parties - 1 for the last).
   * Rejects with {@linkcode BrokenBarrierError} if the barrier breaks,
   * including when `timeout` ms pass (which breaks it for everyone).
   *
   * @example
   * ```ts
   * import { Barrier } from "@multitask/core";
   *
   * console.log(await new Barrier(1).wait()); // 0
   * ```
   */
  wait(timeout?: number): Promise<number> {
    try {
      return runAsync(this.#wait(deadlineOf(timeout, "wait on a Barrier")));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Blocking twin of {@linkcode Barrier.wait} (Atomics.wait), for Worker threads.
   *
   * @example
   * ```ts
   * import { Barrier } from "@multitask/core";
   *
   * console.log(new Barrier(1).waitSync()); // 0
   * ```
   */
  waitSync(timeout?: number): number {
    return runSync(this.#wait(deadlineOf(timeout, "wait on a Barrier")));
  }

  /**
   * Breaks the barrier: current and future waiters get
   * {@linkcode BrokenBarrierError} until `reset()`.
   *
   * @example
   * ```ts
   * import { Barrier } from "@multitask/core";
   *
   * const barrier = new Barrier(3);
   * barrier.abort();
   * console.log(barrier.broken); // true
   * ```
   */
  abort(): void {
    using _ = this.#cond.holdSync();
    this.#break();
  }

  /**
   * Returns the barrier to its empty state. Threads waiting in the current
   * round get {@linkcode BrokenBarrierError}; later rounds work normally.
   *
   * @example
   * ```ts
   * import { Barrier } from "@multitask/core";
   *
   * const barrier = new Barrier(2);
   * barrier.abort();
   * barrier.reset();
   * console.log(barrier.broken); // false
   * ```
   */
  reset(): void {
    using _ = this.#cond.holdSync();
    const cell = this.#cell;
    if (cell[COUNT] > 0) {
      // Current waiters see RESETTING and throw; the last one out refills.
      if (cell[STATE] === FILLING || cell[STATE] === BROKEN) {
        cell[STATE] = RESETTING;
      }
    } else cell[STATE] = FILLING;
    this.#cond.notifyAll();
  }

  #break(): void {
    Atomics.store(this.#cell, STATE, BROKEN);
    this.#cond.notifyAll();
  }

  // Plain reads and writes of the cell happen only while holding the lock.
  *#wait(deadline: number): Steps<number> {
    const cell = this.#cell, cond = this.#cond;
    const lock = cond.lock as Lock;
    yield* lockOpsOf(lock)!.acquireSteps(lock, Infinity);
    try {
      // A previous round is still draining or resetting: wait for it to empty.
      while (cell[STATE] === DRAINING || cell[STATE] === RESETTING) {
        yield* conditionWait(cond, Infinity);
      }
      if (cell[STATE] < 0) throw new BrokenBarrierError();
      const index = cell[COUNT]++;
      try {
        if (index + 1 === cell[PARTIES]) {
          cell[STATE] = DRAINING;
          cond.notifyAll();
        } else {
          yield* this.#awaitRelease(deadline);
        }
        return index;
      } finally {
        if (
          --cell[COUNT] === 0 &&
          (cell[STATE] === DRAINING || cell[STATE] === RESETTING)
        ) {
          cell[STATE] = FILLING;
          cond.notifyAll();
        }
      }
    } finally {
      lock.release();
    }
  }

  *#awaitRelease(deadline: number): Steps<void> {
    const cell = this.#cell;
    while (cell[STATE] === FILLING) {
      const notified = yield* conditionWait(this.#cond, deadline);
      if (!notified && cell[STATE] === FILLING) {
        this.#break();
        throw new BrokenBarrierError(
          "Barrier.wait() timed out before all parties arrived, so the barrier is now broken for every waiter. Call reset() to use it again.",
        );
      }
    }
    if (cell[STATE] < 0) throw new BrokenBarrierError();
  }

  static {
    registerCodec<Barrier, SharedBarrier>({
      tag: "Barrier",
      type: Barrier,
      share: (barrier) => ({
        cell: barrier.#cell.buffer as SharedArrayBuffer,
        cond: codecFor("Condition")!.share(barrier.#cond),
      }),
      revive: (state) => {
        const adopted = {
          cell: new Int32Array(state.cell),
          cond: codecFor("Condition")!.revive(state.cond) as Condition,
        };
        return adoption.lend(adopted, () => new Barrier(0));
      },
      remote: ["wait", "abort", "reset"],
    });
  }
}
