// The one way this library starts a worker thread, and the worker's way back
// to its parent. Thread and the thread pool both use it.
//
// Which Worker: a Web Worker. It starts in about a third of the time of a
// node:worker_threads Worker (16 vs 54 ms start to first reply here; the
// latter boots Node compatibility in the new isolate) and takes about two
// thirds of its memory. But Deno gives a Web Worker no public way to stop
// keeping the program alive, and a daemon thread must not: so a port opened
// with `{ unref: true }` is a node:worker_threads Worker, whose documented
// `worker.unref()` / `worker.ref()` is the public switch. (Idle pool workers
// need no switch: the pool retires them instead, see lib/pool/_core.ts.)
//
// Both kinds look the same from both sides: the parent gets every message and
// exactly one `exit` when the worker ends on its own (Deno.exit, an uncaught
// error, close()); the worker gets `connectParent()` (parent_port.ts, apart
// so that a worker loads only its side), which also reports its exit code
// before Deno.exit lets it go (a Web Worker otherwise vanishes without a
// word).

import { EXIT, type ExitNote } from "./parent_port.ts";

/** What the starting side can do with a worker. */
export interface WorkerPort {
  /** Structured-clones `message` to the worker; throws DataCloneError. */
  post(message: unknown, transfer?: Transferable[]): void;
  /** Lets the worker keep the program alive again (ports opened with `unref`). */
  ref(): void;
  /** Stops the worker from keeping the program alive (ports opened with `unref`). */
  unref(): void;
  /** Stops the worker wherever it is; no event follows. Resolves once it is gone. */
  terminate(): Promise<void>;
}

/** What the starting side hears. */
export interface WorkerEvents {
  message(data: unknown): void;
  /**
   * The worker ended on its own: `code` is what it passed to Deno.exit (0
   * when it closed itself), `error` the uncaught error that ended it.
   */
  exit(code: number, error?: Error): void;
}

/** How to start a worker. */
export interface SpawnOptions {
  /** The worker's name (Deno shows it in uncaught errors). */
  name: string;
  /** The worker may have to stop keeping the program alive (daemon threads). */
  unref?: boolean;
}

function isExitNote(data: unknown): data is ExitNote {
  return typeof data === "object" && data !== null && EXIT in data;
}

/** Starts the worker module `url`. */
export function spawnWorker(
  url: URL,
  options: SpawnOptions,
  events: WorkerEvents,
): WorkerPort {
  let ended = false;
  const life: Life = {
    events,
    end(code, error) {
      if (ended) return;
      ended = true;
      events.exit(code, error);
    },
    stop: () => void (ended = true),
  };
  return options.unref
    ? spawnNode(url, options.name, life)
    : spawnWeb(url, options.name, life);
}

// One worker's events, with its exit reported once and never after stop().
interface Life {
  events: WorkerEvents;
  end(code: number, error?: Error): void;
  stop(): void;
}

function spawnWeb(
  url: URL,
  name: string,
  { events, end, stop }: Life,
): WorkerPort {
  const worker = new Worker(url, { type: "module", name });
  worker.onmessage = (event) => {
    if (!isExitNote(event.data)) return events.message(event.data);
    // The worker is on its way out; terminating releases it here at once.
    worker.terminate();
    end(event.data[EXIT]);
  };
  worker.onerror = (event) => {
    // Handled here: without this the error would also end the whole program.
    event.preventDefault();
    worker.terminate();
    end(1, errorFromEvent(event));
  };
  worker.onmessageerror = () => {
    worker.terminate();
    end(
      1,
      new TypeError("A message from the worker could not be deserialized."),
    );
  };
  return {
    post: (data, transfer) =>
      transfer?.length
        ? worker.postMessage(data, transfer)
        : worker.postMessage(data),
    ref: () => {},
    unref: () => {},
    terminate: () => {
      stop();
      worker.terminate();
      return Promise.resolve();
    },
  };
}

// Deno gives the parent only the text ("Uncaught RangeError: boom"); the
// worker's prologue reports errors itself, so this is for what escapes it.
function errorFromEvent(event: ErrorEvent): Error {
  if (event.error instanceof Error) return event.error;
  const text = String(event.message ?? "").replace(
    /^Uncaught (\(in promise\) )?/,
    "",
  );
  const match = /^([A-Z]\w*): ([\s\S]*)$/.exec(text);
  const error = new Error(match ? match[2] : text);
  if (match) error.name = match[1];
  error.stack =
    `${error.name}: ${error.message}\n    at ${event.filename}:${event.lineno}:${event.colno}`;
  return error;
}

type NodeWorkers = typeof import("node:worker_threads");

// Imported on first use: the module costs 5-8 ms to load, which only
// programs with daemon threads should pay.
let nodeWorkers: NodeWorkers | undefined;
let loadingNodeWorkers: Promise<NodeWorkers> | undefined;

function spawnNode(
  url: URL,
  name: string,
  { events, end, stop }: Life,
): WorkerPort {
  let worker: import("node:worker_threads").Worker | undefined;
  let pending: [unknown, Transferable[] | undefined][] | undefined;
  let reffed = true;
  let stopped = false;
  let failure: Error | undefined;
  const start = ({ Worker }: NodeWorkers) => {
    if (stopped) return;
    worker = new Worker(url, { name });
    if (!reffed) worker.unref();
    // The exit note needs no handling: node:worker_threads reports the exit.
    worker.on("message", (data: unknown) => {
      if (!isExitNote(data)) events.message(data);
    });
    worker.on("error", (error: Error) => (failure = error));
    worker.on("exit", (code: number) => end(code, failure));
    for (const [data, transfer] of pending ?? []) post(data, transfer);
    pending = undefined;
  };
  const post = (data: unknown, transfer?: Transferable[]) => {
    if (worker) {
      // deno-lint-ignore no-explicit-any
      return worker.postMessage(data, transfer as any);
    }
    // Refused now, as a Web Worker's postMessage would refuse it.
    structuredClone(data, { transfer });
    (pending ??= []).push([data, transfer]);
  };
  if (nodeWorkers) start(nodeWorkers);
  else {
    loadingNodeWorkers ??= import("node:worker_threads").then((module) =>
      nodeWorkers = module
    );
    loadingNodeWorkers.then(start);
  }
  return {
    post,
    ref: () => {
      reffed = true;
      worker?.ref();
    },
    unref: () => {
      reffed = false;
      worker?.unref();
    },
    terminate: async () => {
      stop();
      stopped = true;
      await worker?.terminate();
    },
  };
}
