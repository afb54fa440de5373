// Per-isolate thread bookkeeping shared by thread.ts and the worker entry
// _entry.ts: who "the current thread" is, the process-wide counters for
// names and idents, and the records behind Thread objects.
//
// Thread state lives in a WeakMap keyed by the Thread object rather than in
// #private fields because a subclass instance is rebuilt inside its worker
// with Object.create (its constructor must not run twice), and #private
// fields cannot be added to an object after construction; the worker entry
// fills the map for the rebuilt instance instead.

import type { WorkerPort } from "../_crossing/worker_port.ts";
import type { Target, TargetSpec } from "../_crossing/target.ts";
import type { Outcomes } from "../_crossing/outcome.ts";
import type { InstanceInit } from "../_crossing/rebuild.ts";

/** What `currentThread()` reports. */
export interface ThreadIdentity {
  readonly name: string;
  readonly ident: number;
  readonly daemon: boolean;
}

/** Everything a Thread object knows about itself. */
export interface ThreadRecord {
  name: string;
  daemon: boolean;
  ident: number | null;
  /** The target as given (main side); absent in a worker's rebuilt copy. */
  target?: Target;
  spec?: TargetSpec;
  module?: string;
  args: unknown[];
  phase: "new" | "running" | "done";
  worker?: WorkerPort;
  /** How many join() calls are waiting (a daemon's worker is ref'd meanwhile). */
  joiners: number;
  finished: PromiseWithResolvers<void>;
  result?: unknown;
  error?: Error;
}

export const records: WeakMap<object, ThreadRecord> = new WeakMap();

/** Threads started from this isolate that have not finished. */
export const alive: Set<object> = new Set();

const MAIN: ThreadIdentity = Object.freeze({
  name: "MainThread",
  ident: 1,
  daemon: false,
});

let current: ThreadIdentity = MAIN;

// [0]: last number used in a "Thread-N" name, [1]: last ident handed out.
// One SharedArrayBuffer per process: each worker adopts its parent's, so
// names and idents stay unique across nested threads.
let counters: Int32Array | undefined;

function shared(): Int32Array {
  if (!counters) {
    counters = new Int32Array(new SharedArrayBuffer(8));
    counters[1] = MAIN.ident;
  }
  return counters;
}

/** The counters' buffer, handed to every worker this isolate starts. */
export function countersBuffer(): SharedArrayBuffer {
  return shared().buffer as SharedArrayBuffer;
}

/**
 * Makes this isolate a thread named `identity.name`: called by the Thread
 * worker entry before any user code runs, and usable by any other worker
 * loop (a pool worker) so that currentThread() reports its name there.
 * With `buffer` (the starting isolate's countersBuffer()), names and idents
 * of threads started from here stay unique process-wide.
 */
export function enterThread(
  identity: ThreadIdentity,
  buffer?: SharedArrayBuffer,
): void {
  if (buffer) counters = new Int32Array(buffer);
  current = Object.freeze({ ...identity });
}

export function currentIdentity(): ThreadIdentity {
  return current;
}

export function nextName(): string {
  return `Thread-${Atomics.add(shared(), 0, 1) + 1}`;
}

export function nextIdent(): number {
  return Atomics.add(shared(), 1, 1) + 1;
}

/** What a thread's worker receives first. */
export interface ThreadInit {
  identity: ThreadIdentity;
  counters: SharedArrayBuffer;
  /** Encoded with encodeValue(..., "thread"). */
  args: unknown[];
  spec?: TargetSpec;
  /** Present when a Thread subclass overrides run(). */
  subclass?: InstanceInit;
}

/** What a thread's worker posts back: its one outcome, then that it is idle. */
export type ThreadReport =
  | { t: "done"; out: Outcomes }
  | { t: "idle" };
