/**
 * Synchronisation primitives shared by threads, on SharedArrayBuffer and
 * Atomics [threading.Lock, RLock, Semaphore, BoundedSemaphore, Event,
 * Condition, Barrier], plus typed shared memory [multiprocessing.Value,
 * Array]. Each passes to a Thread as an argument and arrives as a live
 * handle; every waiting method has an async form and a blocking `...Sync`
 * twin for worker threads.
 *
 * @example Count from several places under a lock
 * ```ts
 * import { Lock, Value } from "@multitask/core/sync";
 *
 * const lock = new Lock();
 * const total = new Value("i32", 0);
 * await Promise.all([1, 2, 3].map(async (n) => {
 *   using _ = await lock.hold();
 *   total.value = total.value + n;
 * }));
 * console.log(total.value); // 6
 * ```
 *
 * @module
 */

export { type AcquireOptions, Lock } from "./lock.ts";
export { RLock } from "./rlock.ts";
export { BoundedSemaphore, Semaphore } from "./semaphore.ts";
export { Event, type EventWaitOptions } from "./event.ts";
export { Condition } from "./condition.ts";
export { Barrier, type BarrierOptions, BrokenBarrierError } from "./barrier.ts";
export { FileLock } from "./file_lock.ts";
export { type Scalar, SharedArray, Value, type ValueType } from "./value.ts";
export { RuntimeError } from "../errors/base.ts";
