// How a Pool gathers the results of many tasks: `map` fills one array in
// input order; `imap` / `imapUnordered` read their input ahead by a bounded
// window and yield results in order (or as they come), failing at the first
// error in input order.

import type { TargetDef } from "../_crossing/target.ts";
import { MODE_MAP, type PoolBackend, Task } from "./_backend.ts";
import { checkIterable, type PoolProgress } from "./_options.ts";

type Progress = ((progress: PoolProgress) => void) | undefined;

/** How a map call cuts and submits its input. */
export interface Cut {
  chunksize: number;
  progress: Progress;
  /** Every chunk's priority (see Task.priority). */
  priority: number;
}

/**
 * Submits `list` in chunks and resolves with the results in input order; the
 * first error rejects and drops the chunks not started yet.
 */
export function gatherAll(
  backend: PoolBackend,
  target: TargetDef,
  mode: number,
  list: unknown[],
  { chunksize, progress, priority }: Cut,
): Promise<unknown[]> {
  const results: unknown[] = new Array(list.length);
  if (list.length === 0) return Promise.resolve(results);
  const { promise, resolve, reject } = Promise.withResolvers<unknown[]>();
  let done = 0;
  let failed = false;
  const tasks: Task[] = [];
  const numbers = mode === MODE_MAP && allNumbers(list);
  for (let start = 0; start < list.length; start += chunksize) {
    const chunk = numbers
      ? Float64Array.from(list.slice(start, start + chunksize) as number[])
      : list.slice(start, start + chunksize);
    const task = new Task(mode, target, chunk, (values) => {
      const array = values as unknown[];
      for (let k = 0; k < array.length; k++) results[start + k] = array[k];
      done += array.length;
      progress?.({ done, total: list.length });
      if (done === list.length) resolve(results);
    }, (error) => {
      if (failed) return;
      failed = true;
      for (const t of tasks) backend.drop(t);
      reject(error);
    });
    task.priority = priority;
    tasks.push(task);
  }
  for (const task of tasks) backend.submit(task, 0, undefined);
  return promise;
}

/**
 * Whether every item is a number. A map's chunk of numbers crosses as one
 * Float64Array (a copy of its bytes) instead of an array of cloned slots:
 * 1M numbers crossed ~3× faster that way (bench/bounds_bench.ts), and a
 * Float64Array holds every number exactly (-0 and NaN included), so `fn`
 * sees the same values.
 */
function allNumbers(list: unknown[]): boolean {
  for (let i = 0; i < list.length; i++) {
    if (typeof list[i] !== "number") return false;
  }
  return true;
}

/** Yields the results of `fn` over `items`, in order or as they come. */
export async function* gatherEach(
  backend: PoolBackend,
  target: TargetDef,
  items: Iterable<unknown> | AsyncIterable<unknown>,
  ordered: boolean,
  cut: Cut,
): AsyncGenerator<unknown> {
  const gather = new Gather(ordered, cut.progress);
  feed(backend, target, items, cut, gather);
  try {
    yield* gather.results();
  } finally {
    gather.stop();
    for (const task of gather.tasks) backend.drop(task);
  }
}

async function feed(
  backend: PoolBackend,
  target: TargetDef,
  items: Iterable<unknown> | AsyncIterable<unknown>,
  { chunksize, priority }: Cut,
  gather: Gather,
): Promise<void> {
  // Input is read ahead by a bounded number of chunks (running, queued or
  // not yet consumed), so an endless generator works and memory stays flat.
  const window = Math.max(64, backend.size * 8);
  let chunk: unknown[] = [];
  const flush = () => {
    if (chunk.length === 0) return;
    const task = gather.task(target, chunk);
    task.priority = priority;
    chunk = [];
    backend.submit(task, 0, undefined);
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

/** Collects chunk results for imap/imapUnordered and hands them out in order (or as they come). */
export class Gather {
  readonly tasks = new Set<Task>();
  stopped = false;
  #ordered: boolean;
  #progress: Progress;
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

  constructor(ordered: boolean, progress: Progress) {
    this.#ordered = ordered;
    this.#progress = progress;
  }

  task(target: TargetDef, chunk: unknown[]): Task {
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
