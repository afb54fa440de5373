// The "process" kind of pool worker: a child Deno started by
// lib/_process_child.ts, driven over its authenticated control channel. Each
// batch is one `invoke` of lib/_pool_child.ts's runPoolBatch, so a process
// worker runs the same runner as a thread worker. Arguments travel raw: the
// channel exports library objects (Queue, Event, Lock...) to the child as
// live proxies.

import { serializeError } from "./_errors.ts";
import { Child } from "./_process_child.ts";
import type { Outcome, TargetSpec } from "./_target.ts";
import type {
  DoneMessage,
  InitFailedMessage,
  InitMessage,
  RunMessage,
} from "./_pool_protocol.ts";
import type { PoolWorker, StartWorker, WorkerEvents } from "./_pool_core.ts";

const CHILD = new URL("./_pool_child.ts", import.meta.url).href;
const INIT: TargetSpec = { kind: "export", module: CHILD, name: "runPoolInit" };
const RUN: TargetSpec = { kind: "export", module: CHILD, name: "runPoolBatch" };

/** How every child of one pool is started. */
export interface ProcessSetup {
  /** The pool's module: the child finds the user's deno.json from it. */
  module?: string;
}

/** Returns the StartWorker of a process pool. */
export function processStarter(options: ProcessSetup): StartWorker {
  return (name, setup, events) => {
    const child = new Child({ name, daemon: true, module: options.module });
    const worker = new ProcessWorker(child, events);
    worker.init({
      t: "init",
      name,
      initializer: setup.initializer,
      initargs: setup.initargs,
    });
    return worker;
  };
}

class ProcessWorker implements PoolWorker {
  readonly route = undefined;
  readonly label: string;
  #child: Child;
  #events: WorkerEvents;
  #held: RunMessage[] | undefined = [];

  constructor(child: Child, events: WorkerEvents) {
    this.#child = child;
    this.#events = events;
    this.label = `process ${child.pid}`;
    child.exited.then((status) => {
      const detail = status.signal
        ? `was killed by ${status.signal}${
          status.signal === "SIGKILL"
            ? " (out of memory, or killed from outside?)"
            : ""
        }`
        : undefined;
      events.exit(status.code, detail);
    });
  }

  // Batches wait for the initializer, so none can overtake it in the child.
  // An empty batch goes first: it defines RUN on the channel with arguments
  // that surely serialize (a definition riding on a call whose arguments
  // fail to serialize would be lost).
  init(message: InitMessage): void {
    this.#child.invoke(RUN, [{ t: "run", tasks: [] }]).catch(() => {});
    this.#child.invoke(INIT, [message]).then((outcome: Outcome) => {
      const failure = outcome.ok
        ? outcome.value as InitFailedMessage | null
        : { t: "initFailed" as const, error: outcome.error };
      if (failure) {
        this.#events.reply(failure);
        this.#child.close();
        return;
      }
      const held = this.#held!;
      this.#held = undefined;
      for (const batch of held) this.#run(batch);
    }, () => {
      // The child died before answering: its exit is reported by `exited`.
    });
  }

  send(message: RunMessage): void {
    if (this.#held) this.#held.push(message);
    else this.#run(message);
  }

  #run(message: RunMessage): void {
    this.#child.invoke(RUN, [message]).then(
      (outcome: Outcome) => {
        this.#events.reply(
          outcome.ok
            ? outcome.value as DoneMessage
            : failAll(message, outcome.error),
        );
      },
      async (error: unknown) => {
        // A dead child is reported by `exited`; anything else (arguments
        // that cannot be serialized, a frame too large) fails the batch.
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          this.#child.exited,
          new Promise((r) => timer = setTimeout(r, 50)),
        ]);
        clearTimeout(timer);
        if (!this.#child.running) return;
        this.#events.reply(failAll(message, serializeError(error)));
      },
    );
  }

  progress(): undefined {
    return undefined;
  }

  ref(): void {
    // The channel keeps this process alive while calls are pending.
  }

  // `status` (unlike `exited`) keeps this process alive until the child is
  // reaped, so join() and terminate() cannot return before it is gone.
  async kill(): Promise<void> {
    this.#child.kill("SIGKILL");
    await this.#child.status;
  }

  async stop(): Promise<void> {
    this.#child.close();
    await this.#child.status;
  }
}

function failAll(
  message: RunMessage,
  error: DoneMessage["out"][number],
): DoneMessage {
  const n = message.tasks.length / 3;
  const out: unknown[] = new Array(n * 2);
  for (let k = 0; k < n; k++) {
    out[k * 2] = 0;
    out[k * 2 + 1] = error;
  }
  return { t: "done", out, ms: 0 };
}
