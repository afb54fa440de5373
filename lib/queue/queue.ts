import { AbortWatch, MAX_RING_BYTES, onMainThread, Ring } from "./_ring.ts";
import {
  checkTimeout,
  keepAlive,
  remaining,
  shown,
} from "../_common/waiting.ts";
import { checkFlag, checkOptions, checkSignal } from "../_common/validate.ts";
import { Adoption } from "../_crossing/adopt.ts";
import { Empty, Full, QueueClosed } from "../errors/queue.ts";
import { takeAsync, type TakeErrors, takeSync } from "./_ring_take.ts";
import {
  orderOf,
  type QueueAccess,
  registerQueueCodecs,
} from "./_queue_codec.ts";
import type { JoinableQueueLike, QueueLike } from "./remote_queue.ts";

export { Empty, Full, QueueClosed };

/** Options of {@linkcode Queue}. */
export interface QueueOptions {
  /** Most items the queue holds before `put` waits; 0 or `Infinity` (the default): no limit. */
  maxsize?: number;
  /**
   * Most bytes of serialized items the queue's shared buffer may grow to
   * (default and largest: 1 GiB). A `put` waits while the bytes are used up,
   * and an item bigger than this is refused with a RangeError.
   */
  maxBytes?: number;
}

/** Options of {@linkcode Queue.put}. */
export interface PutOptions {
  /** Milliseconds to wait for room before rejecting with {@linkcode Full}; default: forever. */
  timeout?: number;
  /** Stops waiting (rejects with the signal's reason); the item is then not queued. */
  signal?: AbortSignal;
}

/**
 * Options of {@linkcode Queue.close}.
 *
 * @example
 * ```ts
 * import { type CloseOptions, Queue } from "@multitask/core/queue";
 *
 * const q = new Queue<number>();
 * q.putNowait(1);
 * const now: CloseOptions = { immediate: true };
 * q.close(now);
 * console.log(q.qsize()); // 0
 * ```
 */
export interface CloseOptions {
  /**
   * Drop the items still queued, so getters end at once with
   * {@linkcode QueueClosed} instead of draining them (default false)
   * [shutdown(immediate=True)].
   */
  immediate?: boolean;
}

/** Options of {@linkcode Queue.get}. */
export interface GetOptions {
  /** Milliseconds to wait for an item before rejecting with {@linkcode Empty}; default: forever. */
  timeout?: number;
  /** Stops waiting (rejects with the signal's reason); no item is taken after it aborts. */
  signal?: AbortSignal;
}

// ---- validation -------------------------------------------------------------

function checkMaxsize(maxsize: unknown, who = "create queue"): number {
  if (maxsize === undefined || maxsize === Infinity || maxsize === 0) return 0;
  if (
    !Number.isInteger(maxsize) || (maxsize as number) < 0 ||
    (maxsize as number) >= 2 ** 31
  ) {
    throw new RangeError(
      `Cannot ${who} as 'maxsize' must be a non-negative integer below 2**31 (0 or Infinity for no limit): received ${
        shown(maxsize)
      }`,
    );
  }
  return maxsize as number;
}

/** Reads close()'s options: whether to drop what is left. */
function checkClose(options: unknown): boolean {
  const immediate = checkOptions(options, "close queue").immediate;
  return checkFlag(immediate, "immediate", "close queue");
}

function checkMaxBytes(maxBytes: unknown): number {
  if (maxBytes === undefined) return MAX_RING_BYTES;
  if (
    !Number.isInteger(maxBytes) || (maxBytes as number) < 64 ||
    (maxBytes as number) > MAX_RING_BYTES
  ) {
    throw new RangeError(
      `Cannot create queue as 'maxBytes' must be an integer from 64 to ${MAX_RING_BYTES} (1 GiB): received ${
        String(maxBytes)
      }`,
    );
  }
  return maxBytes as number;
}

function blockingAllowed(who: string): void {
  if (onMainThread()) {
    throw new TypeError(
      `${who} would block the main thread, whose event loop delivers items from other processes, timers and I/O. Use the async twin here (await q.get(), await q.put(...)); the Sync methods are for workers.`,
    );
  }
}

// Module-private access to a queue's ring (for JoinableQueue and the
// codecs), without widening the public type; set in Queue's static block.
let access: Pick<QueueAccess, "ring" | "joinable" | "checkFits">;

// A ring lent to the public constructor while a codec revives a queue in a
// thread, so that constructor (which validates user options) is the only way in.
const adoption = new Adoption<Ring>();

/**
 * A first-in first-out queue [queue.Queue, multiprocessing.Queue]. It lives
 * in shared memory, so passing it to a {@linkcode Thread} gives the worker a
 * live Queue on the same items; passed to a child `Process` (or served by a
 * `Manager`) it stays with its owner and the other side gets a
 * {@linkcode RemoteQueue} whose calls the owner carries out. Type a
 * parameter that may receive either with {@linkcode QueueLike}.
 *
 * Items cross by structured clone (numbers, strings, booleans and null take a
 * fast path). Waiting methods are async; inside workers the blocking twins
 * `getSync`/`putSync` exist as well.
 *
 * @example Threads share one queue
 * ```ts
 * import { Queue } from "@multitask/core/queue";
 *
 * const q = new Queue<number>({ maxsize: 100 });
 * q.putNowait(1);
 * console.log(q.qsize(), await q.get()); // 1 1
 * ```
 */
export class Queue<T = unknown> implements QueueLike<T> {
  #ring: Ring;
  readonly #found = { found: false };

  /** Creates an empty queue; see {@linkcode QueueOptions}. */
  constructor(options?: QueueOptions) {
    const adopted = adoption.state;
    if (adopted) {
      this.#ring = adopted;
      return;
    }
    const opts = checkOptions(options, "create queue");
    this.#ring = Ring.create(
      checkMaxsize(opts.maxsize),
      checkMaxBytes(opts.maxBytes),
      orderOf(new.target),
    );
  }

  /** Whether `taskDone()` bookkeeping is on (JoinableQueue). */
  protected get joinable(): boolean {
    return false;
  }

  /**
   * The item limit; `Infinity` when unbounded. Settable at run time, from
   * any thread [queue.Queue.maxsize]: items already queued stay, and puts
   * waiting for room go in at once if the limit grew.
   *
   * @example
   * ```ts
   * import { Queue } from "@multitask/core/queue";
   *
   * const q = new Queue<number>({ maxsize: 1 });
   * q.putNowait(1);
   * const waiting = q.put(2); // the queue is full
   * q.maxsize = 2;
   * await waiting;
   * console.log(q.qsize()); // 2
   * ```
   */
  get maxsize(): number {
    const ring = this.#ring;
    return ring.maxsize === 0 ? Infinity : ring.maxsize;
  }

  set maxsize(maxsize: number) {
    this.#ring.setMaxsize(checkMaxsize(maxsize, "set the queue's maxsize"));
  }

  /**
   * Adds an item, waiting while the queue is full. Rejects with
   * {@linkcode Full} after `timeout` ms, {@linkcode QueueClosed} if the queue
   * is closed, a TypeError if the item cannot be cloned (nothing is queued).
   *
   * @example
   * ```ts
   * import { Queue } from "@multitask/core/queue";
   *
   * const q = new Queue<string>({ maxsize: 1 });
   * await q.put("A");
   * await q.put("B", { timeout: 10 }).catch((e) => console.log(e.name)); // "Full"
   * ```
   */
  put(item: T, options?: PutOptions): Promise<void> {
    try {
      const opts = checkOptions(options, "put into queue");
      const timeout = checkTimeout(opts.timeout, "put into queue");
      const signal = checkSignal(opts.signal, "put into queue");
      return this.#put(item, timeout, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #put(
    item: T,
    timeout: number,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const ring = this.#ring;
    const prepared = ring.prepare(item);
    this.#checkFits(Ring.recordBytes(prepared));
    const deadline = performance.now() + timeout;
    using abort = new AbortWatch(signal);
    for (;;) {
      signal?.throwIfAborted();
      const seq = ring.getSeq;
      const result = ring.tryPut(prepared, this.joinable);
      if (result === "ok") return;
      if (result === "closed") throw closedForPut();
      const left = remaining(deadline);
      if (left === 0) throw fullError(ring, timeout);
      await keepAlive(ring.waitAsync("get", seq, left, abort.promise));
    }
  }

  /** Blocking `put` for workers; throws the same errors. */
  putSync(item: T, options?: { timeout?: number }): void {
    blockingAllowed("Queue.putSync()");
    const ring = this.#ring;
    const timeout = checkTimeout(
      checkOptions(options, "put into queue").timeout,
      "put into queue",
    );
    const prepared = ring.prepare(item);
    this.#checkFits(Ring.recordBytes(prepared));
    const deadline = performance.now() + timeout;
    for (;;) {
      const seq = ring.getSeq;
      const result = ring.tryPut(prepared, this.joinable);
      if (result === "ok") return;
      if (result === "closed") throw closedForPut();
      const left = remaining(deadline);
      if (left === 0) throw fullError(ring, timeout);
      ring.waitSync("get", seq, left);
    }
  }

  /** Adds an item or throws {@linkcode Full} at once [put_nowait]. */
  putNowait(item: T): void {
    const ring = this.#ring;
    const prepared = ring.prepare(item);
    this.#checkFits(Ring.recordBytes(prepared));
    const result = ring.tryPut(prepared, this.joinable);
    if (result === "closed") throw closedForPut();
    if (result === "full") {
      throw new Full(
        `Queue.putNowait() found the queue full (${
          describeLimit(ring)
        }). Use await q.put(item) to wait for room.`,
      );
    }
  }

  /**
   * Removes and returns the oldest item, waiting for one. Rejects with
   * {@linkcode Empty} after `timeout` ms and with {@linkcode QueueClosed}
   * once the queue is closed and drained. After `signal` aborts no item is
   * taken, so a cancelled get never loses one.
   *
   * @example
   * ```ts
   * import { Queue } from "@multitask/core/queue";
   *
   * const q = new Queue<string>();
   * setTimeout(() => q.putNowait("late"), 5);
   * console.log(await q.get({ timeout: 1000 })); // "late"
   * ```
   */
  get(options?: GetOptions): Promise<T> {
    try {
      const opts = checkOptions(options, "get from queue");
      const timeout = checkTimeout(opts.timeout, "get from queue");
      const signal = checkSignal(opts.signal, "get from queue");
      const value = this.#ring.tryGet(this.#found);
      if (this.#found.found) return Promise.resolve(value as T);
      return takeAsync(this.#ring, timeout, signal, GET_ERRORS) as Promise<T>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Blocking `get` for workers; throws the same errors. */
  getSync(options?: { timeout?: number }): T {
    blockingAllowed("Queue.getSync()");
    const ring = this.#ring;
    const timeout = checkTimeout(
      checkOptions(options, "get from queue").timeout,
      "get from queue",
    );
    return takeSync(ring, timeout, this.#found, GET_ERRORS) as T;
  }

  /** Returns the oldest item or throws {@linkcode Empty} at once [get_nowait]. */
  getNowait(): T {
    const ring = this.#ring;
    const value = ring.tryGet(this.#found);
    if (this.#found.found) return value as T;
    if (ring.closed) throw closedForGet();
    throw new Empty(
      "Queue.getNowait() found the queue empty. Use await q.get() to wait for an item.",
    );
  }

  /** Number of items queued now (other threads may change it at once). */
  qsize(): number {
    return this.#ring.count;
  }

  /** Whether no item is queued now. */
  empty(): boolean {
    return this.#ring.count === 0;
  }

  /** Whether the queue holds `maxsize` items now (never for an unbounded queue). */
  full(): boolean {
    const ring = this.#ring;
    return ring.maxsize > 0 && ring.count >= ring.maxsize;
  }

  /** Whether `close()` was called (by any thread or process). */
  get closed(): boolean {
    return this.#ring.closed;
  }

  /**
   * Closes the queue for everyone [Python 3.13's Queue.shutdown]: further
   * puts reject with {@linkcode QueueClosed}; getters drain what is left,
   * then reject with it (and `for await` loops end). Waiting putters and
   * getters wake up. With `immediate: true` what is left is dropped first, so
   * every getter gets QueueClosed at once, and a JoinableQueue counts the
   * dropped items as done.
   *
   * @example
   * ```ts
   * import { Queue, QueueClosed } from "@multitask/core/queue";
   *
   * const q = new Queue<string>();
   * q.putNowait("left over");
   * q.close({ immediate: true });
   * await q.get().catch((e) => console.log(e instanceof QueueClosed)); // true
   * ```
   */
  close(options?: CloseOptions): void {
    this.#ring.close(checkClose(options));
  }

  /**
   * Yields items until the queue is closed and drained.
   *
   * @example
   * ```ts
   * import { Queue } from "@multitask/core/queue";
   *
   * const q = new Queue<number>();
   * for (const n of [1, 2, 3]) q.putNowait(n);
   * q.close();
   * const seen: number[] = [];
   * for await (const n of q) seen.push(n);
   * console.log(seen); // [1, 2, 3]
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      try {
        yield await this.get();
      } catch (error) {
        if (error instanceof QueueClosed) return;
        throw error;
      }
    }
  }

  #checkFits(bytes: number): void {
    const max = this.#ring.maxBytes;
    if (bytes > max) {
      throw new RangeError(
        `Cannot put an item of ${bytes} serialized bytes into a queue whose buffer holds at most ${max} bytes. Raise 'maxBytes' (up to 1 GiB) or send the data in pieces (or in a SharedArrayBuffer). Nothing was queued.`,
      );
    }
  }

  static {
    access = {
      ring: (q) => q.#ring,
      joinable: (q) => q.joinable,
      checkFits: (q, bytes) => q.#checkFits(bytes),
    };
  }
}

/**
 * A queue whose consumers report each item done, so a producer can wait
 * until everything put was processed [queue.Queue.task_done/join,
 * multiprocessing.JoinableQueue].
 *
 * @example
 * ```ts
 * import { JoinableQueue } from "@multitask/core/queue";
 *
 * const q = new JoinableQueue<string>();
 * await q.put("job");
 * const worker = (async () => {
 *   const job = await q.get();
 *   console.log("did", job);
 *   q.taskDone();
 * })();
 * await q.join(); // resolves after taskDone()
 * await worker;
 * ```
 */
export class JoinableQueue<T = unknown> extends Queue<T>
  implements JoinableQueueLike<T> {
  /** Turns `taskDone()` bookkeeping on. */
  protected override get joinable(): boolean {
    return true;
  }

  /**
   * Marks one item fetched with `get` as processed. Throws a RangeError when
   * called more times than items were put [ValueError in Python].
   */
  taskDone(): void {
    if (!access.ring(this).taskDone()) {
      throw new RangeError(
        "JoinableQueue.taskDone() was called more times than items were put. Call it once per item taken with get().",
      );
    }
  }

  /**
   * Items put and not yet marked with `taskDone()`, counted across every
   * thread and process that uses the queue [queue.Queue.unfinished_tasks].
   * Items dropped by `close({ immediate: true })` count as done.
   *
   * @example
   * ```ts
   * import { JoinableQueue } from "@multitask/core/queue";
   *
   * const q = new JoinableQueue<string>();
   * q.putNowait("job");
   * q.getNowait();
   * console.log(q.unfinishedTasks); // 1
   * q.taskDone();
   * console.log(q.unfinishedTasks); // 0
   * ```
   */
  get unfinishedTasks(): number {
    return access.ring(this).unfinished;
  }

  /**
   * Resolves when every item put so far has been marked with `taskDone()`.
   * To give up after a while pass `signal: AbortSignal.timeout(ms)`.
   */
  async join(options?: { signal?: AbortSignal }): Promise<void> {
    const signal = checkSignal(
      checkOptions(options, "join queue").signal,
      "join queue",
    );
    const ring = access.ring(this);
    using abort = new AbortWatch(signal);
    for (;;) {
      signal?.throwIfAborted();
      const seq = ring.doneSeq;
      if (ring.unfinished === 0) return;
      await keepAlive(ring.waitAsync("done", seq, Infinity, abort.promise));
    }
  }

  /** Blocking `join` for workers. */
  joinSync(): void {
    blockingAllowed("JoinableQueue.joinSync()");
    const ring = access.ring(this);
    for (;;) {
      const seq = ring.doneSeq;
      if (ring.unfinished === 0) return;
      ring.waitSync("done", seq, Infinity);
    }
  }
}

function closedForPut(): QueueClosed {
  return new QueueClosed(
    "Cannot put into a closed queue. Create a new Queue, or stop producing once it is closed.",
  );
}

function closedForGet(): QueueClosed {
  return new QueueClosed(
    "The queue is closed and drained: no more items will come.",
  );
}

function emptyError(timeout: number): Empty {
  return new Empty(
    `Queue.get() waited ${timeout} ms and the queue stayed empty. Wait longer (timeout) or check that a producer is running.`,
  );
}

const GET_ERRORS: TakeErrors = { closed: closedForGet, timedOut: emptyError };

function describeLimit(ring: Ring): string {
  return ring.maxsize > 0 && ring.count >= ring.maxsize
    ? `maxsize ${ring.maxsize}`
    : `its ${ring.maxBytes}-byte buffer is used up`;
}

function fullError(ring: Ring, timeout: number): Full {
  return new Full(
    `Queue.put() waited ${timeout} ms and the queue stayed full (${
      describeLimit(ring)
    }). Wait longer (timeout), add consumers, or raise maxsize.`,
  );
}

registerQueueCodecs({
  ...access,
  Queue,
  JoinableQueue,
  adopt: (ring, make) => adoption.lend(ring, make),
});
