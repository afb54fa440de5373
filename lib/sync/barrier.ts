// A cyclic barrier, Python's algorithm on our own Lock + Condition: after
// the last arrival the barrier "drains" (waiters leave) before a new round
// may fill it, and reset() breaks the current round without touching the next.
// The last arrival runs the action under the lock, before it releases the
// others; in another thread the action is rebuilt from its source.

import {
  codecFor,
  decodeValue,
  encodeValue,
  registerCodec,
} from "../_crossing/codec.ts";
import { Adoption } from "../_crossing/adopt.ts";
import { describeTarget } from "../_crossing/target.ts";
import { checkTimeout, shown } from "../_common/waiting.ts";
import { lockOpsOf } from "./_lockable.ts";
import { deadlineOf, runAsync, runSync, type Steps } from "./_wait.ts";
import { Condition, conditionWait } from "./condition.ts";
import { Lock } from "./lock.ts";
import { BrokenBarrierError } from "../errors/sync.ts";

export { BrokenBarrierError };

const STATE = 0; // FILLING, DRAINING, RESETTING or BROKEN
const COUNT = 1; // threads inside wait()
const PARTIES = 2;

const FILLING = 0;
const DRAINING = 1;
const RESETTING = -1;
const BROKEN = -2;

/**
 * Options of {@linkcode Barrier} [threading.Barrier(parties, action, timeout)].
 *
 * @example
 * ```ts
 * import { Barrier, type BarrierOptions } from "@multitask/core";
 *
 * const options: BarrierOptions = { action: () => console.log("all here"), timeout: 1000 };
 * await new Barrier(1, options).wait(); // all here
 * ```
 */
export interface BarrierOptions {
  /**
   * Called once per round by the last thread to arrive, before the others
   * are released; if it throws, that thread's `wait()` throws the error and
   * the barrier breaks for the rest. It must be synchronous. In a thread
   * other than the one that created the barrier it is rebuilt from its
   * source, as a Thread target without `module` is: it may use its
   * parameters (see `args`) and globals, nothing it closes over.
   */
  action?: (...args: never[]) => void;
  /**
   * What the action is called with, in every thread: pass shared state (a
   * Value, a Queue, an Event...) here, since a closure does not cross threads.
   */
  args?: unknown[];
  /** Default timeout (ms) of every `wait()` called without one; -1 or undefined: forever. */
  timeout?: number;
}

type Action = (...args: unknown[]) => unknown;

/** What a Barrier knows beyond its shared cells; the same in every thread. */
interface BarrierSetup {
  /** The default wait timeout, already checked (Infinity: forever). */
  timeout: number;
  /** The action's source, for other threads (undefined: no action, or not shippable). */
  source?: string;
  args: unknown[];
}

interface SharedBarrier extends Omit<BarrierSetup, "args"> {
  cell: SharedArrayBuffer;
  cond: unknown;
  /** The action's arguments, encoded for the thread route. */
  args: unknown;
}

const adoption = new Adoption<
  { cell: Int32Array; cond: Condition; setup: BarrierSetup }
>();

function checkBarrierOptions(options: unknown): BarrierOptions {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot create Barrier as its options must be an object such as { action, timeout }: received ${
        shown(options)
      }. Python's Barrier(parties, action, timeout) is new Barrier(parties, { action, timeout }) here.`,
    );
  }
  const { action, args } = options as BarrierOptions;
  if (action !== undefined && typeof action !== "function") {
    throw new TypeError(
      `Cannot create Barrier as 'action' must be a function: received ${
        shown(action)
      }`,
    );
  }
  if (action?.constructor?.name === "AsyncFunction") {
    throw new TypeError(
      "Cannot create Barrier as 'action' must be a synchronous function: received an async function. The last thread runs it while it holds the barrier, before the others go on; do async work after wait() returns instead (the thread whose index is parties - 1 arrived last).",
    );
  }
  if (args !== undefined && !Array.isArray(args)) {
    throw new TypeError(
      `Cannot create Barrier as 'args' must be an array of the action's arguments: received ${
        shown(args)
      }`,
    );
  }
  return options as BarrierOptions;
}

// The action's source, for the threads the barrier is passed to; undefined
// when it has none or it cannot be shipped (share() then says so).
function sourceOf(action: Action | undefined): string | undefined {
  if (!action) return undefined;
  try {
    const spec = describeTarget(action, undefined, "Barrier");
    return spec.kind === "source" ? spec.source : undefined;
  } catch {
    return undefined;
  }
}

function rebuild(source: string): Action {
  return new Function(`"use strict";\nreturn (${source});`)() as Action;
}

// A shipped action that reads a variable of the scope it was written in
// fails over there with a bare ReferenceError: say why, and what to do.
function explainAction(error: unknown): unknown {
  if (!(error instanceof ReferenceError)) return error;
  return new ReferenceError(
    `${error.message}. The Barrier's action was rebuilt from its source in this thread, so it cannot see variables of the scope it was written in. Pass what it needs in the Barrier's 'args' option (shared objects such as a Value arrive as live handles), or move it inside the function.`,
    { cause: error },
  );
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
  // Over a Lock, not an RLock: async waits on one thread must exclude each other.
  #cond: Condition;
  #setup: BarrierSetup;
  // The creator's own function; elsewhere rebuilt from setup.source when first needed.
  #action: Action | undefined;
  #rebuilt = false;

  /**
   * Creates a barrier for `parties` threads (an integer >= 1), with an
   * optional `action` and default `timeout` (see {@linkcode BarrierOptions}).
   */
  constructor(parties: number, options?: BarrierOptions) {
    const adopted = adoption.state;
    if (adopted) {
      ({ cell: this.#cell, cond: this.#cond, setup: this.#setup } = adopted);
      return;
    }
    if (!Number.isInteger(parties) || parties < 1 || parties > 0x7fffffff) {
      throw new RangeError(
        `Cannot create Barrier as 'parties' must be a positive integer: received ${
          shown(parties)
        }`,
      );
    }
    const { action, args, timeout } = checkBarrierOptions(options);
    this.#setup = {
      timeout: checkTimeout(timeout, "create Barrier"),
      source: sourceOf(action as Action | undefined),
      args: args ? [...args] : [],
    };
    this.#action = action as Action | undefined;
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
   * including when `timeout` ms pass (which breaks it for everyone; default:
   * the barrier's own `timeout` option, -1: forever). The last to arrive runs
   * the action first, and rejects with its error if it throws.
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
      return runAsync(this.#wait(this.#deadline(timeout)));
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
    return runSync(this.#wait(this.#deadline(timeout)));
  }

  #deadline(timeout: number | undefined): number {
    return timeout === undefined
      ? performance.now() + this.#setup.timeout
      : deadlineOf(timeout, "wait on a Barrier");
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

  // Under the lock, by the last arrival: an error breaks the barrier for the
  // others (BrokenBarrierError) and is thrown to this thread, as in Python.
  #runAction(): void {
    const setup = this.#setup;
    if (this.#action === undefined && setup.source === undefined) return;
    const rebuilt = this.#action === undefined || this.#rebuilt;
    try {
      if (this.#action === undefined) {
        this.#action = rebuild(setup.source!);
        this.#rebuilt = true;
      }
      this.#action(...setup.args);
    } catch (error) {
      this.#break();
      throw rebuilt ? explainAction(error) : error;
    }
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
          this.#runAction();
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
      share: (barrier) => {
        const setup = barrier.#setup;
        if (barrier.#action && setup.source === undefined) {
          throw new TypeError(
            "Cannot pass a Barrier to another thread as its action is a native or bound function, whose source cannot be shipped: any thread may arrive last and must run it. Wrap it in a self-contained function (passing what it needs in 'args').",
          );
        }
        return {
          cell: barrier.#cell.buffer as SharedArrayBuffer,
          cond: codecFor("Condition")!.share(barrier.#cond),
          timeout: setup.timeout,
          source: setup.source,
          args: encodeValue(setup.args, "thread"),
        };
      },
      revive: (state) => {
        const adopted = {
          cell: new Int32Array(state.cell),
          cond: codecFor("Condition")!.revive(state.cond) as Condition,
          setup: {
            timeout: state.timeout,
            source: state.source,
            args: decodeValue(state.args) as unknown[],
          },
        };
        return adoption.lend(adopted, () => new Barrier(0));
      },
      remote: ["wait", "abort", "reset"],
      serve: (barrier, method, args, signal) =>
        method === "wait" && signal
          ? waitOrBreak(barrier, args[0] as number | undefined, signal)
          : (barrier as unknown as Record<string, () => unknown>)[method](),
    });
  }
}

// A remote party's wait: if its caller cancels or disconnects while it waits,
// the barrier breaks, as it does when a party times out, so the other
// parties get BrokenBarrierError instead of waiting forever for one that is
// gone (its arrival was counted and cannot be taken back).
async function waitOrBreak(
  barrier: Barrier,
  timeout: number | undefined,
  signal: AbortSignal,
): Promise<number> {
  const waiting = barrier.wait(timeout);
  const gone = () => barrier.abort();
  signal.addEventListener("abort", gone, { once: true });
  if (signal.aborted) gone();
  try {
    return await waiting;
  } finally {
    signal.removeEventListener("abort", gone);
  }
}
