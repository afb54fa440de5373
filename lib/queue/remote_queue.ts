// The handle on a queue owned by another process: what a child process
// receives for a Queue passed to it, and what a manager client's
// `queue(name)` returns. It lists only what works remotely: every method is
// carried out by the owner, so none reports a size or a state synchronously.

import { Adoption } from "../_crossing/adopt.ts";
import { checkFlag, checkOptions, checkSignal } from "../_common/validate.ts";
import { checkTimeout } from "../_common/waiting.ts";
import { remoteItems, type RemoteSide } from "./_remote_side.ts";
import type { CloseOptions, GetOptions, PutOptions } from "./queue.ts";

/**
 * What every queue handle offers, local or remote: type a parameter with it
 * when it may receive either a {@linkcode Queue} (same process or thread) or
 * a {@linkcode RemoteQueue} (a queue owned by another process).
 *
 * @example A consumer that works in a thread and in a child process alike
 * ```ts
 * import { Queue, type QueueLike } from "@multitask/core/queue";
 *
 * export async function drain(q: QueueLike<number>): Promise<number> {
 *   let sum = 0;
 *   for await (const n of q) sum += n;
 *   return sum;
 * }
 * const q = new Queue<number>();
 * for (const n of [1, 2, 3]) await q.put(n);
 * q.close();
 * console.log(await drain(q)); // 6
 * ```
 */
export interface QueueLike<T> extends AsyncIterable<T> {
  /** Adds an item (see {@linkcode Queue.put}). */
  put(item: T, options?: PutOptions): Promise<void>;
  /** Removes and returns the oldest item, waiting for one (see {@linkcode Queue.get}). */
  get(options?: GetOptions): Promise<T>;
  /** Closes the queue for everyone (see {@linkcode Queue.close}). */
  close(options?: CloseOptions): void;
}

/**
 * What every joinable queue handle offers, local or remote (see
 * {@linkcode QueueLike}).
 *
 * @example
 * ```ts
 * import type { JoinableQueueLike } from "@multitask/core/queue";
 *
 * export async function work(jobs: JoinableQueueLike<string>): Promise<void> {
 *   const job = await jobs.get();
 *   console.log("did", job);
 *   jobs.taskDone();
 * }
 * ```
 */
export interface JoinableQueueLike<T> extends QueueLike<T> {
  /** Marks one item fetched with `get` as processed. */
  taskDone(): void;
  /** Resolves when every item put so far has been marked done. */
  join(options?: { signal?: AbortSignal }): Promise<void>;
}

const adoption = new Adoption<RemoteSide>();
// Module-private access to a handle's link, for RemoteJoinableQueue.
let sideOf: (q: RemoteQueue) => RemoteSide;

/** Builds the handle over `side` (for the queue codec). */
export function remoteQueue<T>(
  side: RemoteSide,
  joinable: boolean,
): RemoteQueue<T> {
  return adoption.lend(
    side,
    () => joinable ? new RemoteJoinableQueue<T>() : new RemoteQueue<T>(),
  );
}

/**
 * A handle on a {@linkcode Queue} owned by another process
 * [a multiprocessing.Queue proxy]: a child process receives one for a queue
 * passed to it, and `client.queue(name)` of a manager returns one. Each
 * method is carried out by the owner; sizes and states (`qsize()`,
 * `empty()`...) are not offered, as they would be stale on arrival: check
 * them in the owning process.
 *
 * `put` on an unbounded queue resolves once the item is handed to the
 * channel (like Python's multiprocessing.Queue.put, which returns before the
 * item reaches the pipe); puts are sent in batches and keep their order. On a
 * bounded queue, or with a timeout, it resolves when the owner has queued the
 * item. `get()` takes an item only once this side
 * has it: an item answered to a handle whose process dies before receiving
 * it goes back to the front of the queue.
 *
 * @example A worker's handle from a manager
 * ```ts
 * import { Manager, Queue, type RemoteQueue } from "@multitask/core";
 *
 * await using manager = new Manager({ port: 0, authkey: "abc" });
 * manager.register("task_queue", new Queue<number>());
 * const { port } = await manager.start();
 * await using client = await Manager.connect({ port, authkey: "abc" });
 * const tasks: RemoteQueue<number> = client.queue<number>("task_queue");
 * await tasks.put(7);
 * console.log(await tasks.get({ timeout: 1000 })); // 7
 * ```
 */
export class RemoteQueue<T = unknown> implements QueueLike<T> {
  readonly #side: RemoteSide;

  /**
   * Not for direct use: a handle comes from passing a Queue to another
   * process, or from a manager client's `queue(name)`.
   */
  constructor() {
    const side = adoption.state;
    if (!side) {
      throw new TypeError(
        "RemoteQueue has no public constructor: pass a Queue to a Process (or a process Pool task), or call client.queue(name) on a manager connection.",
      );
    }
    this.#side = side;
  }

  /**
   * Adds an item at the owner, waiting while its queue is full. Rejects like
   * {@linkcode Queue.put}; an item that cannot cross is refused here and
   * nothing is queued.
   */
  put(item: T, options?: PutOptions): Promise<void> {
    // The common call, put(item), has nothing to check.
    if (options === undefined) {
      return this.#side.put(item, undefined, undefined);
    }
    try {
      const opts = checkOptions(options, "put into queue");
      checkTimeout(opts.timeout, "put into queue");
      const signal = checkSignal(opts.signal, "put into queue");
      return this.#side.put(item, opts.timeout as number | undefined, signal);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Removes and returns the owner's oldest item, waiting for one. Rejects
   * like {@linkcode Queue.get}. The item is taken only once this side has
   * it; after `signal` aborts no item is taken.
   */
  get(options?: GetOptions): Promise<T> {
    try {
      const opts = checkOptions(options, "get from queue");
      checkTimeout(opts.timeout, "get from queue");
      const signal = checkSignal(opts.signal, "get from queue");
      return this.#side.invoke(
        "get",
        [{ timeout: opts.timeout }],
        signal,
      ) as Promise<
        T
      >;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Closes the owner's queue for everyone, after the puts made before; with
   * `immediate: true` the owner drops what is left (see
   * {@linkcode Queue.close}).
   */
  close(options?: CloseOptions): void {
    const immediate = checkFlag(
      checkOptions(options, "close queue").immediate,
      "immediate",
      "close queue",
    );
    this.#side.send("close", immediate ? [{ immediate }] : []);
  }

  /**
   * Changes the owner's item limit (see {@linkcode Queue.maxsize}), after the
   * puts made before; resolves once it is applied, and rejects with the
   * owner's RangeError for a bad value. Puts waiting at the owner for room
   * go in at once if the limit grew.
   */
  async setMaxsize(maxsize: number): Promise<void> {
    await this.#side.invoke("setMaxsize", [maxsize]);
  }

  /**
   * Yields items until the queue is closed and drained, fetching them in
   * batches; those fetched but not consumed when the loop stops early go
   * back to the front of the queue.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return remoteItems(this.#side) as AsyncIterator<T>;
  }

  static {
    sideOf = (q) => q.#side;
  }
}

/**
 * A handle on a {@linkcode JoinableQueue} owned by another process (see
 * {@linkcode RemoteQueue}): adds `taskDone()` and `join()`.
 *
 * @example
 * ```ts
 * import type { RemoteJoinableQueue } from "@multitask/core/queue";
 *
 * export async function work(jobs: RemoteJoinableQueue<string>): Promise<void> {
 *   console.log("did", await jobs.get());
 *   jobs.taskDone();
 * }
 * ```
 */
export class RemoteJoinableQueue<T = unknown> extends RemoteQueue<T>
  implements JoinableQueueLike<T> {
  /**
   * Marks one item as processed at the owner, in order with the puts; an
   * error (more marks than items) surfaces at the handle's next call.
   */
  taskDone(): void {
    sideOf(this).send("taskDone", []);
  }

  /** Resolves when every item put so far was marked done at the owner. */
  async join(options?: { signal?: AbortSignal }): Promise<void> {
    const signal = checkSignal(
      checkOptions(options, "join queue").signal,
      "join queue",
    );
    await sideOf(this).invoke("join", [], signal);
  }
}
