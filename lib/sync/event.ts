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

// STATE holds the flag in bit 0 and, above it, a count of set() calls: a
// waiter sleeps on STATE and leaves when either changes, so a set() followed
// at once by clear() still releases it, as in Python. Both live in one cell
// so that set() raises the flag and counts in one atomic step: with the count
// and the flag in two cells, a waiter could see the count move, return, and
// clear() the flag before set() raised it, leaving it raised for nobody — a
// ping-pong then lost a round and both sides slept for ever.
const STATE = 0;
const WAITERS = 1;
const FLAG = 1; // bit 0 of STATE
const ONE_SET = 2; // what each set() adds to the count above the flag

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
    this.#cell = adoption.state ?? new Int32Array(new SharedArrayBuffer(8));
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
    let state = Atomics.load(cell, STATE);
    for (;;) {
      const seen = Atomics.compareExchange(
        cell,
        STATE,
        state,
        (state + ONE_SET) | FLAG,
      );
      if (seen === state) break;
      state = seen;
    }
    if (Atomics.load(cell, WAITERS) !== 0) Atomics.notify(cell, STATE);
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
    Atomics.and(this.#cell, STATE, ~FLAG);
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
    return (Atomics.load(this.#cell, STATE) & FLAG) !== 0;
  }

  /**
   * Resolves when the flag is set: true, or false if `timeout` ms passed
   * first (undefined or -1: wait forever). Also takes `{ timeout, signal }`:
   * an aborted signal rejects with its reason.
   *
   * @example
   * ```ts
   * import { Event } from "@multitask/core";
   *
   * console.log(await new Event().wait(5)); // false
   * ```
   */
  wait(timeout?: number | EventWaitOptions): Promise<boolean> {
    if (timeout === undefined && this.isSet()) return TRUE;
    return waitUntil(
      timeout,
      "wait on an Event",
      () => this.isSet(),
      (deadline) => this.#sleep(deadline),
      "positional",
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
  waitSync(timeout?: number | { timeout?: number }): boolean {
    if (timeout === undefined && this.isSet()) return true;
    const deadline = deadlineOf(timeout, "wait on an Event");
    if (this.isSet()) return true;
    return runSync(this.#sleep(deadline));
  }

  *#sleep(deadline: number): Steps<boolean> {
    const cell = this.#cell;
    Atomics.add(cell, WAITERS, 1);
    try {
      const before = Atomics.load(cell, STATE); // read after WAITERS: set() then notifies
      if ((before & FLAG) !== 0) return true;
      const sleep = request(cell, STATE, before, deadline);
      // Only set() changes a cleared STATE (clear() leaves it as it is).
      while (Atomics.load(cell, STATE) === before) {
        if ((yield sleep) === "timed-out") {
          return Atomics.load(cell, STATE) !== before;
        }
      }
      return true;
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
        serveWithSignal(event, method, args, signal, "wait", "positional"),
    });
  }
}
