// Owner side of a remote call on a Lock, Semaphore or Event (the codec's
// `serve` hook): the waiting method gets the caller's AbortSignal, so a
// caller that cancels or disconnects stops waiting here too, instead of
// taking a lock on behalf of nobody.

import { timeoutOption } from "./_wait.ts";

type Methods = Record<string, (...args: unknown[]) => unknown>;

/**
 * Calls `method` on `object`. For `waiting` (acquire, wait) it passes
 * `signal`; if the wait succeeds just as the signal aborts, `undo` (release)
 * gives back what was taken, since the answer can no longer be delivered.
 */
export function serveWithSignal(
  object: object,
  method: string,
  args: unknown[],
  signal: AbortSignal | undefined,
  waiting: string,
  undo?: string,
): unknown {
  const methods = object as Methods;
  if (method !== waiting || !signal) return methods[method](...args);
  const timeout = timeoutOption(
    args[0] as number | { timeout?: number } | undefined,
  );
  return (async () => {
    const ok = await methods[method]({ timeout, signal });
    if (ok && signal.aborted && undo) {
      methods[undo]();
      return false;
    }
    return ok;
  })();
}
