// A flag in shared memory that threads can sleep on until it is set.

import { registerCodec } from "../_crossing/codec.ts";
import { Adoption } from "../_crossing/adopt.ts";
import { serveWithSignal } from "./_serve.ts";
import {
  deadlineOf,
  request,
  runSync,
  type Steps,
  TRUE,
  waitUntil,
} from "./_wait.ts";

/**
 * Options for {@linkcode Event.wait}.
 *
 * @example
 * ```ts
 * import { Event, type EventWaitOptions } from "@multitask/core";
 *
 * const options: EventWaitOptions = { timeout: 5 };
 * console.log(await new Event().wait(options)); // false
 * ```
 */
export interface EventWaitOptions {
  /** Milliseconds to wait before resolving false. Default: wait forever. */
  timeout?: number;
  /** Stops the wait when aborted: it rejects with the signal's reason. */
  signal?: AbortSignal;
}

const FLAG = 0;
const WAITERS = 1;
// Bumped by each set(): a waiter sleeps on it and wakes when it changes, so
// a set() followed at once by clear() still releases it, as in Python.
const SETS = 2;

const adoption = new Adoption<Int32Array>();

/**
 * A flag threads wait on [threading.Event]: `set()` wakes every waiter,
 * `clear()` lowers it again, `wait(timeout?)` sleeps until it is set.
 *
 * @example
 * ```ts
 * import { Event } from "@multitask/core";
 *
 * const ready = new Event();
 * setTimeout(() => ready.set(), 1);
 * console.log(await ready.wait()); // true
 * ```
 */
export class Event {
  #cell: Int32Array;

  /** Creates a cleared event. */
  constructor() {
    this.#cell = adoption.state ?? new Int32Array(new SharedArrayBuffer(12));
  }

  /**
   * Sets the flag and wakes every waiter.
   *
   * @example
   * ```ts
   * import { Event } from "@multitask/core";
   *
   * const event = new Event();
   * event.set();
   * console.log(event.isSet()); // true
   * ```
   */
  set(): void {
    const cell = this.#cell;
    // Bump SETS before raising FLAG: a waiter that starts after seeing this
    // set's FLAG (and clearing it) reads the bumped SETS, so this set's
    // notify cannot pass for a new one (bumping after FLAG, only when
    // waiters were seen, let a ping-pong partner run a round ahead).
    Atomics.add(cell, SETS, 1);
    Atomics.store(cell, FLAG, 1);
    if (Atomics.load(cell, WAITERS) !== 0) Atomics.notify(cell, SETS);
  }

  /**
   * Lowers the flag; later waits sleep until the next `set()`.
   *
   * @example
   * ```ts
   * import { Event } from "@multitask/core";
   *
   * const event = new Event();
   * event.set();
   * event.clear();
   * console.log(event.isSet()); // false
   * ```
   */
  clear(): void {
    Atomics.store(this.#cell, FLAG, 0);
  }

  /**
   * True when the flag is set.
   *
   * @example
   * ```ts
   * import { Event } from "@multitask/core";
   *
   * console.log(new Event().isSet()); // false
   * ```
   */
  isSet(): boolean {
    return Atomics.load(this.#cell, FLAG) === 1;
  }

  /**
   * Resolves when the flag is set: true, or false if `timeout` ms passed
   * first. Also takes `{ timeout, signal }`: an aborted signal rejects with
   * its reason.
   *
   * @example
   * ```ts
   * import { Event } from "@multitask/core";
   *
   * console.log(await new Event().wait(5)); // false
   * ```
   */
  wait(timeout?: number | EventWaitOptions): Promise<boolean> {
    if (timeout === undefined && Atomics.load(this.#cell, FLAG) === 1) {
      return TRUE;
    }
    return waitUntil(
      timeout,
      "wait on an Event",
      () => Atomics.load(this.#cell, FLAG) === 1,
      (deadline) => this.#sleep(deadline),
    );
  }

  /**
   * Blocking twin of {@linkcode Event.wait} (Atomics.wait), for Worker threads.
   *
   * @example
   * ```ts
   * import { Event } from "@multitask/core";
   *
   * const event = new Event();
   * event.set();
   * console.log(event.waitSync()); // true
   * ```
   */
  waitSync(timeout?: number): boolean {
    if (Atomics.load(this.#cell, FLAG) === 1) return true;
    return runSync(this.#sleep(deadlineOf(timeout, "wait on an Event")));
  }

  *#sleep(deadline: number): Steps<boolean> {
    const cell = this.#cell;
    Atomics.add(cell, WAITERS, 1);
    try {
      const sets = Atomics.load(cell, SETS);
      const sleep = request(cell, SETS, sets, deadline);
      while (
        Atomics.load(cell, FLAG) === 0 && Atomics.load(cell, SETS) === sets
      ) {
        if ((yield sleep) === "timed-out") break;
      }
      return Atomics.load(cell, FLAG) === 1 ||
        Atomics.load(cell, SETS) !== sets;
    } finally {
      Atomics.sub(cell, WAITERS, 1);
    }
  }

  static {
    registerCodec<Event, SharedArrayBuffer>({
      tag: "Event",
      type: Event,
      share: (event) => event.#cell.buffer as SharedArrayBuffer,
      revive: (buffer) =>
        adoption.lend(new Int32Array(buffer), () => new Event()),
      remote: ["set", "clear", "isSet", "wait"],
      serve: (event, method, args, signal) =>
        serveWithSignal(event, method, args, signal, "wait"),
    });
  }
}
