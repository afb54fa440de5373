// The Worker behind a Thread, seen from the side that starts it. A Web
// Worker starts 2-3x faster than a node:worker_threads Worker (which boots
// Node compatibility in the new isolate), but only the latter has a public
// unref(), which daemon threads need. Deno's Web Worker carries the same
// ref/unref switch under an unnamed symbol (node:worker_threads calls it);
// when it is there we use Web Workers, else node:worker_threads.

import { Worker as NodeWorker } from "node:worker_threads";

/** What the starting side can do with a thread's worker. */
export interface WorkerPort {
  /** Structured-clones `message` to the worker; throws DataCloneError. */
  post(message: unknown): void;
  /** Lets the worker keep the program alive (the default). */
  ref(): void;
  /** Stops the worker from keeping the program alive. */
  unref(): void;
  /** Stops the worker wherever it is. */
  terminate(): Promise<void>;
}

/** What the worker reports. */
export interface WorkerEvents {
  message(data: unknown): void;
  /** The worker died of an error it did not catch. */
  error(error: Error): void;
  /** The worker ended on its own (only node:worker_threads reports it). */
  exit(): void;
}

type RefSwitch = (this: Worker, ref: boolean) => void;

function findRefSwitch(): RefSwitch | undefined {
  const proto = Worker.prototype as unknown as Record<symbol, unknown>;
  const unnamed = Object.getOwnPropertySymbols(proto).filter((symbol) =>
    symbol.description === undefined && typeof proto[symbol] === "function"
  );
  return unnamed.length === 1 ? proto[unnamed[0]] as RefSwitch : undefined;
}

const refSwitch = findRefSwitch();

/** Which kind of Worker threads use; "node" when Deno hides the ref switch. */
export let workerKind: "web" | "node" = refSwitch ? "web" : "node";

/** For tests: run the node:worker_threads path on a Deno that has both. */
export function useWorkerKind(kind: "web" | "node"): void {
  if (kind === "web" && !refSwitch) {
    throw new Error("This Deno has no Web Worker ref switch.");
  }
  workerKind = kind;
}

/** Starts the worker module `url` under `name`. */
export function spawnWorker(
  url: URL,
  name: string,
  events: WorkerEvents,
): WorkerPort {
  return workerKind === "web"
    ? spawnWeb(url, name, events)
    : spawnNode(url, name, events);
}

function spawnWeb(url: URL, name: string, events: WorkerEvents): WorkerPort {
  const worker = new Worker(url, { type: "module", name });
  worker.onmessage = (event) => events.message(event.data);
  worker.onerror = (event) => {
    // Handled here: without this the error would also end the whole program.
    event.preventDefault();
    events.error(errorFromEvent(event));
  };
  worker.onmessageerror = () => {
    events.error(
      new TypeError("A message from the thread could not be deserialized."),
    );
  };
  let reffed = true;
  const setRef = (on: boolean) => {
    if (reffed === on) return;
    reffed = on;
    refSwitch!.call(worker, on);
  };
  return {
    post: (message) => worker.postMessage(message),
    ref: () => setRef(true),
    unref: () => setRef(false),
    terminate: () => {
      worker.terminate();
      return Promise.resolve();
    },
  };
}

// Deno gives the parent only the text ("Uncaught RangeError: boom"); the
// worker entry reports errors itself, so this is for what escapes it.
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

function spawnNode(url: URL, name: string, events: WorkerEvents): WorkerPort {
  const worker = new NodeWorker(url, { name });
  worker.on("message", (data: unknown) => events.message(data));
  worker.on("error", (error: Error) => events.error(error));
  worker.on("exit", () => events.exit());
  return {
    post: (message) => worker.postMessage(message),
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    terminate: async () => {
      await worker.terminate();
    },
  };
}
