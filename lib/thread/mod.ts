/**
 * Threads on Web Workers, shaped like Python's `threading.Thread`.
 *
 * @example Run a function in another thread and wait for it
 * ```ts
 * import { currentThread, Thread } from "@multitask/core/thread";
 *
 * function loop(times: number) {
 *   for (let n = 1; n <= times; n++) console.log(n);
 * }
 *
 * console.log(`thread ${currentThread().name} is running...`);
 * const t = new Thread({ target: loop, args: [5], name: "LoopThread" });
 * t.start();
 * await t.join();
 * ```
 *
 * @module
 */

export * from "./thread.ts";
export * from "./timer.ts";
export * from "./local.ts";
