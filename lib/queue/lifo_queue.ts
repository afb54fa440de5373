import { JoinableQueue, type QueueOptions } from "./queue.ts";
import { registerQueueKind } from "./_queue_codec.ts";

/**
 * A last-in first-out queue, a stack [queue.LifoQueue]: `get` returns the
 * newest item. Shared like {@linkcode Queue}: threads given it as an
 * argument work on the same stack in shared memory; a child process or a
 * manager client gets a {@linkcode RemoteJoinableQueue}. It is a
 * {@linkcode JoinableQueue}: `taskDone()` and `join()` work as in Python,
 * where it subclasses queue.Queue.
 *
 * @example
 * ```ts
 * import { LifoQueue } from "@multitask/core/queue";
 *
 * const q = new LifoQueue<number>();
 * for (const n of [1, 2, 3]) await q.put(n);
 * console.log(await q.get(), await q.get(), await q.get()); // 3 2 1
 * ```
 */
export class LifoQueue<T = unknown> extends JoinableQueue<T> {
  /**
   * Creates an empty stack; see {@linkcode QueueOptions}.
   *
   * @example
   * ```ts
   * import { LifoQueue } from "@multitask/core/queue";
   *
   * const q = new LifoQueue<string>({ maxsize: 2 });
   * q.putNowait("a");
   * q.putNowait("b");
   * console.log(q.full(), q.getNowait()); // true "b"
   * ```
   */
  constructor(options?: QueueOptions) {
    super(options);
  }
}

registerQueueKind({
  tag: "LifoQueue",
  type: LifoQueue,
  module: import.meta.url,
  make: () => new LifoQueue(),
  joinable: true,
  order: "lifo",
});
