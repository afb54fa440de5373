// The child-process side of a "process" pool. A pool child is an ordinary
// multitask child (lib/process/_main.ts); the pool invokes these two exports
// on it, so the batching runner is the same one thread workers use. Each
// result passes the payload rule as it is made (a value that cannot cross
// fails its own task), and goes to the journal before the next task starts,
// so a child killed by anything loses no finished result.

import { setImmediate } from "node:timers";
import { serializeError } from "../_crossing/errors.ts";
import {
  beforeExit,
  exitNow,
  onEscape,
  parentChannel,
} from "../_crossing/entry.ts";
import type { Outcomes } from "../_crossing/outcome.ts";
import { encodeOutcome } from "../_crossing/outcome_bytes.ts";
import { PoolRunner, unsendableProgress } from "./_runner.ts";
import { Journal } from "./_journal.ts";
import type { InitFailedMessage, InitMessage } from "./_protocol.ts";

const channel = parentChannel()!;

// A batch starts once the previous batch's reply is written to the socket
// (even SIGKILL cannot take it back then), since starting empties the
// journal that also held those results.
const runner = new PoolRunner(
  {
    exporter: channel.exporter,
    encode: encodeOutcome,
    openJournal: Journal.open,
  },
  undefined,
  async () => {
    await new Promise((resolve) => setImmediate(resolve));
    await channel.written();
  },
);

runner.progressSink = (seq, value) => {
  try {
    channel.notify("progress", [seq, value]);
  } catch (error) {
    throw unsendableProgress(error);
  }
};

// Deno.exit (process.exit too) in a task: the journal has every result
// before it; only what is still pending needs writing.
beforeExit(() => runner.journal?.flush());

// An error escaping a task (thrown from a timer, an unhandled rejection)
// brings the child down, and is recorded as the cause for the pool.
onEscape((error) => {
  const journal = runner.journal;
  journal?.flush();
  journal?.crashed(serializeError(error));
  exitNow(70);
});

/** Runs the initializer; resolves with the failure message if it threw. */
export async function runPoolInit(
  message: InitMessage,
): Promise<InitFailedMessage | null> {
  const failure = await runner.init(message);
  return failure === undefined
    ? null
    : { t: "initFailed", error: serializeError(failure) };
}

/** Runs one batch of tasks and resolves with [ms, outcomes]. */
export async function runPoolBatch(
  defs: unknown[] | null,
  tasks: unknown[],
): Promise<[number, Outcomes]> {
  const { out, ms } = await runner.run({
    t: "run",
    defs: defs ?? undefined,
    tasks,
  });
  return [ms, out];
}
