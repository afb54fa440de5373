/**
 * Pools of workers [multiprocessing.Pool, ThreadPool, concurrent.futures]:
 * one `Pool` class whose workers are threads (Web Workers) or child Deno
 * processes, sized to the cores by default.
 *
 * @example Five tasks on a pool of four
 * ```ts
 * import { Pool } from "@multitask/core/pool";
 *
 * const pool = new Pool({ size: 4 });
 * const results = [0, 1, 2, 3, 4].map((i) => pool.apply((n: number) => n * n, [i]));
 * pool.close();
 * await pool.join();
 * console.log(await Promise.all(results)); // [0, 1, 4, 9, 16]
 * ```
 *
 * @module
 */

export * from "./pool.ts";
