// The worker side of a pool, shared by thread workers (_thread_entry.ts) and
// child processes (_child_entry.ts): keeps the targets it was sent (each shipped once, then
// called by id), runs batches one task at a time, and marks in shared memory
// which task is running so the pool knows which one a crash interrupted.

import {
  explainClosure,
  resolveTarget,
  type Target,
  type TargetSpec,
} from "../_crossing/target.ts";
import { setReturned, setThrew } from "../_crossing/outcome.ts";
import {
  decodeValue,
  encodeValue,
  loadCodecs,
  type ObjectImporter,
  type Route,
} from "../_crossing/codec.ts";
import {
  type DoneMessage,
  type InitMessage,
  MODE_HANDLES,
  MODE_MAP,
  MODE_STARMAP,
  type RunMessage,
} from "./_protocol.ts";

// Batches whose results a worker repeats as it exits (see flushPartial).
const RECENT = 4;

interface Entry {
  spec: TargetSpec;
  fn?: Target;
  failure?: unknown;
  ready: Promise<void>;
}

/** Runs the batches one pool worker receives, strictly one task at a time. */
export class PoolRunner {
  #targets = new Map<number, Entry>();
  #progress: Int32Array | undefined;
  #startedAt: Float64Array | undefined;
  #progressFile: FileMark | undefined;
  #seq = 0;
  #route: Route | undefined;
  #importer: ObjectImporter | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #pause: (() => Promise<void>) | undefined;
  // The running batch's results so far, for flushPartial().
  #out: unknown[] = [];
  #first = 0;
  #recent: { first: number; out: unknown[] }[] = [];
  #finished = 0;
  #reported = 0;

  /**
   * @param route How results holding library objects are encoded; none when
   * the channel encodes them itself (child processes).
   * @param importer How handles in arguments reach their owner.
   * @param pause Awaited before each batch (a child process lets its channel
   * write the previous batch's results first).
   */
  constructor(
    route?: Route,
    importer?: ObjectImporter,
    pause?: () => Promise<void>,
  ) {
    this.#route = route;
    this.#importer = importer;
    this.#pause = pause;
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
    if (message.progressFile) {
      this.#progressFile = FileMark.open(message.progressFile);
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
  run(message: RunMessage): Promise<DoneMessage> {
    if (message.defs) this.#define(message.defs);
    const pause = this.#pause;
    const next = pause
      ? this.#chain.then(pause).then(() => this.#runBatch(message.tasks))
      : this.#chain.then(() => this.#runBatch(message.tasks));
    this.#chain = next;
    return next;
  }

  #define(defs: unknown[]): void {
    for (let i = 0; i < defs.length; i += 2) {
      const spec = defs[i + 1] as TargetSpec;
      const entry: Entry = { spec, ready: Promise.resolve() };
      entry.ready = resolveTarget(spec).then(
        (fn) => void (entry.fn = fn),
        (error) => void (entry.failure = error),
      );
      this.#targets.set(defs[i] as number, entry);
    }
  }

  async #runBatch(tasks: unknown[]): Promise<DoneMessage> {
    const start = performance.now();
    const out: unknown[] = new Array((tasks.length / 3) * 2);
    this.#out = out;
    this.#first = this.#seq + 1;
    this.#finished = 0;
    this.#reported = 0;
    const progress = this.#progress;
    const file = this.#progressFile;
    for (let i = 0, k = 0; i < tasks.length; i += 3, k++) {
      const seq = ++this.#seq;
      const entry = this.#targets.get(tasks[i + 1] as number);
      // Loading the target's module is not the task's time (taskTimeout)
      // and not its fault: a module that kills the worker as it loads
      // fails the task that first needs it in a fresh worker.
      if (entry && !entry.fn && !entry.failure) await entry.ready;
      if (progress) {
        // The time first: the pool reads it once it sees this seq.
        this.#startedAt![0] = performance.timeOrigin + performance.now();
        Atomics.store(progress, 0, seq);
      } else file?.mark(seq);
      try {
        if (!entry) throw undefinedTarget();
        if (entry.failure) throw entry.failure;
        const mode = tasks[i] as number;
        let payload = tasks[i + 2];
        if (mode & MODE_HANDLES) {
          await loadCodecs(payload);
          payload = decodeValue(payload, this.#importer);
        }
        let value = call(entry.fn!, mode & ~MODE_HANDLES, payload);
        if (isThenable(value)) value = await value;
        setReturned(
          out,
          k,
          this.#route ? encodeValue(value, this.#route) : value,
        );
      } catch (error) {
        setThrew(out, k, error, entry?.spec);
      }
      if (progress) Atomics.store(progress, 1, seq);
      this.#finished++;
    }
    const unreported = this.#reported ? out.slice(this.#reported * 2) : out;
    this.#recent.push({ first: this.#first + this.#reported, out: unreported });
    if (this.#recent.length > RECENT) this.#recent.shift();
    this.#out = [];
    this.#finished = this.#reported = 0;
    return { t: "done", out: unreported, ms: performance.now() - start };
  }

  /**
   * The results of the running batch's finished tasks not sent yet, for a
   * worker about to exit (Deno.exit in a task): they are not lost with it.
   */
  flushPartial(): DoneMessage | undefined {
    const out = this.#out.slice(this.#reported * 2, this.#finished * 2);
    let first = this.#first + this.#reported;
    this.#reported = this.#finished;
    // The last batches' replies may still sit in a channel's buffer: repeat
    // them (the pool ignores results it already has).
    for (let i = this.#recent.length - 1; i >= 0; i--) {
      const batch = this.#recent[i];
      if (batch.first + batch.out.length / 2 !== first) break;
      first = batch.first;
      out.unshift(...batch.out);
    }
    this.#recent = [];
    return out.length ? { t: "done", out, ms: 0, first } : undefined;
  }
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
  const values: unknown[] = new Array(items.length);
  for (let k = 0; k < items.length; k++) {
    const value = spread ? fn(...(items[k] as unknown[])) : fn(items[k]);
    if (isThenable(value)) {
      return finishAsync(fn, items, spread, values, k, value);
    }
    values[k] = value;
  }
  return values;
}

async function finishAsync(
  fn: Target,
  items: unknown[],
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

// The started-task mark of a child process: 4 bytes at the start of a file.
class FileMark {
  #file: Deno.FsFile;
  #bytes = new Uint8Array(4);
  #view = new DataView(this.#bytes.buffer);

  constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  static open(path: string): FileMark | undefined {
    try {
      return new FileMark(Deno.openSync(path, { write: true }));
    } catch {
      return undefined; // no write access: crashes fail the whole batch
    }
  }

  mark(seq: number): void {
    this.#view.setInt32(0, seq, true);
    this.#file.seekSync(0, Deno.SeekMode.Start);
    this.#file.writeSync(this.#bytes);
  }
}
