// Who "this thread" is, for RLock ownership: the Thread ident (1 on the main
// thread, unique per process). A worker started some other way (a raw Web
// Worker, a node:worker_threads Worker) still reports ident 1, so it draws a
// random id of its own instead, above the range Thread hands out.

import { isMainThread } from "node:worker_threads";
import { currentIdentity } from "../thread/_state.ts";

// Deno reports isMainThread === true inside Web Workers, hence both checks.
const inWorker = !isMainThread || "WorkerGlobalScope" in globalThis;
const fallback = 0x40000000 + Math.floor(Math.random() * 0x3fffffff);

/** This thread's owner id for shared-memory locks (a positive int32). */
export function threadIdent(): number {
  const ident = currentIdentity().ident;
  return ident === 1 && inWorker ? fallback : ident;
}
