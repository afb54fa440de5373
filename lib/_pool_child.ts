// The child-process side of a "process" pool. A pool child is an ordinary
// multitask child (lib/_process_main.ts); the pool invokes these two exports
// on it, so the batching runner is the same one thread workers use. The
// control channel already revives handles in the arguments and exports
// library objects in the results.

import { serializeError } from "./_errors.ts";
import { PoolRunner } from "./_pool_runner.ts";
import type {
  DoneMessage,
  InitFailedMessage,
  InitMessage,
  RunMessage,
} from "./_pool_protocol.ts";

const runner = new PoolRunner();

/** Runs the initializer; resolves with the failure message if it threw. */
export async function runPoolInit(
  message: InitMessage,
): Promise<InitFailedMessage | null> {
  const failure = await runner.init(message);
  return failure === undefined
    ? null
    : { t: "initFailed", error: serializeError(failure) };
}

/** Runs one batch of tasks and resolves with their results. */
export function runPoolBatch(message: RunMessage): Promise<DoneMessage> {
  return runner.run(message);
}
