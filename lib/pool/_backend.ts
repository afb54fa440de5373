// What the Pool facade drives. The facade (pool.ts) turns calls into Tasks,
// checks options and gathers results; a backend queues the tasks, runs them
// somewhere and settles each one exactly once. PoolCore is the backend of the
// "thread" and "process" kinds; another kind (workers on other machines)
// plugs in under the same methods by registering a factory.

import type { TargetDef, TargetSpec } from "../_crossing/target.ts";
import type { PoolOptions, PoolStats } from "./_options.ts";

/** How a worker runs a task's payload. */
export const MODE_APPLY = 0; // payload: the argument list
export const MODE_MAP = 1; // payload: items, fn(item) for each
export const MODE_STARMAP = 2; // payload: argument lists, fn(...args) for each

/** Where a task is in its life; a backend moves it forward, never back but to QUEUED. */
export const NEW = -1, QUEUED = 0, RUNNING = 1, DONE = 2;

/**
 * One unit of work: a call, or a chunk of a map. The facade fills the first
 * fields; the rest is the backend's bookkeeping, kept on the task itself so
 * that a tiny task costs one object.
 */
export class Task {
  state = NEW;
  transfer: Transferable[] | undefined = undefined;
  /** Backend bookkeeping: the worker holding it, its sequence number there... */
  member: unknown = undefined;
  seq = 0;
  timer: ReturnType<typeof setTimeout> | undefined = undefined;
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
  /** Runs alone in its batch, because its worker may have to be killed. */
  exclusive = false;
  /** Lower runs first among queued tasks (see _task_queue.ts). */
  priority = 0;
  /** Submission number among tasks of a non-default priority (FIFO ties). */
  order = 0;
  /** When it was queued (performance.now()), for the wait-time statistics. */
  queuedAt = 0;
  /** Receives what the task passes to progress() (its mode has MODE_PROGRESS). */
  onProgress: ((value: unknown) => void) | undefined = undefined;

  constructor(
    readonly mode: number,
    readonly target: TargetDef,
    readonly payload: unknown,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
  ) {}
}

/** What a Pool needs from whatever runs its tasks. */
export interface PoolBackend {
  /** Most workers run at once; `map` splits its input by it. */
  readonly size: number;
  /** False once close() or terminate() ran. */
  readonly open: boolean;
  /** The numbers behind `Pool.stats`. */
  stats(): PoolStats;
  /**
   * Takes a NEW task (a dropped one is ignored) and settles it exactly once:
   * resolve with its value, or reject (its error, a crash, `timeout` ms
   * passed, `signal` aborted, the pool is closed or full).
   */
  submit(task: Task, timeout: number, signal: AbortSignal | undefined): void;
  /**
   * Back-pressure: true while queued tasks reach the drain threshold (the
   * pool's `maxQueue`, else size²). Absent: the kind has no local queue.
   */
  readonly needsDrain?: boolean;
  /** Resolves once `needsDrain` is false. */
  drained?(): Promise<void>;
  /** Forgets a task that has not started; a running one is left to finish. */
  drop(task: Task): void;
  /** Accepts no more tasks; queued and running ones finish. */
  close(): void;
  /** Resolves once closed, every task settled and every worker gone. */
  finished(): Promise<void>;
  /** Stops everything now; unsettled tasks reject with PoolClosedError. */
  terminate(): Promise<void>;
}

/** What a backend is built from: the pool's options, already validated. */
export interface BackendSettings {
  /** The pool's name, for worker names and errors ("Pool-1"). */
  name: string;
  /** maxSize: the most workers at once. */
  size: number;
  /** Workers started up front and kept while the pool is open. */
  minSize: number;
  /** Milliseconds a worker above minSize idles before it retires (Infinity: never); undefined: the kind's default. */
  idleTimeout?: number;
  maxTasksPerWorker: number;
  maxQueue: number;
  taskTimeout: number;
  /** The pool's module as an absolute URL. */
  module?: string;
  initializer?: TargetSpec;
  initargs?: unknown[];
  /** Everything the caller passed, for a kind's own options. */
  options: PoolOptions;
}

/** Builds the backend of one kind of pool. */
export type BackendFactory = (settings: BackendSettings) => PoolBackend;

const kinds = new Map<string, BackendFactory>();

/** Makes `new Pool({ kind })` build its backend with `factory`. */
export function registerBackend(kind: string, factory: BackendFactory): void {
  kinds.set(kind, factory);
}

/** The factory of `kind`, if one was registered. */
export function backendOf(kind: string): BackendFactory | undefined {
  return kinds.get(kind);
}

/** The kinds `new Pool` accepts now. */
export function knownKinds(): string[] {
  return [...kinds.keys()];
}
