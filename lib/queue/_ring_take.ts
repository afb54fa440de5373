// The wait-for-an-item loop of Queue.get and Connection.recv, and of their
// Sync twins. The two differ only in the errors they throw, so each passes
// its own.

import { AbortWatch, type Ring } from "./_ring.ts";
import { keepAlive, remaining } from "../_common/waiting.ts";

/** What a taker throws when nothing more will come, or nothing came in time. */
export interface TakeErrors {
  /** The ring is closed and drained. */
  closed(): Error;
  /** `timeout` ms passed with nothing to take. */
  timedOut(timeout: number): Error;
}

/** Takes the oldest item, parking on Atomics.waitAsync while the ring is empty. */
export async function takeAsync(
  ring: Ring,
  timeout: number,
  signal: AbortSignal | undefined,
  errors: TakeErrors,
): Promise<unknown> {
  const deadline = performance.now() + timeout;
  const out = { found: false };
  using abort = new AbortWatch(signal);
  for (;;) {
    // Checked before every attempt: once aborted, nothing is taken.
    signal?.throwIfAborted();
    const seq = ring.putSeq;
    const value = ring.tryGet(out);
    if (out.found) return value;
    if (ring.closed) throw errors.closed();
    const left = remaining(deadline);
    if (left === 0) throw errors.timedOut(timeout);
    await keepAlive(ring.waitAsync("put", seq, left, abort.promise));
  }
}

/** Blocking twin of {@linkcode takeAsync}; `out` is the caller's reusable flag. */
export function takeSync(
  ring: Ring,
  timeout: number,
  out: { found: boolean },
  errors: TakeErrors,
): unknown {
  const deadline = performance.now() + timeout;
  for (;;) {
    const seq = ring.putSeq;
    const value = ring.tryGet(out);
    if (out.found) return value;
    if (ring.closed) throw errors.closed();
    const left = remaining(deadline);
    if (left === 0) throw errors.timedOut(timeout);
    ring.waitSync("put", seq, left);
  }
}
