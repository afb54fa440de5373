/**
 * Queues beyond one machine, on Redis Streams: `RedisQueue` has the
 * `put`/`get` surface of `Queue`, plus `consume()` for at-least-once
 * processing with `ack()`; jobs a dead consumer left unacknowledged are
 * reclaimed by the others.
 *
 * @example Put and get through a Redis server
 * ```ts ignore
 * import { RedisQueue } from "@multitask/core/redis";
 *
 * await using q = await RedisQueue.connect("redis://127.0.0.1:6379", "jobs");
 * await q.put({ n: 1 });
 * console.log(await q.get({ timeout: 1000 })); // { n: 1 }
 * ```
 *
 * @module
 */

export * from "./redis_queue.ts";
