import { RuntimeError } from "../_crossing/errors.ts";
import {
  describeTarget,
  type Target,
  type TargetSpec,
} from "../_crossing/target.ts";
import { MODE_APPLY, MODE_MAP, MODE_STARMAP } from "./_protocol.ts";
import { PoolCore, type StartWorker, Task } from "./_core.ts";
import { startThreadWorker } from "./_thread_worker.ts";
import { processStarter } from "./_process_worker.ts";

export { RuntimeError } from "../_crossing/errors.ts";
export {
  AbortError,
  PoolClosedError,
  PoolFullError,
  TimeoutError,
  WorkerCrashedError,
} from "./errors.ts";

/** Progress of a map: how many items are done out of how many. */
export interface PoolProgress {
  /** Items whose results are in. */
  done: number;
  /** Items submitted so far (all of them, once the input is exhausted). */
  total: number;
}

/** Options of `new Pool()`. */
export interface PoolOptions {
  /** Number of workers; defaults to `navigator.hardwareConcurrency`. */
  size?: number;
  /** `"thread"` (default): Web Workers in this process; `"process"`: child Deno processes. */
  kind?: "thread" | "process";
  /** Module (usually `import.meta.url`) whose exports name the functions passed to `apply`, `map`... */
  module?: string | URL;
  /** Runs once in each worker before its first task (it may be async); exported from `module`, or self-contained. */
  // deno-lint-ignore no-explicit-any
  initializer?: (...args: any[]) => unknown;
  /** Arguments of `initializer`. */
  initargs?: unknown[];
  /** Replace a worker after it ran this many tasks (a map chunk counts as one). */
  maxTasksPerWorker?: number;
  /** Refuse new tasks (`PoolFullError`) while this many wait for a worker. */
  maxQueue?: number;
  /** Milliseconds one task may run before its worker is terminated (`TimeoutError`). */
  taskTimeout?: number;
  /** Names the pool and its workers ("Pool-1-worker-2") in errors. */
  name?: string;
  /** Called as the items of every map/imap complete, unless the call has its own. */
  onProgress?: (progress: PoolProgress) => void;
}

/** Options of `Pool.apply()`. */
export interface ApplyOptions {
  /** Cancels the task: a queued one is dropped, a running one has its worker replaced. */
  signal?: AbortSignal;
  /** Milliseconds from the call until the task must be done (`TimeoutError`). */
  timeout?: number;
  /**
   * Objects (ArrayBuffers...) among the arguments to move to a thread worker
   * instead of copying, when the task is sent to it; a process worker gets
   * copies.
   */
  transfer?: Transferable[];
  /** Module whose export is `fn`, overriding the pool's `module`; `null` ships `fn` as source. */
  module?: string | URL | null;
}

/** Options of `map`, `starmap`, `imap` and `imapUnordered`. */
export interface MapOptions {
  /** Items sent to a worker as one task (default: `map` splits the input in about 4 × size chunks, `imap` uses 1). */
  chunksize?: number;
  /** Module whose export is `fn`, overriding the pool's `module`; `null` ships `fn` as source. */
  module?: string | URL | null;
  /** Called as items complete, in place of the pool's `onProgress`. */
  onProgress?: (progress: PoolProgress) => void;
}

/** A snapshot of what a pool is doing. */
export interface PoolStats {
  /** The number of workers the pool runs at most. */
  size: number;
  /** Workers running a task now. */
  busy: number;
  /** Tasks waiting for a worker. */
  queued: number;
  /** Tasks that returned a value. */
  completed: number;
  /** Tasks that failed (threw, crashed, timed out, were cancelled). */
  failed: number;
}

let pools = 0;

/**
 * A pool of workers running functions in parallel [multiprocessing.Pool].
 * A task's function is either exported from `module` or self-contained
 * (shipped as source, once per worker). A task that throws fails alone; a
 * worker that dies fails only the task it ran (`WorkerCrashedError`) and is
 * replaced; no promise is left hanging.
 *
 * @example The seed's Pool(4): tasks 0-3 start at once, task 4 waits
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
  #core: PoolCore;
  #module: string | URL | undefined;
  #onProgress: ((progress: PoolProgress) => void) | undefined;
  #ids = new WeakMap<Target, Map<string, number>>();

  /**
   * Creates the pool; workers start when work arrives, up to `size`.
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
   */
  constructor(options: PoolOptions = {}) {
    const o = validate(options);
    this.#module = options.module;
    this.#onProgress = options.onProgress;
    const initializer = options.initializer === undefined
      ? undefined
      : describeTarget(options.initializer, options.module, "pool");
    const start: StartWorker = o.kind === "process"
      ? processStarter({ module: o.module })
      : startThreadWorker;
    this.#core = new PoolCore({
      name: options.name ?? `Pool-${++pools}`,
      size: o.size,
      maxTasksPerWorker: options.maxTasksPerWorker ?? 0,
      maxQueue: options.maxQueue ?? Infinity,
      taskTimeout: options.taskTimeout ?? 0,
      // A child's results travel through a buffered channel: its batches
      // stay small so that a SIGKILL loses few finished results with it.
      maxBatch: o.kind === "process" ? 32 : 256,
      setup: { initializer, initargs: options.initargs },
      start,
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
   */
  get stats(): PoolStats {
    const core = this.#core;
    return {
      size: core.size,
      busy: core.busy,
      queued: core.queued,
      completed: core.completed,
      failed: core.failed,
    };
  }

  /**
   * Runs `fn(...args)` on a worker [apply_async]. Resolves with its result;
   * rejects with its error (class name, message and stack kept),
   * `WorkerCrashedError`, `TimeoutError`, `AbortError`, `PoolFullError` or
   * `PoolClosedError`.
   *
   * @param fn An exported function of `module`, or a self-contained function.
   * @param args Its arguments; library objects (Queue, Lock...) arrive live.
   * @param options `signal`, `timeout`, `transfer`, `module`.
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
   */
  apply<A extends unknown[], R>(
    fn: (...args: A) => R,
    args?: A,
    options?: ApplyOptions,
  ): Promise<Awaited<R>> {
    const { promise, resolve, reject } = Promise.withResolvers<Awaited<R>>();
    let target: number;
    try {
      target = this.#target(fn, options?.module);
      if (args !== undefined && !Array.isArray(args)) {
        throw new TypeError(
          `Cannot apply the task as 'args' must be an array of arguments: received ${typeof args}. Wrap a single argument: pool.apply(fn, [value]).`,
        );
      }
      checkTimeout(options?.timeout, "timeout");
      checkSignal(options?.signal);
    } catch (error) {
      return Promise.reject(error);
    }
    const task = new Task(
      MODE_APPLY,
      target,
      args ?? [],
      resolve as (value: unknown) => void,
      reject,
    );
    if (options?.transfer) task.transfer = options.transfer;
    this.#core.submit(task, options?.timeout ?? 0, options?.signal);
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
    this.#core.close();
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
    if (this.#core.open) {
      return Promise.reject(
        new RuntimeError(
          "Cannot join the pool while it is still open: call pool.close() first (no more tasks), then await pool.join(); or use terminate() to stop now.",
        ),
      );
    }
    return this.#core.finished();
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
    return this.#core.terminate();
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
    this.#core.close();
    await this.#core.finished();
  }

  // Describing a target costs a parse, so it is done once per function.
  #target(fn: Target, module: string | URL | null | undefined): number {
    const mod = module === null ? undefined : module ?? this.#module;
    const key = mod === undefined ? "" : String(mod);
    let byModule = typeof fn === "function" ? this.#ids.get(fn) : undefined;
    const hit = byModule?.get(key);
    if (hit !== undefined) return hit;
    const spec: TargetSpec = describeTarget(fn, mod, "pool task");
    const id = this.#core.targetId(spec);
    if (!byModule) this.#ids.set(fn, byModule = new Map());
    byModule.set(key, id);
    return id;
  }

  #mapAll(
    fn: Target,
    items: Iterable<unknown>,
    mode: number,
    options: MapOptions | undefined,
  ): Promise<unknown[]> {
    let list: unknown[], target: number, chunksize: number;
    try {
      target = this.#target(fn, options?.module);
      list = Array.from(checkIterable(items) as Iterable<unknown>);
      chunksize = options?.chunksize ??
        defaultChunksize(list.length, this.#core.size);
      checkChunksize(chunksize);
      if (mode === MODE_STARMAP) checkArgLists(list);
    } catch (error) {
      return Promise.reject(error);
    }
    const results: unknown[] = new Array(list.length);
    if (list.length === 0) return Promise.resolve(results);
    const { promise, resolve, reject } = Promise.withResolvers<unknown[]>();
    const progress = options?.onProgress ?? this.#onProgress;
    let done = 0;
    let failed = false;
    const tasks: Task[] = [];
    for (let start = 0; start < list.length; start += chunksize) {
      const chunk = list.slice(start, start + chunksize);
      const task = new Task(mode, target, chunk, (values) => {
        const array = values as unknown[];
        for (let k = 0; k < array.length; k++) results[start + k] = array[k];
        done += array.length;
        progress?.({ done, total: list.length });
        if (done === list.length) resolve(results);
      }, (error) => {
        if (failed) return;
        failed = true;
        for (const t of tasks) this.#core.drop(t);
        reject(error);
      });
      tasks.push(task);
    }
    for (const task of tasks) this.#core.submit(task, 0, undefined);
    return promise;
  }

  async *#iterate(
    fn: Target,
    items: Iterable<unknown> | AsyncIterable<unknown>,
    options: MapOptions | undefined,
    ordered: boolean,
  ): AsyncGenerator<unknown> {
    const target = this.#target(fn, options?.module);
    const chunksize = options?.chunksize ?? 1;
    checkChunksize(chunksize);
    const progress = options?.onProgress ?? this.#onProgress;
    const gather = new Gather(ordered, progress);
    this.#feed(target, items, chunksize, gather);
    try {
      yield* gather.results();
    } finally {
      gather.stop();
      for (const task of gather.tasks) this.#core.drop(task);
    }
  }

  async #feed(
    target: number,
    items: Iterable<unknown> | AsyncIterable<unknown>,
    chunksize: number,
    gather: Gather,
  ): Promise<void> {
    // Input is read ahead by a bounded number of chunks (running, queued or
    // not yet consumed), so an endless generator works and memory stays flat.
    const window = Math.max(64, this.#core.size * 8);
    let chunk: unknown[] = [];
    const flush = () => {
      if (chunk.length === 0) return;
      const task = gather.task(target, chunk);
      chunk = [];
      this.#core.submit(task, 0, undefined);
    };
    try {
      const iterable = checkIterable(items);
      const iterator = typeof (iterable as AsyncIterable<unknown>)[
          Symbol.asyncIterator
        ] === "function"
        ? (iterable as AsyncIterable<unknown>)[Symbol.asyncIterator]()
        : (iterable as Iterable<unknown>)[Symbol.iterator]();
      try {
        while (!gather.stopped) {
          const next = await iterator.next();
          if (next.done) break;
          chunk.push(next.value);
          if (chunk.length < chunksize) continue;
          flush();
          if (gather.pending >= window) await gather.room(window);
        }
      } finally {
        if (gather.stopped) await iterator.return?.();
      }
      if (gather.stopped) return;
      flush();
      gather.end();
    } catch (error) {
      gather.fail(error);
    }
  }
}

// Collects chunk results for imap/imapUnordered and hands them out in order
// (or as they come).
class Gather {
  readonly tasks = new Set<Task>();
  stopped = false;
  #ordered: boolean;
  #progress: ((progress: PoolProgress) => void) | undefined;
  #ready = new Map<number, unknown[]>();
  #arrived: unknown[][] = [];
  #next = 0;
  #chunks = 0;
  #total = 0;
  #done = 0;
  #ended = false;
  #error: { error: unknown; index: number } | undefined;
  #wake: (() => void) | undefined;
  #roomWake: (() => void) | undefined;
  #consumed = 0;

  constructor(ordered: boolean, progress?: (progress: PoolProgress) => void) {
    this.#ordered = ordered;
    this.#progress = progress;
  }

  task(target: number, chunk: unknown[]): Task {
    const index = this.#chunks++;
    this.#total += chunk.length;
    const task: Task = new Task(MODE_MAP, target, chunk, (values) => {
      this.tasks.delete(task);
      const array = values as unknown[];
      this.#done += array.length;
      if (this.#ordered) this.#ready.set(index, array);
      else this.#arrived.push(array);
      this.#progress?.({ done: this.#done, total: this.#total });
      this.#poke();
    }, (error) => {
      this.tasks.delete(task);
      this.fail(error, index);
    });
    this.tasks.add(task);
    return task;
  }

  end(): void {
    this.#ended = true;
    this.#poke();
  }

  /** Fails the iteration once the results before chunk `index` are out (default: after all submitted so far). */
  fail(error: unknown, index: number = this.#chunks): void {
    if (!this.#error || index < this.#error.index) {
      this.#error = { error, index };
    }
    this.#poke();
  }

  stop(): void {
    this.stopped = true;
    const wake = this.#roomWake;
    this.#roomWake = undefined;
    wake?.();
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Chunks submitted and not yet handed to the consumer. */
  get pending(): number {
    return this.#chunks - this.#consumed;
  }

  /** Resolves once fewer than `window` chunks are pending, or on stop(). */
  room(window: number): Promise<void> {
    if (this.pending < window || this.stopped) return Promise.resolve();
    return new Promise((resolve) => (this.#roomWake = resolve));
  }

  async *results(): AsyncGenerator<unknown> {
    while (true) {
      const batch = this.#take();
      if (batch) {
        this.#consumed++;
        const wake = this.#roomWake;
        this.#roomWake = undefined;
        wake?.();
        yield* batch;
        continue;
      }
      const failed = this.#error;
      if (failed && (!this.#ordered || failed.index === this.#next)) {
        throw failed.error;
      }
      if (this.#ended && this.tasks.size === 0) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #take(): unknown[] | undefined {
    if (!this.#ordered) return this.#arrived.shift();
    const batch = this.#ready.get(this.#next);
    if (batch) {
      this.#ready.delete(this.#next);
      this.#next++;
    }
    return batch;
  }
}

interface Validated {
  size: number;
  kind: "thread" | "process";
  module?: string;
}

function validate(options: PoolOptions): Validated {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot create pool as its options must be an object: received ${
        options === null ? "null" : typeof options
      }.`,
    );
  }
  const size = options.size ?? navigator.hardwareConcurrency ?? 1;
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new RangeError(
      `Cannot create pool as 'size' must be a positive integer: received ${
        String(size)
      }`,
    );
  }
  const kind = options.kind ?? "thread";
  if (kind !== "thread" && kind !== "process") {
    throw new TypeError(
      `Cannot create pool as 'kind' must be "thread" or "process": received ${
        JSON.stringify(kind)
      }`,
    );
  }
  positiveInteger(options.maxTasksPerWorker, "maxTasksPerWorker");
  const maxQueue = options.maxQueue;
  if (
    maxQueue !== undefined && maxQueue !== Infinity &&
    (!Number.isSafeInteger(maxQueue) || maxQueue < 0)
  ) {
    throw new RangeError(
      `Cannot create pool as 'maxQueue' must be a non-negative integer or Infinity: received ${
        String(maxQueue)
      }`,
    );
  }
  checkTimeout(options.taskTimeout, "taskTimeout", "create pool");
  if (options.initargs !== undefined && !Array.isArray(options.initargs)) {
    throw new TypeError(
      `Cannot create pool as 'initargs' must be an array: received ${typeof options
        .initargs}`,
    );
  }
  if (options.initargs !== undefined && options.initializer === undefined) {
    throw new TypeError(
      "Cannot create pool as 'initargs' was given without an 'initializer' to receive them.",
    );
  }
  for (const key of ["onProgress"] as const) {
    if (options[key] !== undefined && typeof options[key] !== "function") {
      throw new TypeError(
        `Cannot create pool as '${key}' must be a function: received ${typeof options[
          key
        ]}`,
      );
    }
  }
  let module: string | undefined;
  if (options.module !== undefined) {
    try {
      module = new URL(String(options.module)).href;
    } catch {
      throw new TypeError(
        `Cannot create pool as 'module' must be an absolute URL: received ${
          JSON.stringify(String(options.module))
        }. Pass import.meta.url.`,
      );
    }
  }
  return { size, kind, module };
}

function positiveInteger(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
    throw new RangeError(
      `Cannot create pool as '${name}' must be a positive integer: received ${
        String(value)
      }`,
    );
  }
}

function checkTimeout(
  value: number | undefined,
  name: string,
  what = "apply the task",
): void {
  if (
    value !== undefined &&
    !(typeof value === "number" && value > 0 && value < 2 ** 31)
  ) {
    throw new RangeError(
      `Cannot ${what} as '${name}' must be a positive number of milliseconds: received ${
        String(value)
      }`,
    );
  }
}

function checkSignal(signal: unknown): void {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(
      `Cannot apply the task as 'signal' must be an AbortSignal: received ${typeof signal}. Pass controller.signal or AbortSignal.timeout(ms).`,
    );
  }
}

function checkChunksize(chunksize: number): void {
  if (!Number.isSafeInteger(chunksize) || chunksize < 1) {
    throw new RangeError(
      `Cannot map as 'chunksize' must be a positive integer: received ${
        String(chunksize)
      }`,
    );
  }
}

function checkIterable(
  items: unknown,
): Iterable<unknown> | AsyncIterable<unknown> {
  if (
    items === null || items === undefined ||
    (typeof (items as Iterable<unknown>)[Symbol.iterator] !== "function" &&
      typeof (items as AsyncIterable<unknown>)[Symbol.asyncIterator] !==
        "function")
  ) {
    throw new TypeError(
      `Cannot map as 'items' must be iterable (an array, a Set, a generator...): received ${
        items === null ? "null" : typeof items
      }`,
    );
  }
  return items as Iterable<unknown>;
}

function checkArgLists(list: unknown[]): void {
  const bad = list.findIndex((args) => !Array.isArray(args));
  if (bad >= 0) {
    throw new TypeError(
      `Cannot starmap as item ${bad} is not an array of arguments: received ${typeof list[
        bad
      ]}. Use map() for single arguments.`,
    );
  }
}

// Python's rule: about four chunks per worker.
function defaultChunksize(length: number, size: number): number {
  return Math.max(1, Math.ceil(length / (size * 4)));
}
