/**
 * Queues shared by threads (in shared memory) and reachable from child
 * processes (through the owning process): Python's `queue.Queue` and
 * `multiprocessing.Queue` / `JoinableQueue`, and `queue.PriorityQueue`,
 * `LifoQueue` and `SimpleQueue`.
 *
 * @example Producer and consumer on one thread
 * ```ts
 * import { Queue } from "@multitask/core/queue";
 *
 * const q = new Queue<string>();
 * await q.put("A");
 * await q.put("B");
 * q.close();
 * for await (const item of q) console.log(item); // "A", then "B"
 * ```
 *
 * @example Lowest priority first
 * ```ts
 * import { PriorityQueue } from "@multitask/core/queue";
 *
 * const jobs = new PriorityQueue<[number, string]>();
 * await jobs.put([2, "later"]);
 * await jobs.put([1, "first"]);
 * console.log((await jobs.get())[1]); // "first"
 * ```
 *
 * @module
 */

export * from "./queue.ts";
export {
  type JoinableQueueLike,
  type QueueLike,
  RemoteJoinableQueue,
  RemoteQueue,
} from "./remote_queue.ts";
export * from "./pipe.ts";
export * from "./priority_queue.ts";
export * from "./lifo_queue.ts";
export * from "./simple_queue.ts";
