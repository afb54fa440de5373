import { RuntimeError } from "../errors/base.ts";
// It rebuilds errors, which needs every library error class loaded.
import "../errors/_registry.ts";
import { checkTimeout } from "../_common/waiting.ts";
import {
  describeTarget,
  normalizeModule,
  type Target,
} from "../_crossing/target.ts";
import { encodeValue } from "../_crossing/codec.ts";
import { errorAt, returnedAt, valueAt } from "../_crossing/outcome.ts";
import { describeInstance, runTarget } from "../_crossing/rebuild.ts";
import {
  alive,
  countersBuffer,
  currentIdentity,
  nextIdent,
  nextName,
  records,
  type ThreadIdentity,
  type ThreadInit,
  type ThreadRecord,
  type ThreadReport,
} from "./_state.ts";
import { spawnWorker, type WorkerEvents } from "../_crossing/worker_port.ts";

export { RuntimeError } from "../errors/base.ts";

/**
 * Options for {@linkcode Thread}.
 *
 * Python's `kwargs` has no JavaScript counterpart: pass an object as an
 * argument and destructure it in the target (`args: [{ retries: 3 }]`).
 *
 * @example
 * ```ts
 * import { Thread, type ThreadOptions } from "@multitask/core/thread";
 *
 * function greet(who: string, { loud }: { loud: boolean }) {
 *   console.log(loud ? who.toUpperCase() : who);
 * }
 * const options: ThreadOptions<[string, { loud: boolean }]> = {
 *   target: greet,
 *   args: ["Alice", { loud: true }],
 *   name: "Greeter",
 * };
 * const t = new Thread(options);
 * t.start();
 * await t.join();
 * ```
 */
export interface ThreadOptions<A extends unknown[] = unknown[]> {
  /**
   * The function the thread runs. Either exported from `module` (the worker
   * imports the module and calls the export of this name), or
   * self-contained: its source is shipped, so it may use its parameters,
   * globals and `await import(...)`, but nothing it closes over.
   */
  target?: (...args: A) => unknown;
  /**
   * `import.meta.url` of the module that exports `target`, or that exports
   * the Thread subclass (required when a subclass overrides `run()`).
   */
  module?: string | URL;
  /** Arguments for `target`, structured-cloned; library objects (Lock, Event, Value, Queue...) arrive as live handles. */
  args?: A;
  /** Default `Thread-N`, numbered process-wide. */
  name?: string;
  /** A daemon thread does not keep the program alive. Default: the creating thread's. */
  daemon?: boolean;
}

/** What {@linkcode Thread.excepthook} receives. */
export interface ExceptHookArgs {
  /** The error the thread's target threw, with its name, message and stack. */
  error: Error;
  /** The thread it came from. */
  thread: Thread;
}

/** What {@linkcode currentThread} and {@linkcode enumerate} describe. */
export interface ThreadInfo {
  /** `MainThread` on the main thread, else the thread's name. */
  readonly name: string;
  /** A number unique within the process (1 is the main thread). */
  readonly ident: number | null;
  /** Whether the thread is a daemon. */
  readonly daemon: boolean;
}

const WORKER_URL = new URL("./_entry.ts", import.meta.url);

/**
 * A function running in its own Web Worker, shaped like Python's
 * `threading.Thread`: `start()`, `join(timeout?)`, `isAlive()`, `name`,
 * `ident`, `daemon`, plus a forced `terminate()`.
 *
 * A thread shares no JavaScript objects with its creator: arguments are
 * structured-cloned, and shared state travels as the library's own types
 * (Lock, Value, SharedArray, Queue...), which arrive as live handles over the
 * same shared memory.
 *
 * An error thrown by the target does not reject `join()`: like Python's
 * `threading.excepthook`, {@linkcode Thread.excepthook} reports it (by
 * default on stderr as `Exception in thread NAME:` and the stack), and
 * `thread.error` keeps it.
 *
 * Subclassing works like Python's: override `run()`, export the class and
 * pass `{ module: import.meta.url }` to `super()`. The worker imports that
 * module, finds the export with the class's name, rebuilds the instance from
 * its own data fields (structured-cloned, without running the constructor
 * again) and calls `run()`.
 *
 * @example Subclass with run()
 * ```ts
 * import { Thread } from "@multitask/core/thread";
 *
 * export class DownloadTask extends Thread {
 *   file: string;
 *   constructor(file: string) {
 *     super({ module: import.meta.url });
 *     this.file = file;
 *   }
 *   override run() {
 *     console.log(`downloading ${this.file} in ${this.name}`);
 *   }
 * }
 * ```
 */
// deno-lint-ignore no-explicit-any
export class Thread<A extends unknown[] = any[]> implements AsyncDisposable {
  /**
   * Called with every error a thread's target throws (Python's
   * `threading.excepthook`). Replace it to log elsewhere or to collect errors.
   *
   * @example
   * ```ts
   * import { Thread } from "@multitask/core/thread";
   *
   * Thread.excepthook = ({ error, thread }) => {
   *   console.log(`${thread.name} failed: ${error.message}`);
   * };
   * ```
   */
  static excepthook: (args: ExceptHookArgs) => void = printException;

  /** Creates a thread; nothing runs until `start()`. */
  constructor(options: ThreadOptions<A> = {}) {
    const who = `thread${options.name ? ` '${options.name}'` : ""}`;
    checkOptions(options, who);
    const overridden = this.run !== Thread.prototype.run;
    const record: ThreadRecord = {
      name: options.name ?? nextName(),
      daemon: options.daemon ?? currentIdentity().daemon,
      ident: null,
      args: options.args ?? [],
      phase: "new",
      joiners: 0,
      finished: Promise.withResolvers<void>(),
    };
    if (options.module !== undefined) {
      record.module = normalizeModule(options.module, who);
    }
    if (options.target !== undefined) {
      record.target = options.target as Target;
      record.spec = describeTarget(options.target, options.module, who);
    } else if (!overridden) {
      throw new TypeError(
        `Cannot create ${who} as it has nothing to run: pass { target: fn }, or subclass Thread and override run().`,
      );
    }
    if (overridden && record.module === undefined) {
      throw new TypeError(
        `Cannot create ${
          new.target.name || "the Thread subclass"
        } as it overrides run() but its module is unknown: call super({ module: import.meta.url }) and export the class, so the thread's worker can import it.`,
      );
    }
    records.set(this, record);
  }

  /** The thread's name (`Thread-N` unless given); may be changed. */
  get name(): string {
    return state(this).name;
  }
  set name(value: string) {
    state(this).name = String(value);
  }

  /** A number unique within the process, set by `start()`; `null` before. */
  get ident(): number | null {
    return state(this).ident;
  }

  /** Whether the thread keeps the program alive (false) or not (true). Settable before `start()`. */
  get daemon(): boolean {
    return state(this).daemon;
  }
  set daemon(value: boolean) {
    const record = state(this);
    if (record.phase !== "new") {
      throw new RuntimeError(
        `Cannot set daemon status of ${record.name} as it has already started. Pass { daemon } to the constructor or set it before start().`,
      );
    }
    record.daemon = Boolean(value);
  }

  /** The target's return value once the thread has finished (when it could be cloned). */
  get result(): unknown {
    return state(this).result;
  }

  /** The error the target threw, once the thread has finished; `undefined` if none. */
  get error(): Error | undefined {
    return state(this).error;
  }

  /**
   * What the thread runs: by default the target with its arguments.
   * Subclasses override it; called directly it runs in the current thread.
   */
  run(): unknown {
    return runTarget(state(this));
  }

  /**
   * Starts the thread in a new Worker. Throws {@linkcode RuntimeError} if the
   * thread was already started, and TypeError if its arguments (or a
   * subclass's fields) cannot be cloned.
   */
  start(): void {
    const record = state(this);
    if (record.phase !== "new") {
      throw new RuntimeError(
        `Cannot start ${record.name} as threads can only be started once. Create a new Thread to run it again.`,
      );
    }
    const init = this.#init(record);
    const worker = spawnWorker(
      WORKER_URL,
      { name: record.name, unref: record.daemon },
      this.#events(record),
    );
    try {
      worker.post(init);
    } catch (error) {
      void worker.terminate();
      throw new TypeError(
        `Cannot start ${record.name} as its ${
          init.subclass ? "fields or arguments" : "arguments"
        } cannot be cloned into a worker: ${
          (error as Error).message
        }. Pass plain data, typed arrays, or the library's shareable objects (Lock, Event, Value, Queue...).`,
        { cause: error },
      );
    }
    record.ident = init.identity.ident;
    record.phase = "running";
    record.worker = worker;
    alive.add(this);
    if (record.daemon) worker.unref();
  }

  #init(record: ThreadRecord): ThreadInit {
    const identity: ThreadIdentity = {
      name: record.name,
      ident: nextIdent(),
      daemon: record.daemon,
    };
    // Instances of user classes are rebuilt from the module's exports, so
    // they can only travel when the worker imports a module.
    const options = { instances: record.module !== undefined };
    const init: ThreadInit = {
      identity,
      counters: countersBuffer(),
      args: encodeValue(record.args, "thread", options) as unknown[],
      spec: record.spec,
    };
    if (this.run !== Thread.prototype.run) {
      init.subclass = describeInstance(
        this,
        "Thread",
        record.module!,
        "thread",
      );
    }
    return init;
  }

  #events(record: ThreadRecord): WorkerEvents {
    return {
      message: (data) => {
        const report = data as ThreadReport;
        if (report.t === "idle") {
          void record.worker?.terminate();
          return;
        }
        const out = report.out;
        if (returnedAt(out, 0)) record.result = valueAt(out, 0);
        else this.#failed(record, errorAt(out, 0));
        this.#finish(record);
      },
      // Deno.exit in the thread ends it quietly, as SystemExit does a
      // Python thread; an uncaught error is reported like a thrown one.
      exit: (_code, error) => {
        if (error) this.#failed(record, error);
        this.#finish(record);
      },
    };
  }

  #failed(record: ThreadRecord, error: Error): void {
    if (record.phase !== "running") return;
    record.error = error;
    try {
      Thread.excepthook({ error, thread: this });
    } catch {
      // A broken hook must not take the joiners down with it.
    }
  }

  #finish(record: ThreadRecord): void {
    if (record.phase !== "running") return;
    record.phase = "done";
    alive.delete(this);
    record.finished.resolve();
  }

  /**
   * Waits until the thread finishes. With `timeout` (ms) it resolves after
   * that long even if the thread is still running, like Python: check
   * `isAlive()` afterwards. Rejects with {@linkcode RuntimeError} if the
   * thread was never started.
   */
  join(timeout?: number): Promise<void> {
    const record = state(this);
    if (record.phase === "new") {
      return Promise.reject(
        new RuntimeError(
          `Cannot join ${record.name} as it has not been started. Call start() first.`,
        ),
      );
    }
    if (record.phase === "done") return record.finished.promise;
    let ms: number;
    try {
      ms = checkTimeout(timeout, `join ${record.name}`);
    } catch (error) {
      return Promise.reject(error);
    }
    if (ms === Infinity) {
      return this.#holding(record, record.finished.promise);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    return this.#holding(
      record,
      Promise.race([record.finished.promise, expired]).finally(() =>
        clearTimeout(timer)
      ),
    );
  }

  // A daemon thread's worker is unref'd so it cannot keep the program
  // alive; while someone waits for it, it must.
  #holding(record: ThreadRecord, wait: Promise<void>): Promise<void> {
    const worker = record.worker;
    if (!record.daemon || !worker) return wait;
    if (record.joiners++ === 0) worker.ref();
    return wait.finally(() => {
      if (--record.joiners === 0) worker.unref();
    });
  }

  /** True from `start()` until the target returns, throws, or the thread is terminated. */
  isAlive(): boolean {
    return state(this).phase === "running";
  }

  /**
   * Stops the thread at once, wherever it is (its worker is terminated):
   * `finally` blocks do not run and locks it holds stay locked. Prefer a
   * stop flag (an Event) the target checks. Resolves once the worker is gone.
   */
  async terminate(): Promise<void> {
    const record = state(this);
    const worker = record.worker;
    this.#finish(record);
    if (worker) await worker.terminate();
  }

  /**
   * Python's repr: `<Thread(LoopThread, started 2)>`, with `initial` before
   * `start()`, `stopped` after the end, and ` daemon` for daemons.
   */
  toString(): string {
    const record = state(this);
    const status = record.phase === "new"
      ? "initial"
      : `${record.phase === "running" ? "started" : "stopped"} ${record.ident}`;
    return `<Thread(${record.name}, ${status}${
      record.daemon ? " daemon" : ""
    })>`;
  }

  /** Shows the same text as `toString()` in `console.log`. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** Terminates the thread if it is still running. */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.isAlive()) await this.terminate();
  }
}

function state(thread: Thread): ThreadRecord {
  const record = records.get(thread);
  if (!record) {
    throw new TypeError(
      "This Thread was not constructed: call super(options) in the subclass constructor.",
    );
  }
  return record;
}

function checkOptions(
  options: { args?: unknown; name?: unknown; daemon?: unknown },
  who: string,
): void {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot create thread as its options must be an object: received ${
        String(options)
      }`,
    );
  }
  if (options.args !== undefined && !Array.isArray(options.args)) {
    throw new TypeError(
      `Cannot create ${who} as 'args' must be an array: received ${typeof options
        .args}. Wrap a single argument: args: [value].`,
    );
  }
  if (options.name !== undefined && typeof options.name !== "string") {
    throw new TypeError(
      `Cannot create ${who} as 'name' must be a string: received ${typeof options
        .name}`,
    );
  }
  if (options.daemon !== undefined && typeof options.daemon !== "boolean") {
    throw new TypeError(
      `Cannot create ${who} as 'daemon' must be a boolean: received ${typeof options
        .daemon}`,
    );
  }
}

const encoder = new TextEncoder();

function printException({ error, thread }: ExceptHookArgs): void {
  const text = `Exception in thread ${thread.name}:\n${
    error.stack ?? `${error.name}: ${error.message}`
  }\n`;
  Deno.stderr.writeSync(encoder.encode(text));
}

/**
 * The thread this code runs in: `{ name: "MainThread", ident: 1 }` on the
 * main thread, the thread's own name and ident inside a {@linkcode Thread}
 * (from any depth of calls).
 *
 * @example
 * ```ts
 * import { currentThread } from "@multitask/core/thread";
 *
 * console.log(`thread ${currentThread().name} is running...`); // MainThread
 * ```
 */
export function currentThread(): ThreadInfo {
  return currentIdentity();
}

/**
 * The threads started from this thread that are still alive, plus the
 * current thread first. Threads started by other threads are not listed
 * (each Worker has its own memory), but they count in the process-wide
 * numbering of names and idents.
 *
 * @example
 * ```ts
 * import { enumerate } from "@multitask/core/thread";
 *
 * for (const t of enumerate()) console.log(t.name, t.ident);
 * ```
 */
export function enumerate(): ThreadInfo[] {
  return [currentIdentity(), ...alive as Set<Thread>];
}

/**
 * How many threads {@linkcode enumerate} lists: the current thread plus the
 * live threads it started.
 *
 * @example
 * ```ts
 * import { activeCount } from "@multitask/core/thread";
 *
 * console.log(activeCount()); // 1 when no thread is running
 * ```
 */
export function activeCount(): number {
  return alive.size + 1;
}
