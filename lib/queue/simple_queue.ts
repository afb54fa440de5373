import { Queue } from "./queue.ts";
import { registerQueueKind } from "./_queue_codec.ts";

/**
 * An unbounded first-in first-out queue [queue.SimpleQueue]: `put` never
 * waits, and there is no `maxsize`, `taskDone()` or `join()`. Shared like
 * {@linkcode Queue} (threads get the same queue in shared memory; a child
 * process or a manager client gets a {@linkcode RemoteQueue}); unlike
 * Python's, it can also be closed, so `for await` loops end.
 *
 * @example
 * ```ts
 * import { SimpleQueue } from "@multitask/core/queue";
 *
 * const q = new SimpleQueue<string>();
 * q.putNowait("A");
 * await q.put("B");
 * console.log(q.qsize(), await q.get(), q.getNowait()); // 2 "A" "B"
 * ```
 */
export class SimpleQueue<T = unknown> extends Queue<T> {
  /**
   * Creates an empty, unbounded queue.
   *
   * @example
   * ```ts
   * import { SimpleQueue } from "@multitask/core/queue";
   *
   * const q = new SimpleQueue<number>();
   * console.log(q.empty(), q.maxsize); // true Infinity
   * ```
   */
  constructor() {
    super();
  }

  /** Always `Infinity`: a SimpleQueue has no item limit; setting one throws a TypeError. */
  override get maxsize(): number {
    return Infinity;
  }

  override set maxsize(_: number) {
    throw new TypeError(
      "Cannot set the maxsize of a SimpleQueue: it is unbounded. Use a Queue for a bounded one.",
    );
  }
}

registerQueueKind({
  tag: "SimpleQueue",
  type: SimpleQueue,
  module: import.meta.url,
  make: () => new SimpleQueue(),
  joinable: false,
});
