// The errors only a Pool raises (it also rejects with the library's
// TimeoutError and AbortError, see base.ts).

import { registerErrorClasses } from "./_keys.ts";

/**
 * A task's worker died while running it (it called `Deno.exit`, an uncaught
 * error escaped the task, the process was killed...). Only the tasks that
 * worker held fail; the pool starts a replacement.
 *
 * @example
 * ```ts
 * import { Pool, WorkerCrashedError } from "@multitask/core/pool";
 *
 * await using pool = new Pool({ size: 1 });
 * try {
 *   await pool.apply(() => Deno.exit(3));
 * } catch (error) {
 *   if (error instanceof WorkerCrashedError) console.log(error.worker, error.exitCode);
 * }
 * ```
 */
export class WorkerCrashedError extends Error {
  /** Always "WorkerCrashedError". */
  override name = "WorkerCrashedError";
  /** The name of the worker that died, e.g. "Pool-1-worker-2 (thread)". */
  readonly worker: string;
  /** The worker's exit code when it exited, otherwise null. */
  readonly exitCode: number | null;

  /**
   * Describes the death of `worker` for the task it held.
   *
   * @param worker The name of the worker that died.
   * @param message What happened and what to do about it.
   * @param exitCode The worker's exit code, when known.
   * @param options Standard error options (`cause`: the error that killed it).
   *
   * @example
   * ```ts
   * import { WorkerCrashedError } from "@multitask/core/pool";
   *
   * const error = new WorkerCrashedError("w1", "w1 died", 1);
   * console.log(error.worker); // "w1"
   * ```
   */
  constructor(
    worker: string,
    message: string,
    exitCode: number | null = null,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.worker = worker;
    this.exitCode = exitCode;
  }
}

/**
 * A process worker ran out of memory: its JavaScript heap reached the pool's
 * `maxMemoryMb` and V8 stopped it. Like any crash it fails only the task the
 * worker was running (it is a `WorkerCrashedError`), and the worker is
 * replaced. Node's `ERR_WORKER_OUT_OF_MEMORY`; Python's pools have none.
 *
 * @example
 * ```ts
 * import { Pool, WorkerOutOfMemoryError } from "@multitask/core/pool";
 *
 * await using pool = new Pool({ size: 1, kind: "process", maxMemoryMb: 64 });
 * const hog = () => {
 *   const held: number[][] = [];
 *   while (true) held.push(new Array(100_000).fill(1));
 * };
 * await pool.apply(hog).catch((error) => {
 *   if (error instanceof WorkerOutOfMemoryError) console.log(error.maxMemoryMb); // 64
 * });
 * console.log(await pool.apply(() => "replaced")); // "replaced"
 * ```
 */
export class WorkerOutOfMemoryError extends WorkerCrashedError {
  /** Always "WorkerOutOfMemoryError". */
  override name = "WorkerOutOfMemoryError";
  /** The heap limit the worker ran with, in MB (the pool's `maxMemoryMb`). */
  readonly maxMemoryMb: number;

  /**
   * Describes the worker's death for the task it held.
   *
   * @param worker The name of the worker that died.
   * @param message What happened and what to do about it.
   * @param maxMemoryMb The heap limit it reached.
   * @param options Standard error options.
   *
   * @example
   * ```ts
   * import { WorkerOutOfMemoryError } from "@multitask/core/pool";
   *
   * const error = new WorkerOutOfMemoryError("w1", "w1 ran out of memory", 64);
   * console.log(error.maxMemoryMb); // 64
   * ```
   */
  constructor(
    worker: string,
    message: string,
    maxMemoryMb: number,
    options?: ErrorOptions,
  ) {
    super(worker, message, null, options);
    this.maxMemoryMb = maxMemoryMb;
  }
}

/**
 * Work was submitted to a pool after `close()` or `terminate()`, or a task
 * was still pending when `terminate()` stopped the pool.
 *
 * @example
 * ```ts
 * import { Pool, PoolClosedError } from "@multitask/core/pool";
 *
 * const pool = new Pool({ size: 1 });
 * pool.close();
 * await pool.apply((x: number) => x, [1]).catch((error) => {
 *   console.log(error instanceof PoolClosedError); // true
 * });
 * await pool.join();
 * ```
 */
export class PoolClosedError extends Error {
  /** Always "PoolClosedError". */
  override name = "PoolClosedError";
}

/**
 * A task was refused because `maxQueue` tasks were already waiting.
 *
 * @example
 * ```ts
 * import { Pool, PoolFullError } from "@multitask/core/pool";
 *
 * await using pool = new Pool({ size: 1, maxQueue: 1 });
 * const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
 * const running = pool.apply(sleep, [50]); // taken by the worker
 * const queued = pool.apply(sleep, [50]); // waits in the queue
 * await pool.apply(sleep, [50]).catch((error) => {
 *   console.log(error instanceof PoolFullError); // true
 * });
 * await Promise.all([running, queued]);
 * ```
 */
export class PoolFullError extends Error {
  /** Always "PoolFullError". */
  override name = "PoolFullError";
}

registerErrorClasses(
  WorkerCrashedError,
  WorkerOutOfMemoryError,
  PoolClosedError,
  PoolFullError,
);
