// The Pool's options: their types (exported by pool.ts) and the checks run
// before anything is queued, so bad input fails up front with a clear error
// and loses nothing.

import { checkLimit, refusal } from "../_common/waiting.ts";
import { knownKinds } from "./_backend.ts";

/** Progress of a map: how many items are done out of how many. */
export interface PoolProgress {
  /** Items whose results are in. */
  done: number;
  /** Items submitted so far (all of them, once the input is exhausted). */
  total: number;
}

/** Options of `new Pool()`. */
export interface PoolOptions {
  /**
   * Number of workers of a fixed pool; defaults to
   * `navigator.hardwareConcurrency`. It is `maxSize` by its older name
   * (Python's `processes`): workers start as work arrives, up to `size`, and
   * idle ones follow `idleTimeout` (by default a thread worker retires after
   * 250 ms, a process worker stays). Given with `maxSize`, both must be equal.
   */
  size?: number;
  /**
   * Elastic pools: the most workers at once [piscina's `maxThreads`]. A task
   * that finds every live worker busy starts one more, up to this many.
   * Default: `size`, else `navigator.hardwareConcurrency` (or `minSize`, if
   * larger). Thread and process kinds.
   */
  maxSize?: number;
  /**
   * Elastic pools: workers started with the pool and kept while it is open,
   * replaced if they die [piscina's `minThreads`]. Default 0: an idle pool
   * may hold no worker at all, and the next task starts one. A thread pool's
   * kept workers keep the program alive (Deno cannot unref a Web Worker):
   * close the pool (`await using`, `close()`, `terminate()`) to let the
   * program end. Process workers never keep it alive. Thread and process
   * kinds.
   */
  minSize?: number;
  /**
   * Milliseconds a worker above `minSize` may sit idle before it retires
   * [piscina's `idleTimeout`]; -1 (or Infinity): never. Default: 250 for the
   * thread kind (so that a pool nobody closed lets the program end), never
   * for the process kind (an idle child does not keep the program alive; set
   * one to give the memory back). While an idle thread worker waits, it keeps
   * the program alive. Thread and process kinds.
   */
  idleTimeout?: number;
  /**
   * `"thread"` (default): Web Workers in this process; one idle for 250 ms
   * (`idleTimeout`) is retired (so that a pool left open lets the program
   * end) and a new one starts with the next task. `"process"`: child Deno processes, which stay
   * while idle without keeping the program alive. `"redis"`: workers on any
   * machine, started with
   * `deno run -A jsr:@multitask/core/worker --redis URL --module M --authkey K`,
   * that take the tasks from a Redis server (see `redis`, `authkey`).
   */
  kind?: "thread" | "process" | "redis";
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
  /**
   * Milliseconds one task may run before its worker is terminated
   * (`TimeoutError`); -1 (or undefined) for no limit.
   */
  taskTimeout?: number;
  /**
   * Kind "process": each child's V8 heap limit in MB (`--max-old-space-size`)
   * [piscina's `resourceLimits.maxOldGenerationSizeMb`]. A task that grows
   * the heap past it kills its worker: that task fails with
   * `WorkerOutOfMemoryError` (a `WorkerCrashedError`), the worker is
   * replaced, and other tasks are unaffected. It bounds the JavaScript heap,
   * not ArrayBuffers or the process's whole memory. At least 16 (a child
   * needs some to start). A thread pool refuses it (see `kind`).
   */
  maxMemoryMb?: number;
  /** Names the pool and its workers ("Pool-1-worker-2") in errors. */
  name?: string;
  /** Called as the items of every map/imap complete, unless the call has its own. */
  onProgress?: (progress: PoolProgress) => void;
  /** Kind "redis": the server's URL, `redis://[user:password@]host[:port][/db]` or `rediss://` for TLS. */
  redis?: string;
  /** Kind "redis": the key tasks are signed with (HMAC-SHA256); the workers' `--authkey`. */
  authkey?: string | Uint8Array;
  /**
   * Kind "redis": milliseconds after which a task whose worker stopped (died,
   * lost its network) is given to another worker. Default 30000. A live
   * worker renews its tasks, so this need not exceed the longest task.
   */
  visibilityTimeout?: number;
  /** Kind "redis": times a task that throws is run again before it fails (and goes to the dead letters). Default 0. */
  retries?: number;
  /** Kind "redis": milliseconds before the first retry; each next one waits twice as long. Default 1000. */
  retryDelay?: number;
  /** Kind "redis": milliseconds calls wait for a lost Redis server before failing with `RedisConnectionError`. Default 30000. */
  reconnectWindow?: number;
}

/** Options of `Pool.apply()`. */
export interface ApplyOptions {
  /** Cancels the task: a queued one is dropped, a running one has its worker replaced. */
  signal?: AbortSignal;
  /**
   * Milliseconds from the call until the task must be done (`TimeoutError`);
   * -1 (or undefined) for no limit.
   */
  timeout?: number;
  /**
   * Objects (ArrayBuffers...) among the arguments to move to a thread worker
   * instead of copying, when the task is sent to it; a process worker gets
   * copies.
   */
  transfer?: Transferable[];
  /** Module whose export is `fn`, overriding the pool's `module`; `null` ships `fn` as source. */
  module?: string | URL | null;
  /**
   * Among queued tasks, a lower number runs first (as Python's
   * `PriorityQueue` and BullMQ); equal priorities run in submission order.
   * Default 0; any finite number, negative ones run before the default.
   * A task already running is not interrupted. Thread and process kinds.
   */
  priority?: number;
  /**
   * Receives each value the task passes to `progress(value)`, in order, all
   * before the task's promise settles. Thread and process kinds (a redis
   * pool refuses it). Unlike a map's `onProgress`, which counts finished
   * items, this hears the task itself.
   */
  onProgress?: (value: unknown) => void;
}

/** Options of `map`, `starmap`, `imap` and `imapUnordered`. */
export interface MapOptions {
  /** Items sent to a worker as one task (default: `map` splits the input in about 4 × size chunks, `imap` uses 1). */
  chunksize?: number;
  /** Module whose export is `fn`, overriding the pool's `module`; `null` ships `fn` as source. */
  module?: string | URL | null;
  /** Called as items complete, in place of the pool's `onProgress`. */
  onProgress?: (progress: PoolProgress) => void;
  /** Every chunk of this call gets this priority (see `ApplyOptions.priority`). */
  priority?: number;
}

/**
 * Durations in milliseconds since the pool was created: how many, their
 * mean and maximum, and percentiles (from a fixed-size log-linear histogram,
 * within ~3% of the exact value).
 */
export interface PoolTimes {
  /** Samples recorded. */
  count: number;
  /** Their mean. */
  mean: number;
  /** Half the samples took at most this long. */
  p50: number;
  /** 90% of the samples took at most this long. */
  p90: number;
  /** 99% of the samples took at most this long. */
  p99: number;
  /** The longest. */
  max: number;
}

/** A snapshot of what a pool is doing. */
export interface PoolStats {
  /**
   * Thread and process kinds: live workers now (started or starting, busy or
   * idle), between `minSize` and `maxSize`; 0 for a pool that has not needed
   * one yet or whose workers all retired. Kind "redis": the live workers'
   * total concurrency.
   */
  size: number;
  /** Thread and process kinds: the workers the pool keeps (its `minSize`). */
  minSize?: number;
  /** Thread and process kinds: the most workers it runs at once (its `maxSize`, or `size`). */
  maxSize?: number;
  /** Workers running a task now. */
  busy: number;
  /** Tasks waiting for a worker. */
  queued: number;
  /** Tasks that returned a value. */
  completed: number;
  /** Tasks that failed (threw, crashed, timed out, were cancelled). */
  failed: number;
  /**
   * Thread and process kinds: how long tasks ran, measured in the worker (a
   * task sent in a batch of tiny ones counts as the batch's mean), as
   * piscina's `runTime`.
   */
  runTime?: PoolTimes;
  /**
   * Thread and process kinds: how long tasks waited from `apply` (or their
   * map chunk's submission) until sent to a worker, as piscina's `waitTime`.
   */
  waitTime?: PoolTimes;
  /**
   * Thread and process kinds: the time workers spent running tasks over
   * what `maxSize` workers could have run since the pool was created (0 to
   * 1), as piscina's `utilization` (over its `maxThreads`): an elastic pool
   * that stayed small reads as lightly used, which it was.
   */
  utilization?: number;
  /** Kind "redis": live workers (by their heartbeats); `size` is their total concurrency. */
  workers?: number;
  /** Kind "redis": runs that were tries again of a task that threw. */
  retried?: number;
}

/** The options every kind shares, checked and normalised. */
export interface Validated {
  /** maxSize (or size). */
  size: number;
  minSize: number;
  /** Milliseconds; Infinity: never; undefined: the kind's default. */
  idleTimeout: number | undefined;
  kind: string;
  module?: string;
  /** Milliseconds, 0 for no limit. */
  taskTimeout: number;
}

/** Checks the options of `new Pool()`; throws what was wrong and how to fix it. */
export function validate(options: PoolOptions): Validated {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot create pool as its options must be an object: received ${
        options === null ? "null" : typeof options
      }.`,
    );
  }
  const { size, minSize, idleTimeout } = checkSizes(options);
  const kind: string = options.kind ?? "thread";
  const kinds = knownKinds();
  if (!kinds.includes(kind)) {
    throw new TypeError(
      `Cannot create pool as 'kind' must be ${
        kinds.map((k) => JSON.stringify(k)).join(" or ")
      }: received ${JSON.stringify(kind)}`,
    );
  }
  positiveInteger(options.maxTasksPerWorker, "maxTasksPerWorker");
  checkMaxMemory(options.maxMemoryMb, kind);
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
  const taskTimeout = checkTaskTimeout(
    options.taskTimeout,
    "taskTimeout",
    "create pool",
  );
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
  return { size, minSize, idleTimeout, kind, module, taskTimeout };
}

// size, minSize, maxSize and idleTimeout: `size` is maxSize's older name.
function checkSizes(
  options: PoolOptions,
): { size: number; minSize: number; idleTimeout: number | undefined } {
  const { size, maxSize } = options;
  const minSize = options.minSize ?? 0;
  if (!Number.isSafeInteger(minSize) || minSize < 0) {
    throw refusal(
      minSize,
      "create pool",
      "minSize",
      "a non-negative integer (the workers kept ready; 0 lets an idle pool hold none)",
    );
  }
  for (const [name, value] of [["size", size], ["maxSize", maxSize]] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
      throw refusal(value, "create pool", name, "a positive integer");
    }
  }
  if (size !== undefined && maxSize !== undefined && size !== maxSize) {
    throw new RangeError(
      `Cannot create pool as 'size' and 'maxSize' must agree (size is a fixed pool's maxSize): received size ${size}, maxSize ${maxSize}. Pass maxSize alone, with minSize for the workers to keep ready.`,
    );
  }
  const max = maxSize ?? size ??
    Math.max(navigator.hardwareConcurrency ?? 1, minSize);
  if (minSize > max) {
    throw new RangeError(
      `Cannot create pool as 'minSize' must be at most '${
        maxSize === undefined ? "size" : "maxSize"
      }' (${max}): received ${minSize}. Raise ${
        maxSize === undefined ? "size" : "maxSize"
      }, or lower minSize.`,
    );
  }
  const idle = options.idleTimeout === undefined
    ? undefined
    : checkLimit(options.idleTimeout, "idleTimeout", "create pool") ??
      Infinity;
  return { size: max, minSize, idleTimeout: idle };
}

/** The least `maxMemoryMb`: below it a child cannot load the library. */
export const MIN_MEMORY_MB = 16;

function checkMaxMemory(mb: unknown, kind: string): void {
  if (mb === undefined) return;
  if (!Number.isSafeInteger(mb) || (mb as number) < MIN_MEMORY_MB) {
    throw refusal(
      mb,
      "create pool",
      "maxMemoryMb",
      `an integer of at least ${MIN_MEMORY_MB} (megabytes of JavaScript heap per process worker)`,
    );
  }
  if (kind === "thread") {
    throw new TypeError(
      `Cannot create pool as 'maxMemoryMb' applies to kind "process" only: Deno gives a Web Worker no heap limit of its own. Use kind: "process", whose children each run with --max-old-space-size.`,
    );
  }
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

/**
 * A task's time limit (`taskTimeout`, `apply`'s `timeout`) in milliseconds,
 * 0 for none: the library's rule for limits (-1 or undefined: no limit; 0,
 * which leaves a task no time, refused).
 */
export function checkTaskTimeout(
  value: unknown,
  name: string,
  who = "apply the task",
): number {
  return checkLimit(value, name, who) ?? 0;
}

/** Checks `apply`'s arguments list. */
export function checkArgs(args: unknown): void {
  if (args !== undefined && !Array.isArray(args)) {
    throw new TypeError(
      `Cannot apply the task as 'args' must be an array of arguments: received ${typeof args}. Wrap a single argument: pool.apply(fn, [value]).`,
    );
  }
}

/** A task's `signal` must be an AbortSignal. */
export function checkSignal(signal: unknown): void {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(
      `Cannot apply the task as 'signal' must be an AbortSignal: received ${typeof signal}. Pass controller.signal or AbortSignal.timeout(ms).`,
    );
  }
}

/**
 * A task's priority: a finite number, refused on a redis pool (its tasks
 * travel a Redis stream, which delivers in order).
 */
export function checkPriority(
  priority: unknown,
  kind: string,
  what = "apply the task",
): void {
  if (priority === undefined) return;
  if (typeof priority !== "number" || !Number.isFinite(priority)) {
    throw new TypeError(
      `Cannot ${what} as 'priority' must be a finite number (lower runs first): received ${
        typeof priority === "number" ? String(priority) : typeof priority
      }`,
    );
  }
  if (kind === "redis") {
    throw new TypeError(
      `Cannot ${what} with a 'priority' on a redis pool: its tasks travel a Redis stream, which workers read in order. Leave 'priority' out, or use a thread or process pool.`,
    );
  }
}

/** A task's `onProgress`: a function, refused on a redis pool. */
export function checkOnProgress(onProgress: unknown, kind: string): void {
  if (onProgress === undefined) return;
  if (typeof onProgress !== "function") {
    throw new TypeError(
      `Cannot apply the task as 'onProgress' must be a function: received ${typeof onProgress}`,
    );
  }
  if (kind === "redis") {
    throw new TypeError(
      "Cannot apply the task with 'onProgress' on a redis pool: its workers send back results only. Leave 'onProgress' out, or use a thread or process pool.",
    );
  }
}

/** A chunk holds at least one item. */
export function checkChunksize(chunksize: number): void {
  if (!Number.isSafeInteger(chunksize) || chunksize < 1) {
    throw new RangeError(
      `Cannot map as 'chunksize' must be a positive integer: received ${
        String(chunksize)
      }`,
    );
  }
}

/** `map`'s input: anything `for` or `for await` takes. */
export function checkIterable(
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

/** `starmap`'s input: one array of arguments per call. */
export function checkArgLists(list: unknown[]): void {
  const bad = list.findIndex((args) => !Array.isArray(args));
  if (bad >= 0) {
    throw new TypeError(
      `Cannot starmap as item ${bad} is not an array of arguments: received ${typeof list[
        bad
      ]}. Use map() for single arguments.`,
    );
  }
}

/** Python's rule: about four chunks per worker. */
export function defaultChunksize(length: number, size: number): number {
  return Math.max(1, Math.ceil(length / (size * 4)));
}
