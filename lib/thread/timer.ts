// Timer: a Thread that runs its target after a delay unless cancelled
// first [threading.Timer]. It is built on Thread's public behaviour only: the
// delay runs on this side, and the Thread is started when it is over.

import { RuntimeError, Thread, type ThreadOptions } from "./thread.ts";
import { checkTimeout } from "../_common/waiting.ts";

/** Options of {@linkcode Timer} besides the delay, target and arguments. */
export type TimerOptions<A extends unknown[] = unknown[]> = Omit<
  ThreadOptions<A>,
  "target" | "args"
>;

type Phase = "idle" | "waiting" | "cancelled" | "fired";

/**
 * Python's `threading.Timer`: a {@linkcode Thread} that runs `target(...args)`
 * once `ms` milliseconds have passed since `start()`, unless `cancel()` came
 * first. Targets are as for `Thread`: an exported function with its `module`,
 * or a self-contained function.
 *
 * The delay runs on the creating thread and the worker starts when it is
 * over, so a cancelled timer never starts one. Meanwhile `isAlive()` is true,
 * `join()` waits, and a non-daemon timer keeps the program alive (a daemon one
 * does not); `ident` is set once the target's thread starts.
 *
 * @example Run a function in 100 ms, or cancel it
 * ```ts
 * import { Timer } from "@multitask/core/thread";
 *
 * const hello = new Timer(100, (who: string) => console.log(`hello, ${who}`), ["world"]);
 * hello.start();
 * await hello.join(); // prints "hello, world" after 100 ms
 *
 * const never = new Timer(60_000, () => console.log("never printed"));
 * never.start();
 * never.cancel();
 * await never.join(); // at once: it was cancelled while waiting
 * ```
 */
// deno-lint-ignore no-explicit-any
export class Timer<A extends unknown[] = any[]> extends Thread<A> {
  /** The delay in milliseconds (Python's `interval`, in seconds there). */
  readonly interval: number;
  #started = false;
  #phase: Phase = "idle";
  #timer: ReturnType<typeof setTimeout> | undefined;
  #joiners = 0;
  // Resolves when the waiting ends: fired or cancelled.
  readonly #waited = Promise.withResolvers<void>();
  #startError: Error | undefined;

  /**
   * Creates a timer; nothing waits until `start()`.
   *
   * @param ms Milliseconds to wait after `start()` (a number >= 0).
   * @param target The function to run, as for {@linkcode Thread}.
   * @param args Its arguments (structured-cloned; library objects arrive live).
   * @param options `module` (for an exported target), `name`, `daemon`.
   *
   * @example A named daemon timer running an exported function
   * ```ts ignore
   * import { Timer } from "@multitask/core/thread";
   *
   * export function remind(text: string) {
   *   console.log(text);
   * }
   *
   * if (import.meta.main) {
   *   const t = new Timer(5_000, remind, ["stand up"], {
   *     module: import.meta.url,
   *     name: "Reminder",
   *     daemon: true,
   *   });
   *   t.start();
   * }
   * ```
   */
  constructor(
    ms: number,
    target: (...args: A) => unknown,
    args?: A,
    options: TimerOptions<A> = {},
  ) {
    if (typeof ms !== "number" || !(ms >= 0) || ms === Infinity) {
      throw new RangeError(
        `Cannot create timer as its delay must be a finite number of milliseconds >= 0: received ${
          typeof ms === "string" ? JSON.stringify(ms) : String(ms)
        }.`,
      );
    }
    if (typeof target !== "function") {
      throw new TypeError(
        `Cannot create timer as its target must be a function: received ${
          target === null ? "null" : typeof target
        }. Pass the function to run after the delay.`,
      );
    }
    if (options === null || typeof options !== "object") {
      throw new TypeError(
        `Cannot create timer as its options must be an object: received ${
          String(options)
        }.`,
      );
    }
    super({ ...options, target, args });
    this.interval = ms;
  }

  /**
   * Starts the delay; the target's thread starts when it is over, unless
   * `cancel()` came first. Throws {@linkcode RuntimeError} when called twice.
   */
  override start(): void {
    if (this.#started) {
      throw new RuntimeError(
        `Cannot start ${this.name} as threads can only be started once. Create a new Timer to run it again.`,
      );
    }
    this.#started = true;
    // Python's: a timer cancelled before start() starts and ends at once.
    if (this.#phase === "cancelled") return;
    this.#phase = "waiting";
    const timer = setTimeout(() => this.#fire(), this.interval);
    if (this.daemon) Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  #fire(): void {
    if (this.#phase !== "waiting") return;
    this.#phase = "fired";
    try {
      super.start();
    } catch (error) {
      // Arguments that cannot be cloned only show now, out of the caller's
      // reach: report them as an error of the thread, as Python reports one
      // its function raises.
      this.#startError = error as Error;
      try {
        Thread.excepthook({ error: error as Error, thread: this });
      } catch {
        // A broken hook must not become an uncaught error of the program.
      }
    } finally {
      this.#waited.resolve();
    }
  }

  /** The error the target threw, or why its thread could not start. */
  override get error(): Error | undefined {
    return this.#startError ?? super.error;
  }

  /**
   * Stops the timer if it is still waiting: the target will not run. Does
   * nothing once the target's thread has started (stop that with an Event
   * the target checks, or `terminate()`). [Python: Timer.cancel]
   *
   * @example
   * ```ts
   * import { Timer } from "@multitask/core/thread";
   *
   * const t = new Timer(60_000, () => console.log("too late"));
   * t.start();
   * t.cancel();
   * console.log(t.isAlive()); // false
   * ```
   */
  cancel(): void {
    if (this.#phase !== "idle" && this.#phase !== "waiting") return;
    clearTimeout(this.#timer);
    this.#phase = "cancelled";
    this.#waited.resolve();
  }

  /** True from `start()` until the target has finished or the timer was cancelled. */
  override isAlive(): boolean {
    return this.#phase === "waiting" || super.isAlive();
  }

  /**
   * Waits until the timer was cancelled or its target has finished. With
   * `timeout` (ms) it resolves after that long at the latest, like
   * `Thread.join`: check `isAlive()` afterwards. Rejects with
   * {@linkcode RuntimeError} if the timer was never started.
   */
  override async join(timeout?: number): Promise<void> {
    if (!this.#started) return await super.join(timeout);
    const ms = checkTimeout(timeout, `join ${this.name}`);
    const until = performance.now() + ms;
    if (
      this.#phase === "waiting" &&
      !(await this.#waitedWithin(ms === Infinity ? undefined : ms))
    ) {
      return;
    }
    if (this.#phase === "fired" && this.ident !== null) {
      const left = until === Infinity
        ? undefined
        : Math.max(0, until - performance.now());
      await super.join(left);
    }
  }

  // Resolves true once the waiting is over, false if `timeout` passed first.
  // A daemon timer's delay does not keep the program alive; while someone
  // joins it, it must (as a joined daemon Thread's worker does).
  async #waitedWithin(timeout: number | undefined): Promise<boolean> {
    if (this.daemon && this.#joiners++ === 0) Deno.refTimer(this.#timer!);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<boolean>((resolve) => {
      if (timeout !== undefined) {
        timer = setTimeout(() => resolve(false), timeout);
      }
    });
    try {
      return await Promise.race([
        this.#waited.promise.then(() => true),
        expired,
      ]);
    } finally {
      clearTimeout(timer);
      if (this.daemon && --this.#joiners === 0) Deno.unrefTimer(this.#timer!);
    }
  }

  /** Cancels a waiting timer, or stops its running target at once as `Thread.terminate` does. */
  override async terminate(): Promise<void> {
    this.cancel();
    await super.terminate();
  }

  /** Python's repr: `<Timer(Thread-1, waiting 500 ms)>`, then as a Thread's. */
  override toString(): string {
    if (this.#phase === "waiting") {
      return `<Timer(${this.name}, waiting ${this.interval} ms${
        this.daemon ? " daemon" : ""
      })>`;
    }
    if (this.#phase === "cancelled") return `<Timer(${this.name}, cancelled)>`;
    return super.toString().replace(/^<Thread\(/, "<Timer(");
  }
}
