// A pool worker as the core sees it, whatever it runs on: what a kind of
// worker supplies (PoolWorker, started by StartWorker) and what the core
// keeps about each one (Member).

import { deserializeError, type SerializedError } from "../_crossing/errors.ts";
import { SentTargets, type TargetSpec } from "../_crossing/target.ts";
import type { ObjectImporter, Route } from "../_crossing/codec.ts";
import type { RunMessage, WorkerReply } from "./_protocol.ts";
import { DONE, type Task } from "./_backend.ts";
import { WorkerCrashedError, WorkerOutOfMemoryError } from "../errors/pool.ts";
// It rebuilds errors, which needs every library error class loaded.
import "../errors/_registry.ts";

/** What the core hears from a worker. */
export interface WorkerEvents {
  reply(message: WorkerReply): void;
  /**
   * The worker is gone; `detail` says how when the driver knows more than
   * the code; `outOfMemoryMb`, that it reached this heap limit.
   */
  exit(code: number | null, detail?: string, outOfMemoryMb?: number): void;
}

/** What the core needs from a worker, whatever it runs on. */
export interface PoolWorker {
  /** How arguments are encoded for this worker; none: its channel does it. */
  readonly route: Route | undefined;
  /** How results from this worker are decoded. */
  readonly importer?: ObjectImporter;
  /** Extra words for the worker's name, e.g. "process 1234". */
  readonly label: string;
  send(message: RunMessage, transfer: Transferable[]): void;
  /** How far the worker got, when it shares that. */
  progress(): Progress | undefined;
  /** Whether the worker should keep the program alive (it has work). */
  ref(busy: boolean): void;
  /** Stops the worker now, even if stuck; resolves once it is gone. */
  kill(): Promise<void>;
  /** Lets an idle worker exit cleanly; resolves once it is gone. */
  stop(): Promise<void>;
}

/** Where a worker is in the tasks it was sent, by sequence number. */
export interface Progress {
  /** The task started last. */
  started: number;
  /** The task finished last. */
  finished: number;
  /** When `started` started (performance.timeOrigin + now()), if known. */
  startedAt?: number;
}

/** Starts one worker; its first message is the init with these settings. */
export type StartWorker = (
  name: string,
  setup: WorkerSetup,
  events: WorkerEvents,
) => PoolWorker;

/** What a kind of worker brings to the core. */
export interface WorkerKind {
  start: StartWorker;
  /** Most tasks in one batch. */
  maxBatch: number;
  /**
   * Whether an idle worker can stop keeping the program alive (a child
   * process is unref'd); a Web Worker cannot, so it keeps the program alive
   * for as long as it idles.
   */
  unrefIdle: boolean;
  /**
   * The pool's idleTimeout when it sets none, in ms (Infinity: idle workers
   * stay): a thread worker retires soon, so that a pool nobody closed lets
   * the program end; an unref'd child costs only its memory.
   */
  idleTimeout: number;
}

/** The per-worker settings. */
export interface WorkerSetup {
  initializer?: TargetSpec;
  initargs?: unknown[];
}

/** A running worker and the tasks it holds. */
export class Member {
  /** Tasks sent, in order; those before `head` are settled. */
  readonly inflight: Task[] = [];
  head = 0;
  /** Sizes of the batches sent and not answered yet, oldest first. */
  readonly batches: number[] = [];
  /** The target definitions this worker was sent. */
  readonly targets = new SentTargets();
  sent = 0;
  used = 0;
  dead = false;
  crash: SerializedError | undefined = undefined;
  initFailure: SerializedError | undefined = undefined;
  worker!: PoolWorker;
  runTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** Runs an exclusive task: nothing may be queued behind it. */
  exclusive = false;
  /** It sent back the results of a batch (it got past its start). */
  answered = false;
  /** When it last ran out of work (performance.now()). */
  idleSince = 0;
  /** Resolves once a worker the core stopped is gone. */
  gone: Promise<void> | undefined = undefined;

  constructor(readonly name: string) {}

  get busy(): boolean {
    return this.head < this.inflight.length;
  }

  /** The unsettled task sent to this worker with sequence number `seq`, if any. */
  held(seq: number): Task | undefined {
    for (let i = this.head; i < this.inflight.length; i++) {
      if (this.inflight[i].seq === seq) return this.inflight[i];
    }
    return undefined;
  }

  get label(): string {
    return `${this.name} (${this.worker.label})`;
  }

  /** How the worker died, for the message of the error its task gets. */
  #deathReason(code: number | null, detail?: string): string {
    if (this.initFailure) {
      const e = this.initFailure;
      return `could not start, as its initializer threw ${e.name}: ${e.message},`;
    }
    if (this.crash) {
      const e = this.crash;
      return `crashed, as an error escaped the task (thrown from a callback or an unhandled rejection: ${e.name}: ${e.message}),`;
    }
    if (detail) return detail;
    return code === null
      ? "stopped unexpectedly"
      : `exited with code ${code} (did the task call Deno.exit()?)`;
  }

  /** The errors the tasks of this worker, which died, get. */
  crashError(
    code: number | null,
    detail?: string,
    outOfMemoryMb?: number,
  ): (task: Task, lost: boolean) => Error {
    if (outOfMemoryMb !== undefined && !this.initFailure) {
      return this.#outOfMemory(outOfMemoryMb);
    }
    const reason = this.#deathReason(code, detail);
    const e = this.initFailure ?? this.crash;
    const cause = e ? deserializeError(e) : undefined;
    return (_task, lost) =>
      new WorkerCrashedError(
        this.label,
        lost
          ? `Worker ${this.label} ${reason} after this task finished but before its result was sent back; its result is lost.`
          : `Worker ${this.label} ${reason} while running this task. The pool replaced the worker; only the tasks it held failed.`,
        code,
        { cause },
      );
  }

  #outOfMemory(mb: number): (task: Task, lost: boolean) => Error {
    const reason =
      `ran out of memory: its JavaScript heap reached the pool's maxMemoryMb of ${mb} MB, and V8 stopped it,`;
    const fix =
      "Raise maxMemoryMb, or have the task hold less at once (process its data in chunks, stream it).";
    return (_task, lost) =>
      new WorkerOutOfMemoryError(
        this.label,
        lost
          ? `Worker ${this.label} ${reason} after this task finished but before its result was sent back; its result is lost. ${fix}`
          : `Worker ${this.label} ${reason} while running this task. The pool replaced the worker; only the tasks it held failed. ${fix}`,
        mb,
      );
  }

  /**
   * Empties the worker, which died (or is stopped for `culprit`'s sake),
   * sorting the tasks it held: `retry` those it never started, and those
   * cut short for the culprit; `failed` the others, with whether their
   * result was lost after they finished. A worker that died before starting
   * any task (its initializer failed, it could not load) would kill every
   * replacement too: its tasks fail rather than retry forever.
   */
  takeHeld(culprit: Task | undefined): {
    retry: Task[];
    failed: [Task, boolean][];
  } {
    const progress = this.worker.progress();
    const stillborn = !culprit &&
      (this.initFailure !== undefined || progress?.started === 0);
    const retry: Task[] = [];
    const failed: [Task, boolean][] = [];
    // Batches run in order: those after the first unanswered one never started.
    const headEnd = this.head + (this.batches[0] ?? 0);
    for (let i = this.head; i < this.inflight.length; i++) {
      const task = this.inflight[i];
      if (task.state === DONE || task === culprit) continue;
      const unstarted = progress ? task.seq > progress.started : i >= headEnd;
      const lost = progress !== undefined && task.seq <= progress.finished;
      if ((unstarted && !stillborn) || (culprit && !lost)) retry.push(task);
      else failed.push([task, lost]);
    }
    this.inflight.length = 0;
    this.head = 0;
    return { retry, failed };
  }

  clearRunTimer(): void {
    if (this.runTimer === undefined) return;
    clearTimeout(this.runTimer);
    this.runTimer = undefined;
  }
}
