import {
  AbortWatch,
  MAX_RING_BYTES,
  onMainThread,
  Ring,
  type RingState,
} from "./_ring.ts";
import { checkTimeout, keepAlive, remaining } from "../_common/waiting.ts";
import { checkOptions } from "../_common/validate.ts";
import { Empty, Full, QueueClosed } from "../errors/queue.ts";
import { isPrimitive, Payload, prepareArgs } from "../_crossing/payload.ts";
import { takeAsync, type TakeErrors, takeSync } from "./_ring_take.ts";
import {
  DELIVERED,
  deliveredSoFar,
  registerCodec,
  type RemoteCall,
  trackUndelivered,
} from "../_crossing/codec.ts";

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

/** Options of {@linkcode Queue.get}. */
export interface GetOptions {
  /** Milliseconds to wait for an item before rejecting with {@linkcode Empty}; default: forever. */
  timeout?: number;
  /** Stops waiting (rejects with the signal's reason); no item is taken after it aborts. */
  signal?: AbortSignal;
}

// ---- validation -------------------------------------------------------------

function checkSignal(signal: unknown, who: string): AbortSignal | undefined {
  if (signal === undefined || signal instanceof AbortSignal) return signal;
  throw new TypeError(
    `Cannot ${who} as 'signal' must be an AbortSignal: received ${typeof signal}`,
  );
}

function checkMaxsize(maxsize: unknown): number {
  if (maxsize === undefined || maxsize === Infinity || maxsize === 0) return 0;
  if (
    !Number.isInteger(maxsize) || (maxsize as number) < 0 ||
    (maxsize as number) >= 2 ** 31
  ) {
    throw new RangeError(
      `Cannot create queue as 'maxsize' must be a non-negative integer below 2**31 (0 or Infinity for no limit): received ${
        String(maxsize)
      }`,
    );
  }
  return maxsize as number;
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

// Module-private access to a queue's internals (for JoinableQueue, the codec
// and the owner-side entry points), without widening the public type.
let internals: {
  ring(q: Queue): Ring | undefined;
  remote(q: Queue): RemoteSide | undefined;
  joinable(q: Queue): boolean;
  checkFits(q: Queue, bytes: number): void;
};

// Set by the codec while it builds a handle over existing state, so the
// public constructor (which validates user options) is the only way in.
let adopting: Ring | RemoteSide | undefined;

/**
 * A first-in first-out queue [queue.Queue, multiprocessing.Queue]. It lives
 * in shared memory, so passing it to a {@linkcode Thread} gives the worker a
 * live handle on the same items; passed to a child `Process` it stays with
 * its owner and the child's handle calls it over the control channel.
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
export class Queue<T = unknown> implements AsyncIterable<T> {
  #ring: Ring | undefined;
  #remote: RemoteSide | undefined;
  readonly #found = { found: false };

  /** Creates an empty queue; see {@linkcode QueueOptions}. */
  constructor(options?: QueueOptions) {
    if (adopting) {
      if (adopting instanceof Ring) this.#ring = adopting;
      else this.#remote = adopting;
      adopting = undefined;
      return;
    }
    const opts = checkOptions(options, "create queue");
    this.#ring = Ring.create(
      checkMaxsize(opts.maxsize),
      checkMaxBytes(opts.maxBytes),
    );
  }

  /** Whether `taskDone()` bookkeeping is on (JoinableQueue). */
  protected get joinable(): boolean {
    return false;
  }

  /** The item limit; `Infinity` when unbounded. */
  get maxsize(): number {
    const ring = this.#local("maxsize");
    return ring.maxsize === 0 ? Infinity : ring.maxsize;
  }

  /**
   * Adds an item, waiting while the queue is full. Rejects with
   * {@linkcode Full} after `timeout` ms, {@linkcode QueueClosed} if the queue
   * is closed, a TypeError if the item cannot be cloned (nothing is queued).
   *
   * On a handle in another process, `put` on an unbounded queue resolves as
   * soon as the item is handed to the channel (like Python's
   * multiprocessing.Queue.put, which returns before the item reaches the
   * pipe); puts are sent in batches and keep their order. On a bounded queue,
   * or with a timeout, it resolves when the owner has queued the item.
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
      if (this.#remote) {
        return this.#remote.put(
          item,
          opts.timeout as number | undefined,
          signal,
        );
      }
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
    const ring = this.#ring!;
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
    const ring = this.#local("putSync");
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
    const ring = this.#local("putNowait");
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
      if (this.#remote) {
        return this.#remote.invoke(
          "get",
          [{ timeout: opts.timeout }],
          signal,
        ) as Promise<T>;
      }
      const value = this.#ring!.tryGet(this.#found);
      if (this.#found.found) return Promise.resolve(value as T);
      return takeAsync(this.#ring!, timeout, signal, GET_ERRORS) as Promise<T>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Blocking `get` for workers; throws the same errors. */
  getSync(options?: { timeout?: number }): T {
    blockingAllowed("Queue.getSync()");
    const ring = this.#local("getSync");
    const timeout = checkTimeout(
      checkOptions(options, "get from queue").timeout,
      "get from queue",
    );
    return takeSync(ring, timeout, this.#found, GET_ERRORS) as T;
  }

  /** Returns the oldest item or throws {@linkcode Empty} at once [get_nowait]. */
  getNowait(): T {
    const ring = this.#local("getNowait");
    const value = ring.tryGet(this.#found);
    if (this.#found.found) return value as T;
    if (ring.closed) throw closedForGet();
    throw new Empty(
      "Queue.getNowait() found the queue empty. Use await q.get() to wait for an item.",
    );
  }

  /** Number of items queued now (other threads may change it at once). */
  qsize(): number {
    return this.#local("qsize").count;
  }

  /** Whether no item is queued now. */
  empty(): boolean {
    return this.#local("empty").count === 0;
  }

  /** Whether the queue holds `maxsize` items now (never for an unbounded queue). */
  full(): boolean {
    const ring = this.#local("full");
    return ring.maxsize > 0 && ring.count >= ring.maxsize;
  }

  /** Whether `close()` was called (by any thread or process). */
  get closed(): boolean {
    return this.#local("closed").closed;
  }

  /**
   * Closes the queue for everyone: further puts reject with
   * {@linkcode QueueClosed}; getters drain what is left, then reject with it
   * (and `for await` loops end). Waiting putters and getters wake up.
   * On a handle in another process, puts made before `close()` are
   * delivered first.
   */
  close(): void {
    if (this.#remote) return this.#remote.send("close", []);
    this.#ring!.close();
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
    if (this.#remote) {
      return yield* remoteItems(this.#remote) as AsyncGenerator<T>;
    }
    for (;;) {
      try {
        yield await this.get();
      } catch (error) {
        if (error instanceof QueueClosed) return;
        throw error;
      }
    }
  }

  /** The shared ring, or a clear error on a handle that reaches the queue remotely. */
  #local(what: string): Ring {
    if (this.#ring) return this.#ring;
    throw remoteOnlyError(what);
  }

  #checkFits(bytes: number): void {
    const max = this.#ring!.maxBytes;
    if (bytes > max) {
      throw new RangeError(
        `Cannot put an item of ${bytes} serialized bytes into a queue whose buffer holds at most ${max} bytes. Raise 'maxBytes' (up to 1 GiB) or send the data in pieces (or in a SharedArrayBuffer). Nothing was queued.`,
      );
    }
  }

  static {
    internals = {
      ring: (q) => q.#ring,
      remote: (q) => q.#remote,
      joinable: (q) => q.joinable,
      checkFits: (q, bytes) => q.#checkFits(bytes),
    };
  }
}

/** What a thread receives for a queue. */
interface QueueShare {
  ring: RingState;
  joinable: boolean;
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
export class JoinableQueue<T = unknown> extends Queue<T> {
  /** Turns `taskDone()` bookkeeping on. */
  protected override get joinable(): boolean {
    return true;
  }

  /**
   * Marks one item fetched with `get` as processed. Throws a RangeError when
   * called more times than items were put [ValueError in Python]. On a
   * handle in another process the mark is sent in order with the puts, and
   * such an error surfaces at the handle's next call.
   */
  taskDone(): void {
    const remote = internals.remote(this);
    if (remote) return remote.send("taskDone", []);
    if (!internals.ring(this)!.taskDone()) {
      throw new RangeError(
        "JoinableQueue.taskDone() was called more times than items were put. Call it once per item taken with get().",
      );
    }
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
    const remote = internals.remote(this);
    if (remote) return void await remote.invoke("joinRemote", [], signal);
    const ring = internals.ring(this)!;
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
    const ring = internals.ring(this);
    if (!ring) throw remoteOnlyError("joinSync()");
    for (;;) {
      const seq = ring.doneSeq;
      if (ring.unfinished === 0) return;
      ring.waitSync("done", seq, Infinity);
    }
  }
}

// ---- owner side: what handles in other processes call ------------------------

/** Queues a batch in order; returns the item limit (0: none) so the handle knows whether puts may resolve early. */
async function putMany(
  this: Queue,
  items: unknown[],
  options?: { signal?: AbortSignal },
): Promise<number> {
  const ring = internals.ring(this)!;
  const prepared = items.map((item) => ring.prepare(item));
  const joinable = internals.joinable(this);
  let done = 0;
  using abort = new AbortWatch(options?.signal);
  while (done < prepared.length) {
    options?.signal?.throwIfAborted();
    const seq = ring.getSeq;
    const n = ring.tryPutMany(prepared, done, joinable);
    if (n < 0) {
      throw new QueueClosed(
        `Cannot put into a closed queue: ${
          prepared.length - done
        } item(s) sent by another process were not queued.`,
      );
    }
    done += n;
    if (n === 0) internals.checkFits(this, Ring.recordBytes(prepared[done]));
    if (done < prepared.length) {
      await keepAlive(ring.waitAsync("get", seq, Infinity, abort.promise));
    }
  }
  return ring.maxsize;
}

function joinRemote(
  this: JoinableQueue,
  options?: { signal?: AbortSignal },
): Promise<void> {
  return this.join({ signal: options?.signal });
}

/**
 * For a handle iterating with `for await`: waits for one item, then takes
 * more that are already there, up to `max` — but stops as soon as another
 * getter is waiting, so one consumer never hoards what others wait for.
 */
async function getMany(
  this: Queue,
  max: number,
  options?: { signal?: AbortSignal },
): Promise<unknown[]> {
  const items = [await this.get({ signal: options?.signal })];
  const ring = internals.ring(this)!;
  const found = { found: false };
  while (items.length < max && ring.getWaiters === 0) {
    const item = ring.tryGet(found);
    if (!found.found) break;
    items.push(item);
  }
  return items;
}

/** Gives back, at the front and in order, items a handle took but did not use. */
function unget(this: Queue, items: unknown[]): void {
  const ring = internals.ring(this)!;
  ring.unget(items.map((item) => ring.prepare(item)));
}

for (const fn of [putMany, joinRemote, getMany, unget]) {
  Object.defineProperty(Queue.prototype, fn.name, {
    value: fn,
    configurable: true,
  });
}

// ---- the remote side (a handle in another process) ----------------------------

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

// Items a handle may hold undelivered before a put waits; bounds the memory
// a fast producer can pile up ahead of the owner.
const WINDOW = 16384;

/**
 * A handle's link to the owner's queue. Puts are batched: while one batch
 * is on its way, the next accumulates, so batches grow with the load and
 * stay in order (one `putMany` in flight at a time). Other calls wait for
 * the puts made before them.
 */
class RemoteSide {
  readonly #call: RemoteCall;
  // Items waiting to be sent, already encoded; a Payload stands for the args
  // of a one-item putMany (an item only its encoding could vouch for).
  #batch: unknown[] = [];
  // One per item: who waits for its acknowledgement (none: resolved early).
  #batchWaiters: Array<Waiter | undefined> = [];
  #scheduled = false;
  #sending = false;
  /** Learnt from the first acknowledged batch; 0: unbounded, so puts resolve early. */
  #maxsize: number | undefined;
  #idle: Array<() => void> = [];
  #room: Array<() => void> = [];
  #untrack: (() => void) | undefined;
  #failure: unknown;

  constructor(call: RemoteCall) {
    this.#call = call;
  }

  put(
    item: unknown,
    timeout: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#takeFailure());
    let entry: unknown = item;
    try {
      if (timeout !== undefined || signal) {
        // Exact semantics asked for: its own acknowledged call, after earlier puts.
        const args = prepareArgs(
          this.#call,
          [item, { timeout }],
          uncloneableItem,
        );
        return this.invoke("put", args, signal) as Promise<void>;
      }
      if (!isPrimitive(item)) {
        const args = prepareArgs(this.#call, [[item]], uncloneableItem);
        entry = args instanceof Payload ? args : (args[0] as unknown[])[0];
      }
    } catch (error) {
      return Promise.reject(error);
    }
    this.#batch.push(entry);
    this.#schedule();
    if (this.#maxsize === 0) {
      this.#batchWaiters.push(undefined);
      return this.#batch.length < WINDOW ? Promise.resolve() : this.#waitRoom();
    }
    return new Promise((resolve, reject) =>
      this.#batchWaiters.push({ resolve, reject })
    );
  }

  /**
   * One acknowledged call, issued after every put this process made before
   * it (to any queue) was delivered: a "ready" put with a timeout, or a get,
   * never overtakes earlier early-resolved puts.
   */
  async invoke(
    method: string,
    args: unknown[] | Payload,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const earlier = deliveredSoFar(this.#call.channel);
    if (earlier !== DELIVERED) await earlier;
    if (this.#failure !== undefined) throw this.#takeFailure();
    return await this.#call(method, args, signal ? { signal } : undefined);
  }

  /** A call nobody awaits (close, taskDone), after earlier puts; a failure surfaces at the next call. */
  send(method: string, args: unknown[]): void {
    // Taken before tracking this call, so it does not wait for itself.
    const earlier = deliveredSoFar();
    const done: Promise<void> = earlier
      .then(() => this.#call(method, args))
      .then(() => {}, (error: unknown) => {
        this.#failure ??= error;
      });
    const untrack = trackUndelivered(() => done);
    done.finally(untrack);
  }

  #takeFailure(): unknown {
    const failure = this.#failure;
    this.#failure = undefined;
    return failure;
  }

  // First batch: sent in a microtask, so every put made before the caller
  // next awaits goes in it. Later ones: when the previous is acknowledged.
  #schedule(): void {
    this.#untrack ??= trackUndelivered(() => this.#delivered(), {
      channel: this.#call.channel,
      // A batch waiting for its microtask goes out before any later call.
      sent: () => this.#batch.length === 0 || !this.#sending,
    });
    if (this.#scheduled || this.#sending) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      if (!this.#sending) this.#send();
    });
  }

  // Sends the plain items up to the next Payload in one putMany, or that
  // Payload (one item's putMany args, encoded at put) on its own.
  #send(): void {
    const batch = this.#batch;
    if (batch.length === 0) return this.#becameIdle();
    let n = batch[0] instanceof Payload
      ? 1
      : batch.findIndex((entry) => entry instanceof Payload);
    if (n < 0) n = batch.length;
    const args = batch[0] instanceof Payload
      ? batch[0]
      : [n === batch.length ? batch : batch.slice(0, n)];
    this.#batch = n === batch.length ? [] : batch.slice(n);
    const waiters = this.#batchWaiters.splice(0, n);
    this.#sending = true;
    for (const wake of this.#room.splice(0)) wake();
    this.#call("putMany", args).then(
      (maxsize) => {
        this.#maxsize = maxsize as number;
        for (const w of waiters) w?.resolve();
      },
      (error) => {
        // Early-resolved puts have no one to tell: the next call reports it.
        if (waiters.includes(undefined)) this.#failure ??= error;
        for (const w of waiters) w?.reject(error);
      },
    ).finally(() => {
      this.#sending = false;
      this.#send();
    });
  }

  #becameIdle(): void {
    this.#untrack?.();
    this.#untrack = undefined;
    for (const wake of this.#idle.splice(0)) wake();
  }

  /** Resolves once every put made so far is acknowledged (or failed). */
  #delivered(): Promise<void> {
    if (!this.#sending && !this.#scheduled && this.#batch.length === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #waitRoom(): Promise<void> {
    return new Promise((resolve) => this.#room.push(resolve));
  }
}

// Items a handle fetches per round trip while iterating.
const ITERATION_BATCH = 256;

/**
 * `for await` on a handle in another process: items come in batches (see
 * getMany), and those fetched but not consumed when the loop stops early go
 * back to the front of the queue.
 */
async function* remoteItems(remote: RemoteSide): AsyncGenerator<unknown> {
  let batch: unknown[] = [];
  let next = 0;
  try {
    for (;;) {
      if (next === batch.length) {
        try {
          batch = await remote.invoke("getMany", [
            ITERATION_BATCH,
          ]) as unknown[];
        } catch (error) {
          if (error instanceof QueueClosed) return;
          throw error;
        }
        next = 0;
      }
      yield batch[next++];
    }
  } finally {
    if (next < batch.length) remote.send("unget", [batch.slice(next)]);
  }
}

function uncloneableItem(reason: string): string {
  return `Cannot put the item into the queue as it cannot be cloned (${reason}). Send plain data (objects, arrays, Map, Date, typed arrays...), not functions or symbols. Nothing was queued.`;
}

function remoteOnlyError(what: string): TypeError {
  return new TypeError(
    `Queue.${what} is not available on a queue owned by another process: it would need a round trip. Use await q.put(item) and await q.get({ timeout: 0 }) there, or check sizes in the owning process.`,
  );
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

function share(q: Queue): QueueShare {
  const ring = internals.ring(q);
  if (!ring) {
    throw new TypeError(
      "Cannot pass on a queue handle that itself reaches the queue in another process. Pass the queue from the process that created it.",
    );
  }
  return { ring: ring.state, joinable: internals.joinable(q) };
}

// Owner side of a remote call: waiting methods get the call's signal, which
// aborts when the caller cancels or its process dies, so an abandoned get
// takes no item and an abandoned putMany queues no more.
function serve(
  q: Queue,
  method: string,
  args: unknown[],
  signal?: AbortSignal,
): unknown {
  const opts = (args.at(-1) ?? {}) as Record<string, unknown>;
  switch (method) {
    case "get":
      return q.get({ ...opts, signal });
    case "put":
      return q.put(args[0], { ...(args[1] as PutOptions), signal });
    case "putMany":
      return putMany.call(q, args[0] as unknown[], { signal });
    case "joinRemote":
      return (q as JoinableQueue).join({ signal });
    case "getMany":
      return getMany.call(q, args[0] as number, { signal });
    case "unget":
      return unget.call(q, args[0] as unknown[]);
  }
  return (q as unknown as Record<string, (...a: unknown[]) => unknown>)[method](
    ...args,
  );
}

function adopt(side: Ring | RemoteSide, joinable: boolean): Queue {
  adopting = side;
  return joinable ? new JoinableQueue() : new Queue();
}

// JoinableQueue first: codecOf() picks the first codec whose type matches.
registerCodec<JoinableQueue, QueueShare>({
  tag: "JoinableQueue",
  type: JoinableQueue,
  share,
  serve,
  revive: (state) => adopt(new Ring(state.ring), true) as JoinableQueue,
  remote: [
    "put",
    "putMany",
    "get",
    "getMany",
    "unget",
    "close",
    "taskDone",
    "joinRemote",
  ],
  proxy: (call) => adopt(new RemoteSide(call), true) as JoinableQueue,
});

registerCodec<Queue, QueueShare>({
  tag: "Queue",
  type: Queue,
  share,
  serve,
  revive: (state) => adopt(new Ring(state.ring), false),
  remote: ["put", "putMany", "get", "getMany", "unget", "close"],
  proxy: (call) => adopt(new RemoteSide(call), false),
});
