// The "process" kind of pool worker: a child Deno started by
// lib/_process_child.ts, driven over its authenticated control channel. Each
// batch is one `invoke` of lib/_pool_child.ts's runPoolBatch, so a process
// worker runs the same runner as a thread worker. Arguments travel raw: the
// channel exports library objects (Queue, Event, Lock...) to the child as
// live proxies.

import { deserialize, serialize } from "node:v8";
import { type SerializedError, serializeError } from "../_crossing/errors.ts";
import { Child } from "../process/_child.ts";
import { encodeValue, type ObjectExporter } from "../_crossing/codec.ts";
import { ConnectionClosedError } from "../errors/connection.ts";
import type { TargetSpec } from "../_crossing/target.ts";
import { type Outcomes, returnedAt, valueAt } from "../_crossing/outcome.ts";
import {
  type DoneMessage,
  type InitFailedMessage,
  type InitMessage,
  partialPath,
  type RunMessage,
} from "./_protocol.ts";
import type {
  PoolWorker,
  Progress,
  StartWorker,
  WorkerEvents,
} from "./_member.ts";
import type { BackendFactory } from "./_backend.ts";
import { PoolCore } from "./_core.ts";

const CHILD = new URL("./_child_entry.ts", import.meta.url).href;
const INIT: TargetSpec = { kind: "export", module: CHILD, name: "runPoolInit" };
const RUN: TargetSpec = { kind: "export", module: CHILD, name: "runPoolBatch" };

/**
 * The backend of `kind: "process"`. A child's results travel through a
 * buffered channel: its batches stay small so that a SIGKILL loses few
 * finished results with it.
 */
export const processBackend: BackendFactory = (settings) =>
  new PoolCore(settings, {
    start: processStarter(settings.module),
    maxBatch: 32,
  });

// The pool's module tells each child where to find the user's deno.json.
function processStarter(module: string | undefined): StartWorker {
  return (name, setup, events) => {
    const child = new Child({ name, daemon: true, module });
    const worker = new ProcessWorker(child, events);
    worker.init({
      t: "init",
      name,
      progressFile: worker.progressFile,
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
  /** Definitions whose batch failed on its way: the next batch carries them. */
  #undelivered: unknown[] | undefined;
  #delivered: Promise<void> = Promise.resolve();
  #keepAlive: ReturnType<typeof setInterval> | undefined;
  /** Where the child marks the task it starts (see InitMessage.progressFile). */
  readonly progressFile: string | undefined;

  constructor(child: Child, events: WorkerEvents) {
    this.#child = child;
    this.#events = events;
    this.label = `process ${child.pid}`;
    this.progressFile = progressFile();
    // Results already on the wire are delivered before the death.
    child.exited.then((status) => this.#delivered.then(() => status)).then(
      (status) => {
        const detail = status.signal
          ? `was killed by ${status.signal}${
            status.signal === "SIGKILL"
              ? " (out of memory, or killed from outside?)"
              : ""
          }`
          : undefined;
        const partial = this.#partial();
        if (partial) events.reply(partial);
        events.exit(status.code, detail);
        this.#release();
        if (this.progressFile) Deno.remove(this.progressFile).catch(() => {});
      },
    );
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

  // Refuses a batch the channel could not send, synchronously, as postMessage
  // does for a thread worker: the core then takes it back, forgets the
  // targets it defined and fails only the culprit. Left to the channel, the
  // failure would surface a tick later, after the core had marked the
  // batch's targets as known to this child.
  send(message: RunMessage): void {
    assertSendable(message.tasks);
    if (this.#held) this.#held.push(message);
    else this.#run(message);
  }

  // Replies are delivered in the order the batches were sent, even when one
  // fails before it left (over the channel's frame size limit): the core
  // matches results to tasks by that order.
  #run(message: RunMessage): void {
    if (this.#undelivered) {
      message.defs = [...this.#undelivered, ...message.defs ?? []];
      this.#undelivered = undefined;
    }
    const result = this.#child.invoke(RUN, [message]).then(
      (out: Outcomes): DoneMessage =>
        returnedAt(out, 0)
          ? valueAt(out, 0) as DoneMessage
          : failAll(message, valueAt(out, 0) as SerializedError),
      (error: unknown): DoneMessage | undefined => {
        // A dead child is reported once `exited` resolves.
        if (error instanceof ConnectionClosedError) return undefined;
        // What assertSendable cannot foresee (a batch over the frame size
        // limit) fails here, and the definitions it carried with it.
        if (message.defs) (this.#undelivered ??= []).push(...message.defs);
        return failAll(message, serializeError(error));
      },
    );
    this.#delivered = this.#delivered.then(() => result).then((done) => {
      if (done) this.#events.reply(done);
    });
  }

  // Results the child saved as a task made it exit (see lib/_pool_child.ts).
  #partial(): DoneMessage | undefined {
    if (!this.progressFile) return undefined;
    const path = partialPath(this.progressFile);
    try {
      const message = deserialize(Deno.readFileSync(path)) as DoneMessage;
      Deno.removeSync(path);
      return message;
    } catch {
      return undefined;
    }
  }

  progress(): Progress | undefined {
    if (!this.progressFile) return undefined;
    try {
      const bytes = Deno.readFileSync(this.progressFile);
      const started = new DataView(bytes.buffer, bytes.byteOffset).getInt32(
        0,
        true,
      );
      return { started, finished: started - 1 };
    } catch {
      return undefined;
    }
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

// Stands in for the channel's object table: library objects (Queue, Lock...)
// become markers as they would on the way, without being exported.
const PROBE: ObjectExporter = { export: () => "" };
// Beyond these a batch is not vouched for by the walk, but serialized.
const PLAIN_DEPTH = 32;
const PLAIN_OBJECTS = 1 << 16;
let objectsLeft = 0;

/**
 * Throws what the control channel would throw on these tasks (a function or
 * a symbol in the arguments, an object that only threads can share...).
 * Plain data (the usual case) is vouched for by one walk, far cheaper than
 * the serialization the channel does anyway; anything else is encoded and
 * serialized as the channel does, which costs a second serialization.
 */
function assertSendable(tasks: unknown[]): void {
  objectsLeft = PLAIN_OBJECTS;
  if (isPlain(tasks, 0)) return;
  serialize(encodeValue(tasks, PROBE));
}

// Primitives, plain arrays and objects of them, and typed arrays over
// ordinary buffers: what both JSON and v8 serialization surely take.
function isPlain(value: unknown, depth: number): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case "object":
      break;
    case "function":
    case "symbol":
      return false;
    default:
      return true;
  }
  if (depth > PLAIN_DEPTH || --objectsLeft < 0) return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    for (let i = 0; i < value.length; i++) {
      if (!isPlain(value[i], depth + 1)) return false;
    }
    return true;
  }
  if (ArrayBuffer.isView(value)) return value.buffer instanceof ArrayBuffer;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) {
    if (!isPlain((value as Record<string, unknown>)[key], depth + 1)) {
      return false;
    }
  }
  return true;
}

function failAll(message: RunMessage, error: SerializedError): DoneMessage {
  const n = message.tasks.length / 3;
  const out: unknown[] = new Array(n * 2);
  for (let k = 0; k < n; k++) {
    out[k * 2] = 0;
    out[k * 2 + 1] = error;
  }
  return { t: "done", out, ms: 0 };
}

function progressFile(): string | undefined {
  try {
    const path = Deno.makeTempFileSync({ prefix: "multitask-pool-" });
    Deno.writeFileSync(path, new Uint8Array(4));
    return path;
  } catch {
    return undefined; // no temp dir access: crashes fail the whole batch
  }
}
