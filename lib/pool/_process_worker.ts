// The "process" kind of pool worker: a child Deno started by
// lib/process/_child.ts, driven over its authenticated control channel. Each
// batch is one `invoke` of _child_entry.ts's runPoolBatch, so a process
// worker runs the same runner as a thread worker. Arguments cross by the
// payload rule (library objects become live proxies in the child); results
// come back encoded once in the child, and the child's journal gives back
// the results of a child that died before it could send them.

import type { SerializedError } from "../_crossing/errors.ts";
import { serializeError } from "../_crossing/errors.ts";
import { Child } from "../process/_child.ts";
import { prepareParams } from "../_crossing/session.ts";
import { ConnectionClosedError } from "../errors/connection.ts";
import type { TargetSpec } from "../_crossing/target.ts";
import {
  type Outcomes,
  returnedAt,
  THREW,
  valueAt,
} from "../_crossing/outcome.ts";
import { decodeOutcomes } from "../_crossing/outcome_bytes.ts";
import type {
  DoneMessage,
  InitFailedMessage,
  InitMessage,
  RunMessage,
} from "./_protocol.ts";
import type {
  PoolWorker,
  Progress,
  StartWorker,
  WorkerEvents,
} from "./_member.ts";
import type { BackendFactory } from "./_backend.ts";
import { PoolCore } from "./_core.ts";
import { type JournalReading, readJournal } from "./_journal.ts";

const CHILD = new URL("./_child_entry.ts", import.meta.url).href;
const INIT: TargetSpec = { kind: "export", module: CHILD, name: "runPoolInit" };
const RUN: TargetSpec = { kind: "export", module: CHILD, name: "runPoolBatch" };

/** The backend of `kind: "process"`. */
export const processBackend: BackendFactory = (settings) =>
  new PoolCore(settings, {
    start: processStarter(settings.module, settings.options.maxMemoryMb),
    maxBatch: 32,
    unrefIdle: true,
    idleTimeout: Infinity,
  });

// The pool's module tells each child where to find the user's deno.json.
function processStarter(
  module: string | undefined,
  maxMemoryMb: number | undefined,
): StartWorker {
  const v8Flags = maxMemoryMb === undefined
    ? undefined
    : [`--max-old-space-size=${maxMemoryMb}`];
  return (name, setup, events) => {
    const child = new Child({ name, daemon: true, module, v8Flags });
    const worker = new ProcessWorker(child, events, maxMemoryMb);
    worker.init({
      t: "init",
      name,
      journal: worker.journal,
      initializer: setup.initializer,
      initargs: setup.initargs,
    });
    return worker;
  };
}

// A batch on its way: its tasks as the payload rule prepared them.
interface Batch {
  message: RunMessage;
  tasks: unknown;
}

class ProcessWorker implements PoolWorker {
  readonly route = undefined;
  readonly label: string;
  #child: Child;
  #events: WorkerEvents;
  #held: Batch[] | undefined = [];
  /** Definitions whose batch failed on its way: the next batch carries them. */
  #undelivered: unknown[] | undefined;
  #delivered: Promise<void> = Promise.resolve();
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  #reading: JournalReading | undefined;
  /** The child's journal (see _journal.ts). */
  readonly journal: string | undefined;

  constructor(
    child: Child,
    events: WorkerEvents,
    maxMemoryMb: number | undefined,
  ) {
    this.#child = child;
    this.#events = events;
    this.label = `process ${child.pid}`;
    child.onNotify = (method, params) => {
      if (method !== "progress" || !Array.isArray(params)) return;
      const [seq, value] = params as [number, unknown];
      events.reply({ t: "progress", seq, value });
    };
    this.journal = journalFile();
    // Results already on the wire are delivered before the death; then the
    // journal gives back those the child could not send.
    child.exited.then((status) => this.#delivered.then(() => status)).then(
      (status) => {
        this.#buried();
        events.exit(
          status.code,
          deathDetail(status),
          outOfMemory(status, maxMemoryMb),
        );
        this.#release();
        if (this.journal) Deno.remove(this.journal).catch(() => {});
      },
    );
  }

  get importer() {
    return this.#child.importer;
  }

  #buried(): void {
    const reading = this.#reading = this.journal
      ? readJournal(this.journal)
      : undefined;
    if (!reading) return;
    if (reading.crash) this.#events.reply({ t: "crash", error: reading.crash });
    if (reading.out.length === 0) return;
    this.#events.reply({
      t: "done",
      out: decodeOutcomes(reading.out),
      ms: 0,
      first: reading.first,
    });
  }

  // Batches wait for the initializer, so none can overtake it in the child.
  init(message: InitMessage): void {
    this.#child.invoke(INIT, [message]).then((out: Outcomes) => {
      const failure = returnedAt(out, 0)
        ? valueAt(out, 0) as InitFailedMessage | null
        : {
          t: "initFailed" as const,
          error: valueAt(out, 0) as SerializedError,
        };
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

  // Refuses a batch that cannot cross, synchronously, as postMessage does
  // for a thread worker: the core then takes it back, forgets the targets
  // it defined and fails only the culprit. What only encoding could vouch
  // for is encoded here, once, and those bytes are what the channel sends.
  send(message: RunMessage): void {
    const tasks = prepareParams(
      message.tasks,
      this.#child.exporter,
      (reason) => reason,
    );
    const batch = { message, tasks };
    if (this.#held) this.#held.push(batch);
    else this.#run(batch);
  }

  // Replies are delivered in the order the batches were sent, even when one
  // fails before it left (over the channel's frame size limit): the core
  // matches results to tasks by that order.
  #run({ message, tasks }: Batch): void {
    if (this.#undelivered) {
      message.defs = [...this.#undelivered, ...message.defs ?? []];
      this.#undelivered = undefined;
    }
    const result = this.#child.invoke(RUN, [message.defs ?? null, tasks]).then(
      (out: Outcomes): DoneMessage => {
        if (!returnedAt(out, 0)) {
          return failAll(message, valueAt(out, 0) as SerializedError);
        }
        const [ms, results] = valueAt(out, 0) as [number, Outcomes];
        return { t: "done", out: decodeOutcomes(results), ms };
      },
      (error: unknown): DoneMessage | undefined => {
        // A dead child is reported once `exited` resolves.
        if (error instanceof ConnectionClosedError) return undefined;
        // What the payload rule cannot foresee (a batch over the frame size
        // limit) fails here, and the definitions it carried with it.
        if (message.defs) (this.#undelivered ??= []).push(...message.defs);
        return failAll(message, serializeError(error));
      },
    );
    this.#delivered = this.#delivered.then(() => result).then((done) => {
      if (done) this.#events.reply(done);
    });
  }

  progress(): Progress | undefined {
    const reading = this.#reading ??
      (this.journal ? readJournal(this.journal) : undefined);
    if (!reading) return undefined;
    // Every task before the one started last finished, and its result was
    // sent or is in the journal.
    return {
      started: reading.started,
      finished: reading.started - 1,
      startedAt: reading.startedAt || undefined,
    };
  }

  // A daemon child does not keep this process alive, and the channel stops
  // doing so once its calls failed: while the child holds tasks, a timer
  // does, so that its death is always reported.
  ref(busy: boolean): void {
    if (busy) this.#keepAlive ??= setInterval(() => {}, 2 ** 30);
    else this.#release();
  }

  #release(): void {
    clearInterval(this.#keepAlive);
    this.#keepAlive = undefined;
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

function deathDetail(status: Deno.CommandStatus): string | undefined {
  if (!status.signal) return undefined;
  const why = status.signal === "SIGKILL"
    ? " (out of memory, or killed from outside?)"
    : status.signal === "SIGTRAP"
    ? " (V8 stops a process so on a fatal error, such as a full JavaScript heap; maxMemoryMb sets that limit)"
    : "";
  return `was killed by ${status.signal}${why}`;
}

// When its JavaScript heap reaches --max-old-space-size, V8 prints "Fatal
// JavaScript out of memory" and traps (Deno 2.9: SIGTRAP, exit code 133).
// Only a pool that set the limit reads a SIGTRAP so: elsewhere it may be any
// fatal V8 error.
function outOfMemory(
  status: Deno.CommandStatus,
  maxMemoryMb: number | undefined,
): number | undefined {
  return status.signal === "SIGTRAP" ? maxMemoryMb : undefined;
}

function failAll(message: RunMessage, error: SerializedError): DoneMessage {
  const n = message.tasks.length / 3;
  const out: Outcomes = new Array(n * 2);
  for (let k = 0; k < n; k++) {
    out[k * 2] = THREW;
    out[k * 2 + 1] = error;
  }
  return { t: "done", out, ms: 0 };
}

function journalFile(): string | undefined {
  try {
    return Deno.makeTempFileSync({ prefix: "multitask-pool-" });
  } catch {
    return undefined; // no temp dir access: crashes fail the whole batch
  }
}
