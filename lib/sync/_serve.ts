// Owner side of a remote call on a Lock, Semaphore or Event (the codec's
// `serve` hook): the waiting method gets the caller's AbortSignal, so a
// caller that cancels or disconnects stops waiting here too, instead of
// taking a lock on behalf of nobody.

import type { TimeoutForm } from "./_wait.ts";

type Methods = Record<string, (...args: unknown[]) => unknown>;

/**
 * Calls `method` on `object`. For `waiting` (acquire, wait) it passes
 * `signal` along with the caller's timeout, read as `form` says (a bare
 * number only where the method takes one, so a remote call is refused
 * exactly as a local one); if the wait succeeds just as the signal aborts,
 * `undo` (release) gives back what was taken, since the answer can no longer
 * be delivered.
 */
export function serveWithSignal(
  object: object,
  method: string,
  args: unknown[],
  signal: AbortSignal | undefined,
  waiting: string,
  form: TimeoutForm,
  undo?: string,
): unknown {
  const methods = object as Methods;
  if (method !== waiting || !signal) return methods[method](...args);
  const given = args[0];
  let options: unknown = given;
  if (given === undefined) options = { signal };
  else if (typeof given === "object" && given !== null) {
    options = { ...given, signal };
  } else if (form === "positional") options = { timeout: given, signal };
  return (async () => {
    const ok = await methods[method](options);
    if (ok && signal.aborted && undo) {
      methods[undo]();
      return false;
    }
    return ok;
  })();
}

/** serveWithSignal for a lock or semaphore: `acquire` waits, `release` undoes it. */
export function serveAcquire(
  object: object,
  method: string,
  args: unknown[],
  signal: AbortSignal | undefined,
): unknown {
  return serveWithSignal(
    object,
    method,
    args,
    signal,
    "acquire",
    "options",
    "release",
  );
}
