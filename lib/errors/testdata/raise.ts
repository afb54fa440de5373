// Targets that raise library errors inside a worker (thread or process), for
// lib/errors/errors_test.ts: each must reach the caller as its own class.

import { Queue } from "../../queue/mod.ts";
import { run } from "../../subprocess/mod.ts";

/** Queue.getNowait on an empty queue: Empty. */
export function emptyQueue(): unknown {
  return new Queue().getNowait();
}

/** A command past its timeout: TimeoutExpired, a TimeoutError. */
export async function commandTimeout(): Promise<unknown> {
  return await run(["sleep", "5"], { timeout: 20 });
}

/** A command whose signal aborts: SubprocessAbortError, an AbortError. */
export async function commandAborted(): Promise<unknown> {
  return await run(["sleep", "5"], { signal: AbortSignal.abort() });
}
