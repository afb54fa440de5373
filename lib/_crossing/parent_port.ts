// The worker's side of the one worker port (see worker_port.ts): how a
// worker thread, Web Worker or node:worker_threads Worker, talks to the
// thread that started it.

import { beforeExit } from "./entry.ts";

/**
 * The worker's last word before Deno.exit (see connectParent). A plain
 * object the parent recognises by its only key; no reply shape uses it.
 */
export const EXIT = "__multitask_exit__";

/** What connectParent posts as the worker exits. */
export type ExitNote = { [EXIT]: number };

/** The worker's side of its port. */
export interface ParentPort {
  /** Structured-clones `message` to the parent; throws DataCloneError. */
  post(message: unknown, transfer?: Transferable[]): void;
  /** Calls `listener` with every message from the parent. */
  listen(listener: (data: unknown) => void): void;
}

/**
 * Connects this worker to its parent. From now on, Deno.exit (and
 * process.exit, close()) reports the exit code to the parent before the
 * worker goes.
 */
export async function connectParent(): Promise<ParentPort> {
  const port = typeof globalThis.self === "undefined"
    ? await nodeParent()
    : webParent();
  beforeExit((code) => port.post({ [EXIT]: code } satisfies ExitNote));
  return port;
}

function webParent(): ParentPort {
  const scope = globalThis as unknown as {
    onmessage: ((event: MessageEvent) => void) | null;
    postMessage(message: unknown, transfer?: Transferable[]): void;
  };
  return {
    // Without a transfer list when there is nothing to move: the first
    // postMessage given one, even empty, costs a worker ~2 ms more.
    post: (data, transfer) =>
      transfer?.length
        ? scope.postMessage(data, transfer)
        : scope.postMessage(data),
    listen: (listener) => (scope.onmessage = (event) => listener(event.data)),
  };
}

async function nodeParent(): Promise<ParentPort> {
  const { parentPort } = await import("node:worker_threads");
  const port = parentPort!;
  return {
    // deno-lint-ignore no-explicit-any
    post: (data, transfer) => port.postMessage(data, transfer as any),
    listen: (listener) => port.on("message", listener),
  };
}
