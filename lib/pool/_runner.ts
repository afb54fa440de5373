// The worker side of a pool, shared by thread workers (_thread_entry.ts) and
// child processes (_child_entry.ts): knows the targets it was sent (each
// shipped once, then called by id), runs batches one task at a time, and
// records how far it got so the pool can tell, if the worker dies, which task
// it was running: in shared memory (a thread), or in the journal, with every
// finished result, before the next task starts (a child process).

import {
  explainClosure,
  ReceivedTargets,
  resolveTarget,
  type Target,
} from "../_crossing/target.ts";
import { type Outcomes, setReturned, setThrew } from "../_crossing/outcome.ts";
import {
  decodeValue,
  encodeValue,
  loadCodecs,
  type ObjectExporter,
  type ObjectImporter,
} from "../_crossing/codec.ts";
import {
  type InitMessage,
  MODE_HANDLES,
  MODE_MAP,
  MODE_PROGRESS,
  MODE_STARMAP,
  type RunMessage,
} from "./_protocol.ts";
import type { AsyncLocalStorage } from "node:async_hooks";
import type { Journal } from "./_journal.ts";
import type { OutcomeRecord } from "../_crossing/outcome_bytes.ts";

/** How a runner's results leave it. */
export type RunnerRoute =
  /** To the thread that owns the pool: structured clone, shared memory shared. */
  | { thread: true }
  /** To another process: each result through the payload rule (encode), then the journal. */
  | {
    thread?: false;
    /** Where library objects in results are exported. */
    exporter: ObjectExporter;
    /** Puts call k of out in its sending form and returns its journal record. */
    encode(out: Outcomes, k: number, exporter: ObjectExporter): OutcomeRecord;
    /** Opens the journal init names (injected: thread workers must not load it). */
    openJournal(path: string): Journal | undefined;
  };

/** Where progress(value) of the task with sequence number `seq` goes. */
export type ProgressSink = (seq: number, value: unknown) => void;

// progress() (progress.ts) calls what is installed here. The running task's
// sequence number rides an AsyncLocalStorage, so a timer a finished task
// left behind reports under its own task (which the pool then ignores);
// only tasks whose caller listens run inside it, so others pay nothing.
const REPORTER = Symbol.for("@multitask/core/pool.progress");
let progressContext: AsyncLocalStorage<number> | undefined;

async function listening(
  sink: ProgressSink,
): Promise<AsyncLocalStorage<number>> {
  if (progressContext) return progressContext;
  const { AsyncLocalStorage } = await import("node:async_hooks");
  const context = progressContext = new AsyncLocalStorage<number>();
  (globalThis as Record<symbol, unknown>)[REPORTER] = (value: unknown) => {
    const seq = context.getStore();
    if (seq !== undefined) sink(seq, value);
  };
  return context;
}

/** The results of one batch. */
export interface BatchResult {
  out: Outcomes;
  /** Milliseconds spent running it (for batch sizing). */
  ms: number;
}

/** Runs the batches one pool worker receives, strictly one task at a time. */
export class PoolRunner {
  #targets = new ReceivedTargets();
  #progress: Int32Array | undefined;
  #startedAt: Float64Array | undefined;
  #journal: Journal | undefined;
  #seq = 0;
  #route: RunnerRoute;
  #importer: ObjectImporter | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #pause: (() => Promise<void>) | undefined;
  /** Where progress() goes; none: this runner's tasks cannot report it. */
  progressSink: ProgressSink | undefined;
  // The running batch's results so far, for flushPartial().
  #out: Outcomes = [];
  #first = 0;
  #finished = 0;
  #reported = 0;

  /**
   * @param route How results leave (see RunnerRoute).
   * @param importer How handles in arguments reach their owner.
   * @param pause Awaited before each batch (a child process waits until the
   * previous batch's results are written to its socket).
   */
  constructor(
    route: RunnerRoute,
    importer?: ObjectImporter,
    pause?: () => Promise<void>,
  ) {
    this.#route = route;
    this.#importer = importer;
    this.#pause = pause;
  }

  /** The journal, once init opened it (child processes). */
  get journal(): Journal | undefined {
    return this.#journal;
  }

  /**
   * Applies the init message; batches that arrive meanwhile wait for it. The
   * initializer's failure is returned, not thrown.
   */
  init(message: InitMessage): Promise<unknown> {
    if (message.progress) {
      this.#progress = new Int32Array(message.progress, 0, 2);
      this.#startedAt = new Float64Array(message.progress, 8, 1);
    }
    const route = this.#route;
    if (message.journal && !route.thread) {
      this.#journal = route.openJournal(message.journal);
    }
    const done = this.#initialize(message);
    this.#chain = done;
    return done;
  }

  async #initialize(message: InitMessage): Promise<unknown> {
    if (!message.initializer) return undefined;
    const spec = message.initializer;
    try {
      const fn = await resolveTarget(spec);
      const raw = message.initargs ?? [];
      await loadCodecs(raw);
      const args = decodeValue(raw, this.#importer) as unknown[];
      await fn(...args);
      return undefined;
    } catch (error) {
      return explainClosure(error, spec);
    }
  }

  /**
   * Queues a batch behind the ones already running (batches may arrive
   * while a task awaits) and resolves with its results.
   */
  run(message: RunMessage): Promise<BatchResult> {
    if (message.defs) this.#targets.define(message.defs);
    const pause = this.#pause;
    const next = pause
      ? this.#chain.then(pause).then(() => this.#runBatch(message.tasks))
      : this.#chain.then(() => this.#runBatch(message.tasks));
    this.#chain = next;
    return next;
  }

  async #runBatch(tasks: unknown[]): Promise<BatchResult> {
    const start = performance.now();
    const n = tasks.length / 3;
    const out: Outcomes = new Array(n * 2);
    const route = this.#route;
    this.#out = out;
    this.#first = this.#seq + 1;
    this.#finished = 0;
    this.#reported = 0;
    const journal = this.#journal;
    journal?.restart(this.#seq);
    for (let i = 0, k = 0; i < tasks.length; i += 3, k++) {
      const seq = ++this.#seq;
      const entry = this.#targets.get(tasks[i + 1] as number);
      // Loading the target's module is not the task's time (taskTimeout)
      // and not its fault: a module that kills the worker as it loads
      // fails the task that first needs it in a fresh worker.
      if (entry && !entry.fn && !entry.failed) {
        journal?.flush();
        await entry.ready;
      }
      this.#started(seq);
      try {
        if (!entry) throw undefinedTarget();
        if (entry.failed) throw entry.failed.error;
        const mode = tasks[i] as number;
        let payload = tasks[i + 2];
        if (mode & MODE_HANDLES) {
          await loadCodecs(payload);
          payload = decodeValue(payload, this.#importer);
        }
        const sink = mode & MODE_PROGRESS ? this.progressSink : undefined;
        const fn = entry.fn!, how = mode & ~(MODE_HANDLES | MODE_PROGRESS);
        let value = sink
          ? (await listening(sink)).run(seq, () => call(fn, how, payload))
          : call(fn, how, payload);
        if (isThenable(value)) value = await value;
        setReturned(
          out,
          k,
          route.thread ? encodeValue(value, "thread") : value,
        );
      } catch (error) {
        setThrew(out, k, error, entry?.spec);
      }
      if (route.thread) {
        if (this.#progress) Atomics.store(this.#progress, 1, seq);
      } else {
        const record = route.encode(out, k, route.exporter);
        journal?.finished(seq, out, k, record);
      }
      this.#finished++;
    }
    journal?.flush();
    const reported = this.#reported;
    this.#out = [];
    this.#finished = this.#reported = 0;
    return {
      out: reported ? out.slice(reported * 2) : out,
      ms: performance.now() - start,
    };
  }

  #started(seq: number): void {
    const progress = this.#progress;
    if (progress) {
      // The time first: the pool reads it once it sees this seq.
      this.#startedAt![0] = performance.timeOrigin + performance.now();
      Atomics.store(progress, 0, seq);
    } else this.#journal?.started(seq);
  }

  /**
   * The results of the running batch's finished tasks not sent yet, for a
   * thread worker about to exit (Deno.exit in a task, an escaped error):
   * they go to the pool before it goes. (A child process has its journal.)
   */
  flushPartial(): { out: Outcomes; first: number } | undefined {
    const out = this.#out.slice(this.#reported * 2, this.#finished * 2);
    const first = this.#first + this.#reported;
    this.#reported = this.#finished;
    return out.length ? { out, first } : undefined;
  }
}

/** progress() was given a value that cannot reach the caller. */
export function unsendableProgress(error: unknown): TypeError {
  return new TypeError(
    `Cannot report progress as its value cannot be sent to the caller: ${
      (error as Error)?.message ?? error
    }. Report plain data (numbers, strings, arrays, objects...).`,
    { cause: error },
  );
}

// The batch that carried the target's definition failed on its way after
// this one had left; later batches carry it again.
function undefinedTarget(): Error {
  return new Error(
    "The pool worker was never sent this task's function: the batch carrying its definition could not be sent (see that task's error). Submit the task again.",
  );
}

function call(fn: Target, mode: number, payload: unknown): unknown {
  if (mode === MODE_MAP) return mapChunk(fn, payload as unknown[], false);
  if (mode === MODE_STARMAP) return mapChunk(fn, payload as unknown[], true);
  return fn(...(payload as unknown[]));
}

// A chunk of a map: the results in order; any error fails the whole chunk,
// as in Python. Sync functions stay sync so tiny items cost no awaits.
function mapChunk(fn: Target, items: unknown[], spread: boolean): unknown {
  if (items instanceof Float64Array) return mapNumbers(fn, items);
  return mapFrom(fn, items, spread, new Array(items.length), 0);
}

// Maps items k... into `values`, going async at the first thenable.
function mapFrom(
  fn: Target,
  items: ArrayLike<unknown>,
  spread: boolean,
  values: unknown[],
  k: number,
): unknown {
  for (; k < items.length; k++) {
    const value = spread ? fn(...(items[k] as unknown[])) : fn(items[k]);
    if (isThenable(value)) {
      return finishAsync(fn, items, spread, values, k, value);
    }
    values[k] = value;
  }
  return values;
}

// The Float64Arrays mapNumbers made: nobody else holds them, so a thread
// worker hands their bytes over (transfer) instead of copying them.
const ownResults = new WeakSet<Float64Array>();

/** The buffers of the batch's results that only the runner holds, to transfer. */
export function ownedBuffers(out: Outcomes): ArrayBuffer[] | undefined {
  let buffers: ArrayBuffer[] | undefined;
  for (let k = 1; k < out.length; k += 2) {
    const value = out[k];
    if (value instanceof Float64Array && ownResults.has(value)) {
      (buffers ??= []).push(value.buffer as ArrayBuffer);
    }
  }
  return buffers;
}

// A chunk of numbers (see allNumbers in _gather.ts): while the results are
// numbers too they go back as one Float64Array; the first that is not turns
// them into a plain array.
function mapNumbers(fn: Target, items: Float64Array): unknown {
  const numbers = new Float64Array(items.length);
  ownResults.add(numbers);
  for (let k = 0; k < items.length; k++) {
    const value = fn(items[k]);
    if (typeof value === "number") {
      numbers[k] = value;
      continue;
    }
    const values: unknown[] = Array.from(numbers.subarray(0, k));
    values.length = items.length;
    if (isThenable(value)) {
      return finishAsync(fn, items, false, values, k, value);
    }
    values[k] = value;
    return mapFrom(fn, items, false, values, k + 1);
  }
  return numbers;
}

async function finishAsync(
  fn: Target,
  items: ArrayLike<unknown>,
  spread: boolean,
  values: unknown[],
  k: number,
  pending: PromiseLike<unknown>,
): Promise<unknown[]> {
  values[k] = await pending;
  for (k++; k < items.length; k++) {
    values[k] = await (spread ? fn(...(items[k] as unknown[])) : fn(items[k]));
  }
  return values;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" &&
    typeof (value as { then?: unknown }).then === "function";
}
