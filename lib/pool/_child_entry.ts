// The child-process side of a "process" pool. A pool child is an ordinary
// multitask child (lib/_process_main.ts); the pool invokes these two exports
// on it, so the batching runner is the same one thread workers use. The
// control channel already revives handles in the arguments and exports
// library objects in the results.

import { setImmediate } from "node:timers";
import { serialize } from "node:v8";
import { serializeError } from "../_crossing/errors.ts";
import { beforeExit } from "../_crossing/entry.ts";
import { PoolRunner } from "./_runner.ts";
import {
  type DoneMessage,
  type InitFailedMessage,
  type InitMessage,
  partialPath,
  type RunMessage,
} from "./_protocol.ts";

// Between batches the child goes back to its event loop, so the previous
// batch's results are written to the channel before the next batch runs:
// if a task then kills the child, only its own batch is in doubt.
const runner = new PoolRunner(
  undefined,
  undefined,
  () => new Promise((resolve) => setImmediate(resolve)),
);

let partialFile: string | undefined;

// A task that calls Deno.exit (process.exit too) takes the channel down with
// it, but the tasks of its batch that finished before it need not fail: their
// results are written to a file next to the progress mark, synchronously,
// and the pool reads them once the child is gone.
beforeExit(() => {
  const partial = runner.flushPartial();
  if (partial && partialFile) {
    try {
      Deno.writeFileSync(partialFile, serialize(partial));
    } catch {
      // Unserializable results or no access: those tasks fail as lost.
    }
  }
});

/** Runs the initializer; resolves with the failure message if it threw. */
export async function runPoolInit(
  message: InitMessage,
): Promise<InitFailedMessage | null> {
  if (message.progressFile) partialFile = partialPath(message.progressFile);
  const failure = await runner.init(message);
  return failure === undefined
    ? null
    : { t: "initFailed", error: serializeError(failure) };
}

/** Runs one batch of tasks and resolves with their results. */
export function runPoolBatch(message: RunMessage): Promise<DoneMessage> {
  return runner.run(message);
}
