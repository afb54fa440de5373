/**
 * FIFO queues shared by threads (in shared memory) and reachable from child
 * processes (through the owning process): Python's `queue.Queue` and
 * `multiprocessing.Queue` / `JoinableQueue`.
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
