import { JoinableQueue, type QueueOptions } from "./queue.ts";
import { registerQueueKind } from "./_queue_codec.ts";

/**
 * What a {@linkcode PriorityQueue} orders: a number, a string, or a
 * `[priority, data]` array whose priority is a number or a string.
 *
 * @example
 * ```ts
 * import type { PriorityItem } from "@multitask/core/queue";
 *
 * const job: PriorityItem = [1, { url: "https://example.com" }];
 * console.log(job[0]); // 1
 * ```
 */
export type PriorityItem =
  | number
  | string
  | readonly [number | string, ...unknown[]];

/**
 * A queue that hands out its lowest item first [queue.PriorityQueue]:
 * numbers and strings by value, `[priority, data]` arrays by priority, as
 * Python users write `(priority, data)` tuples. Arrays compare element by
 * element while both hold numbers or strings (`[1, "a"]` before `[1, "b"]`,
 * as in Python); from the first element that is neither (an object, say)
 * they tie, where Python would raise TypeError. Ties keep arrival order
 * (FIFO), which Python's heapq does not promise. Numbers come before
 * strings (Python refuses to compare them); strings compare by UTF-16 code
 * unit, as JavaScript's `<` does. Other items, and a `NaN` priority, are
 * refused with a TypeError at `put`.
 *
 * The order is kept in shared memory (a binary heap), so it holds across
 * every thread that got the queue as an argument; a child process or a
 * manager client gets a {@linkcode RemoteJoinableQueue} whose gets come in
 * the same order. It is a {@linkcode JoinableQueue}: `taskDone()` and
 * `join()` work as in Python, where it subclasses queue.Queue.
 *
 * @example Lowest priority first, FIFO among equals
 * ```ts
 * import { PriorityQueue } from "@multitask/core/queue";
 *
 * const q = new PriorityQueue<[number, string]>();
 * await q.put([2, "code"]);
 * await q.put([1, "eat"]);
 * await q.put([2, "sleep"]);
 * await q.put([1, "drink"]);
 * const order: string[] = [];
 * while (!q.empty()) order.push((await q.get())[1]);
 * console.log(order); // ["drink", "eat", "code", "sleep"]
 * ```
 */
export class PriorityQueue<T extends PriorityItem = PriorityItem>
  extends JoinableQueue<T> {
  /**
   * Creates an empty queue; see {@linkcode QueueOptions}.
   *
   * @example
   * ```ts
   * import { PriorityQueue } from "@multitask/core/queue";
   *
   * const q = new PriorityQueue<number>({ maxsize: 10 });
   * q.putNowait(3);
   * q.putNowait(1);
   * console.log(q.getNowait()); // 1
   * ```
   */
  constructor(options?: QueueOptions) {
    super(options);
  }
}

registerQueueKind({
  tag: "PriorityQueue",
  type: PriorityQueue,
  module: import.meta.url,
  make: () => new PriorityQueue(),
  joinable: true,
  order: "priority",
});
