import { RuntimeError } from "../errors/base.ts";
import { type Target, type TargetDef, targetOf } from "../_crossing/target.ts";
import {
  backendOf,
  MODE_APPLY,
  MODE_MAP,
  MODE_STARMAP,
  type PoolBackend,
  registerBackend,
  Task,
} from "./_backend.ts";
import { gatherAll, gatherEach } from "./_gather.ts";
import { MODE_PROGRESS } from "./_protocol.ts";
import {
  type ApplyOptions,
  checkArgLists,
  checkArgs,
  checkChunksize,
  checkIterable,
  checkOnProgress,
  checkPriority,
  checkSignal,
  checkTaskTimeout,
  defaultChunksize,
  type MapOptions,
  type PoolOptions,
  type PoolProgress,
  type PoolStats,
  validate,
} from "./_options.ts";
import { threadBackend } from "./_thread_worker.ts";
import { processBackend } from "./_process_worker.ts";
import { redisBackend } from "../redis/_lazy_backend.ts";

export { RuntimeError } from "../errors/base.ts";
export { progress } from "./progress.ts";
export {
  AbortError,
  PoolClosedError,
  PoolFullError,
  TimeoutError,
  WorkerCrashedError,
  WorkerOutOfMemoryError,
} from "../errors/mod.ts";
export type {
  ApplyOptions,
  MapOptions,
  PoolOptions,
  PoolProgress,
  PoolStats,
  PoolTimes,
} from "./_options.ts";

registerBackend("thread", threadBackend);
registerBackend("process", processBackend);
// Loads npm:redis only when a redis pool is created.
registerBackend("redis", redisBackend);

let pools = 0;

/**
 * A pool of workers running functions in parallel [multiprocessing.Pool].
 * A task's function is either exported from `module` or self-contained
 * (shipped as source, once per worker). A task that throws, or whose result
 * cannot be sent back, fails alone; no promise is left hanging.
 *
 * A worker that dies (`Deno.exit`, an error escaping into a callback, a
 * signal, the OOM killer) fails only the task it was running, with
 * `WorkerCrashedError`, and is replaced. Tasks it had finished keep their
 * results, because a result is made durable before the next task starts: a
 * process worker writes each one to its journal file (so even SIGKILL loses
 * none), and a thread worker, which can only end through the library's
 * hooks, sends them before it goes. Tasks it had not started run on another
 * worker. No task runs twice.
 *
 * @example Pool(4), as in the Python tutorials: tasks 0-3 start at once, task 4 waits
 * ```ts
 * import { Pool } from "@multitask/core/pool";
 *
 * const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
 * const pool = new Pool({ size: 4 });
 * for (let i = 0; i < 5; i++) pool.apply(sleep, [10 * i]);
 * pool.close(); // no more tasks
 * await pool.join(); // wait for all of them
 * ```
 */
export class Pool implements AsyncDisposable {
  #backend: PoolBackend;
  #module: string | URL | undefined;
  #kind: string;
  #onProgress: ((progress: PoolProgress) => void) | undefined;

  /**
   * Creates the pool; workers start when work arrives, up to `size` (or
   * `maxSize`), and `minSize` of them at once.
   *
   * @param options Size, kind, module, initializer, limits (see `PoolOptions`).
   *
   * @example
   * ```ts
   * import { Pool } from "@multitask/core/pool";
   *
   * await using pool = new Pool({ size: 2, kind: "thread" });
   * console.log(await pool.apply((a: number, b: number) => a + b, [1, 2])); // 3
   * ```
   *
   * @example An elastic pool: one worker kept ready, up to 4 under load, the extra ones retired after 1 s idle
   * ```ts
   * import { Pool } from "@multitask/core/pool";
   *
   * await using pool = new Pool({ minSize: 1, maxSize: 4, idleTimeout: 1000 });
   * console.log(pool.stats.size); // 1: started with the pool
   * const slow = (ms: number) => new Promise((r) => setTimeout(r, ms));
   * await Promise.all([1, 2, 3, 4, 5, 6].map(() => pool.apply(slow, [20])));
   * console.log(pool.stats.size <= 4); // true: it grew, never past maxSize
   * ```
   */
  constructor(options: PoolOptions = {}) {
    const o = validate(options);
    this.#module = options.module;
    this.#kind = o.kind;
    this.#onProgress = options.onProgress;
    this.#backend = backendOf(o.kind)!({
      name: options.name ?? `Pool-${++pools}`,
      size: o.size,
      minSize: o.minSize,
      idleTimeout: o.idleTimeout,
      maxTasksPerWorker: options.maxTasksPerWorker ?? 0,
      maxQueue: options.maxQueue ?? Infinity,
      taskTimeout: o.taskTimeout,
      module: o.module,
      initializer: options.initializer === undefined
        ? undefined
        : targetOf(options.initializer, options.module, "pool").spec,
      initargs: options.initargs,
      options,
    });
  }

  /**
   * What the pool is doing now.
   *
   * @example
   * ```ts
   * import { Pool } from "@multitask/core/pool";
   *
   * await using pool = new Pool({ size: 1 });
   * await pool.apply(() => 1);
   * console.log(pool.stats.completed); // 1
   * ```
   *
   * @example Run-time and wait-time percentiles (ms), utilization (0 to 1)
   * ```ts
   * import { Pool } from "@multitask/core/pool";
   *
   * await using pool = new Pool({ size: 2 });
   * await pool.map((x: number) => x * x, [1, 2, 3, 4]);
   * const { runTime, waitTime, utilization } = pool.stats;
   * console.log(runTime!.count, runTime!.p50 <= runTime!.p99); // 4 true
   * console.log(waitTime!.p90 >= 0, utilization! <= 1); // true true
   * ```
   */
  get stats(): PoolStats {
    return this.#backend.stats();
  }

  /**
   * Back-pressure [piscina's `needsDrain`]: true while the tasks waiting for
   * a worker reach the pool's `maxQueue` (the next `apply` would be refused)
   * or, without one, size² (piscina's "auto" rule). Stop submitting and
   * `await pool.drained()`. Always false on a redis pool, whose queue is
   * in Redis.
   *
   * @example Submit a long stream of work without queueing all of it
   * ```ts
   * import { Pool } from "@multitask/core/pool";
   *
   * await using pool = new Pool({ size: 2 });
   * const results: Promise<number>[] = [];
   * for (let i = 0; i < 100; i++) {
   *   if (pool.needsDrain) await pool.drained();
   *   results.push(pool.apply((n: number) => n * 2, [i]));
   * }
   * console.log((await Promise.all(results)).length); // 100
   * ```
   */
  get needsDrain(): boolean {
    return this.#backend.needsDrain ?? false;
  }

  /**
   * Resolves once `needsDrain` is false: fewer tasks wait than the drain
   * threshold (at once if that is already so). One promise per call; a
   * terminated pool resolves them, as its queue is empty.
   *
   * @returns Resolves when there is room in the queue again.
   *
   * @example
   * ```ts
   * import { Pool } from "@multitask/core/pool";
   *
   * await using pool = new Pool({ size: 1, maxQueue: 2 });
   * pool.apply(() => 1); // runs
   * pool.apply(() => 2); // waits
   * pool.apply(() => 3); // waits: 2 queued = maxQueue
   * console.log(pool.needsDrain); // true
   * await pool.drained();
   * console.log(pool.needsDrain); // false
   * ```
   */
  drained(): Promise<void> {
    return this.#backend.drained?.() ?? Promise.resolve();
  }

  /**
   * Runs `fn(...args)` on a worker [apply_async]. Resolves with its result;
   * rejects with its error (class name, message and stack kept),
   * `WorkerCrashedError`, `TimeoutError`, `AbortError`, `PoolFullError` or
   * `PoolClosedError`.
   *
   * @param fn An exported function of `module`, or a self-contained function.
   * @param args Its arguments; library objects (Queue, Lock...) arrive live.
   * @param options `signal`, `timeout`, `transfer`, `module`, `priority`,
   * `onProgress` (receives what the task passes to `progress()`).
   * @returns The task's result.
   *
   * @example
   * ```ts
   * import { Pool } from "@multitask/core/pool";
   *
   * await using pool = new Pool({ size: 2 });
   * const sum = await pool.apply((a: number, b: number) => a + b, [2, 3]);
   * console.log(sum); // 5
   * ```
   *
   * @example Priorities: among queued tasks the lowest number runs first
   * ```ts
   * import { Pool } from "@multitask/core/pool";
   *
   * await using pool = new Pool({ size: 1 });
   * const order: string[] = [];
   * const note = (name: string) => () => void order.push(name);
   * pool.apply(() => "busy"); // takes the only worker: the others queue
   * const later = pool.apply(() => 0, [], { priority: 10 }).then(note("later"));
   * const urgent = pool.apply(() => 0, [], { priority: -1 }).then(note("urgent"));
   * const normal = pool.apply(() => 0).then(note("normal")); // priority 0
   * await Promise.all([later, urgent, normal]);
   * console.log(order); // ["urgent", "normal", "later"]
   * ```
   */
  apply<A extends unknown[], R>(
    fn: (...args: A) => R,
    args?: A,
    options?: ApplyOptions,
  ): Promise<Awaited<R>> {
    const { promise, resolve, reject } = Promise.withResolvers<Awaited<R>>();
    let target: TargetDef;
    let timeout: number;
    try {
      target = this.#target(fn, options?.module);
      checkArgs(args);
      timeout = checkTaskTimeout(options?.timeout, "timeout");
      checkSignal(options?.signal);
      checkPriority(options?.priority, this.#kind);
      checkOnProgress(options?.onProgress, this.#kind);
    } catch (error) {
      return Promise.reject(error);
    }
    const onProgress = options?.onProgress;
    const task = new Task(
      onProgress ? MODE_APPLY | MODE_PROGRESS : MODE_APPLY,
      target,
      args ?? [],
      resolve as (value: unknown) => void,
      reject,
    );
    if (options?.transfer) task.transfer = options.transfer;
    if (options?.priority) task.priority = options.priority;
    if (onProgress) task.onProgress = onProgress;
    this.#backend.submit(task, timeout, options?.signal);
    return promise;
  }

  /**
   * `fn(item)` for every item, results in input order [Pool.map]. Items go
   * to workers in chunks; the first error rejects the whole map.
   *
   * @param fn An exported function of `module`, or a self-contained function.
   * @param items The inputs.
   * @param options `chunksize`, `module`, `onProgress`.
   * @returns The results, in the order of `items`.
   *
   * @example
   * ```ts
   * import { Pool } from "@multitask/core/pool";
   *
   * await using pool = new Pool({ size: 2 });
   * console.log(await pool.map((x: number) => x * x, [1, 2, 3])); // [1, 4, 9]
   * ```
   */
  map<T, R>(
    fn: (item: T) => R,
    items: Iterable<T>,
    options?: MapOptions,
  ): Promise<Awaited<R>[]> {
    return this.#mapAll(fn, items, MODE_MAP, options) as Promise<Awaited<R>[]>;
  }

  /**
   * `fn(...args)` for every argument list, results in input order [Pool.starmap].
   *
   * @param fn An exported function of `module`, or a self-contained function.
   * @param items The argument lists.
   * @param options `chunksize`, `module`, `onProgress`.
   * @returns The results, in the order of `items`.
   *
   * @example
   * ```ts
   * import { Pool } from "@multitask/core/pool";
   *
   * await using pool = new Pool({ size: 2 });
   * const sums = await pool.starmap((a: number, b: number) => a + b, [[1, 2], [3, 4]]);
   * console.log(sums); // [3, 7]
   * ```
   */
  starmap<A extends unknown[], R>(
    fn: (...args: A) => R,
    items: Iterable<A>,
    options?: MapOptions,
  ): Promise<Awaited<R>[]> {
    return this.#mapAll(fn, items, MODE_STARMAP, options) as Promise<
      Awaited<R>[]
    >;
  }

  /**
   * `fn(item)` for every item, yielded in input order as they are ready
   * [Pool.imap]. Accepts async iterables; stopping the loop early drops the
   * items not started yet.
   *
   * @param fn An exported function of `module`, or a self-contained function.
   * @param items The inputs, sync or async.
   * @param options `chunksize` (default 1), `module`, `onProgress`.
   * @returns The results, in input order.
   *
   * @example
   * ```ts
   * import { Pool } from "@multitask/core/pool";
   *
   * await using pool = new Pool({ size: 2 });
   * for await (const square of pool.imap((x: number) => x * x, [1, 2, 3])) {
   *   console.log(square); // 1, then 4, then 9
   * }
   * ```
   */
  imap<T, R>(
    fn: (item: T) => R,
    items: Iterable<T> | AsyncIterable<T>,
    options?: MapOptions,
  ): AsyncIterableIterator<Awaited<R>> {
    return this.#iterate(fn, items, options, true) as AsyncIterableIterator<
      Awaited<R>
    >;
  }

  /**
   * Like `imap`, but yields each result as soon as it is ready, in any order
   * [Pool.imap_unordered].
   *
   * @param fn An exported function of `module`, or a self-contained function.
   * @param items The inputs, sync or async.
   * @param options `chunksize` (default 1), `module`, `onProgress`.
   * @returns The results, in completion order.
   *
   * @example
   * ```ts
   * import { Pool } from "@multitask/core/pool";
   *
   * await using pool = new Pool({ size: 2 });
   * let total = 0;
   * for await (const square of pool.imapUnordered((x: number) => x * x, [1, 2, 3])) {
   *   total += square;
   * }
   * console.log(total); // 14
   * ```
   */
  imapUnordered<T, R>(
    fn: (item: T) => R,
    items: Iterable<T> | AsyncIterable<T>,
    options?: MapOptions,
  ): AsyncIterableIterator<Awaited<R>> {
    return this.#iterate(fn, items, options, false) as AsyncIterableIterator<
      Awaited<R>
    >;
  }

  /**
   * Accepts no more work [Pool.close]; queued and running tasks still finish,
   * then the workers exit.
   *
   * @example
   * ```ts
   * import { Pool } from "@multitask/core/pool";
   *
   * const pool = new Pool({ size: 1 });
   * const result = pool.apply(() => "done");
   * pool.close();
   * await pool.join();
   * console.log(await result); // "done"
   * ```
   */
  close(): void {
    this.#backend.close();
  }

  /**
   * Waits for every task and worker to finish [Pool.join]. Call `close()`
   * first; without it the promise rejects with `RuntimeError`, as Python
   * refuses to join a running pool.
   *
   * @returns Resolves once all work is done and the workers exited.
   *
   * @example
   * ```ts
   * import { Pool } from "@multitask/core/pool";
   *
   * const pool = new Pool({ size: 2 });
   * pool.apply(() => 1);
   * pool.close();
   * await pool.join();
   * ```
   */
  join(): Promise<void> {
    if (this.#backend.open) {
      return Promise.reject(
        new RuntimeError(
          "Cannot join the pool while it is still open: call pool.close() first (no more tasks), then await pool.join(); or use terminate() to stop now.",
        ),
      );
    }
    return this.#backend.finished();
  }

  /**
   * Stops every worker now, even one stuck in an endless loop
   * [Pool.terminate]; pending tasks reject with `PoolClosedError`. Always
   * resolves.
   *
   * @returns Resolves once every worker is gone.
   *
   * @example
   * ```ts
   * import { Pool } from "@multitask/core/pool";
   *
   * const pool = new Pool({ size: 1 });
   * const stuck = pool.apply(() => { while (true); });
   * await pool.terminate();
   * await stuck.catch((error) => console.log(error.name)); // "PoolClosedError"
   * ```
   */
  terminate(): Promise<void> {
    return this.#backend.terminate();
  }

  /**
   * `await using pool = new Pool()`: at scope exit, `close()` then `join()`
   * (queued work finishes, like concurrent.futures' `shutdown(wait=True)`).
   *
   * @example
   * ```ts
   * import { Pool } from "@multitask/core/pool";
   *
   * {
   *   await using pool = new Pool({ size: 1 });
   *   pool.apply(() => 1);
   * } // the task finished and the worker exited here
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#backend.close();
    await this.#backend.finished();
  }

  #target(fn: Target, module: string | URL | null | undefined): TargetDef {
    const mod = module === null ? undefined : module ?? this.#module;
    return targetOf(fn, mod, "pool task");
  }

  #mapAll(
    fn: Target,
    items: Iterable<unknown>,
    mode: number,
    options: MapOptions | undefined,
  ): Promise<unknown[]> {
    let list: unknown[], target: TargetDef, chunksize: number;
    try {
      target = this.#target(fn, options?.module);
      list = Array.from(checkIterable(items) as Iterable<unknown>);
      chunksize = options?.chunksize ??
        defaultChunksize(list.length, this.#backend.size);
      checkChunksize(chunksize);
      if (mode === MODE_STARMAP) checkArgLists(list);
      checkPriority(options?.priority, this.#kind, "map");
    } catch (error) {
      return Promise.reject(error);
    }
    const progress = options?.onProgress ?? this.#onProgress;
    return gatherAll(this.#backend, target, mode, list, {
      chunksize,
      progress,
      priority: options?.priority ?? 0,
    });
  }

  // A generator, so that bad arguments reject the first next(), not the call.
  async *#iterate(
    fn: Target,
    items: Iterable<unknown> | AsyncIterable<unknown>,
    options: MapOptions | undefined,
    ordered: boolean,
  ): AsyncGenerator<unknown> {
    const target = this.#target(fn, options?.module);
    const chunksize = options?.chunksize ?? 1;
    checkChunksize(chunksize);
    checkPriority(options?.priority, this.#kind, "map");
    const progress = options?.onProgress ?? this.#onProgress;
    yield* gatherEach(this.#backend, target, items, ordered, {
      chunksize,
      progress,
      priority: options?.priority ?? 0,
    });
  }
}
