// A Redis pool worker: takes signed task entries from the pool's stream
// (XREADGROUP in the "workers" group), runs each task on a local Pool of its
// own (threads or child processes), and writes results back to each
// caller's stream, acknowledging an entry in the same step as its last
// result (FINISH). It renews the entries it holds, so that only those of a
// worker that stopped are taken over after their visibilityTimeout
// (RECLAIM), and it announces itself with heartbeats. lib/redis/worker.ts is
// its command line.

import type { Buffer } from "node:buffer";
import { serializeError } from "../_crossing/errors.ts";
import { defineTarget, type TargetSpec } from "../_crossing/target.ts";
import { NEW, type PoolBackend, Task } from "../pool/_backend.ts";
import { AbortError, TimeoutError } from "../errors/mod.ts";
import { threadBackend } from "../pool/_thread_worker.ts";
import { processBackend } from "../pool/_process_worker.ts";
import { CallerWatch } from "./_callers.ts";
import {
  fieldsOf,
  type ResultRecord,
  Signer,
  type TaskBatch,
  unpack,
} from "./_envelope.ts";
import { BEAT, clearBeat, type WorkerBeat, writeBeat } from "./_heartbeat.ts";
import { isReplyError, Link, type SendOptions, Subscription } from "./_link.ts";
import { GROUP, type PoolKeys, poolKeys } from "./_pool_options.ts";
import { targetRefusal, Targets } from "./_targets.ts";
import { Outbox } from "./_outbox.ts";
import {
  type Claimant,
  claimLost,
  type Entry,
  handBack,
  reclaim,
  renew,
} from "./_claims.ts";

/** A worker's settings, checked. */
export interface WorkerSettings {
  url: string;
  /** The pool served (the callers' `name`). */
  name: string;
  /** Absolute URLs of the modules whose exports it runs. */
  modules: string[];
  authkey: Uint8Array;
  concurrency: number;
  kind: "thread" | "process";
  allowSource: boolean;
  reconnectWindow: number;
  /** Names this worker in errors, stats and the consumer group. */
  id: string;
}

/** One entry being worked on. */
interface Held {
  id: string;
  caller: string;
  remaining: number;
}

const READ_BLOCK = 2_000;

/**
 * A running worker of a Redis pool, as `startWorker()` returns it.
 *
 * @example
 * ```ts ignore
 * import { startWorker } from "@multitask/core/worker";
 *
 * const worker = await startWorker({
 *   redis: "redis://127.0.0.1:6379",
 *   modules: ["./tasks.ts"],
 *   authkey: "secret",
 * });
 * console.log(worker.id); // e.g. "build-box-4242"
 * await worker.drain();
 * ```
 */
export class RedisWorker {
  /** Names the worker in stats and errors: `<hostname>-<pid>` (a number follows for a second worker in one process). */
  readonly id: string;
  readonly #s: WorkerSettings;
  readonly #keys: PoolKeys;
  readonly #cmd: Link;
  readonly #reader: Link;
  readonly #local: PoolBackend;
  readonly #targets: Targets;
  readonly #outbox: Outbox;
  readonly #signer: Signer;
  readonly #claimant: Claimant;
  #sub: Subscription | undefined;
  readonly #held = new Map<string, Held>();
  // Entries taken whose caller is being looked up before they run.
  readonly #checking = new Set<string>();
  readonly #running = new Map<string, AbortController | undefined>();
  readonly #runningBy = new Map<string, number>();
  readonly #callers: CallerWatch;
  // Service time: wall time with tasks running, over tasks done, times the
  // slots that were in use. Queueing in the local pool does not count.
  #busyFrom = 0;
  #busyMs = 0;
  #doneCount = 0;
  #peak = 0;
  #draining = false;
  #stopped = Promise.withResolvers<void>();
  #wake: (() => void) | undefined;
  #beatTimer: ReturnType<typeof setTimeout> | undefined;
  #beating = true;
  #minVt = Infinity;
  #taskMs = 0;
  #completed = 0;
  #failed = 0;
  readonly #retrying = new Set<ReturnType<typeof setTimeout>>();
  // Stopped without finishing: outcomes of what ran are not sent, so its
  // entries stay pending and go to other workers.
  #halted = false;
  #lost: unknown;
  #stopping: Promise<void> | undefined;

  private constructor(s: WorkerSettings, cmd: Link, reader: Link) {
    this.#s = s;
    this.id = s.id;
    this.#keys = poolKeys(s.name);
    this.#cmd = cmd;
    this.#reader = reader;
    this.#claimant = { cmd, keys: this.#keys, id: s.id };
    this.#targets = new Targets(s);
    this.#signer = new Signer(s.authkey);
    this.#callers = new CallerWatch(cmd, this.#keys);
    this.#outbox = new Outbox(cmd, this.#keys, {
      id: s.id,
      signer: this.#signer,
      vanished: (caller) => this.#callers.vanished(caller),
      measure: () => this.#measure(),
      flushed: () => this.#maybeStop(),
      lost: (error) => {
        if (this.#draining) return;
        this.#lost = error;
        this.terminate();
      },
    });
    const backend = s.kind === "process" ? processBackend : threadBackend;
    this.#local = backend({
      name: s.id,
      size: s.concurrency,
      minSize: 0,
      maxTasksPerWorker: 0,
      maxQueue: Infinity,
      taskTimeout: 0,
      module: s.modules[0],
      options: {},
    });
  }

  /**
   * Connects, joins the pool's group and starts taking tasks; use
   * `startWorker()`, which checks the options first.
   *
   * @param s The checked settings.
   * @returns The running worker.
   */
  static async start(s: WorkerSettings): Promise<RedisWorker> {
    await Targets.check(s.modules);
    const link = {
      url: s.url,
      queue: poolKeys(s.name).tasks,
      subject: `Redis pool '${s.name}' (worker ${s.id})`,
      connectTimeout: 5_000,
      reconnectWindow: s.reconnectWindow,
    };
    const cmd = await Link.open(link);
    let reader: Link | undefined;
    try {
      reader = await Link.twin(cmd);
      const worker = new RedisWorker(s, cmd, reader);
      await worker.#createGroup();
      worker.#sub = await Subscription.open(
        s.url,
        worker.#keys.cancel,
        (message) => worker.#onCancel(message),
      );
      await worker.#beat();
      worker.#loop();
      return worker;
    } catch (error) {
      cmd.destroy();
      reader?.destroy();
      throw error;
    }
  }

  /** Resolves once the worker stopped (drained, terminated, or lost its server). */
  get stopped(): Promise<void> {
    return this.#stopped.promise;
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running.size;
  }

  /**
   * Takes nothing new, finishes the tasks it took, sends their results,
   * then stops. Entries it was handed just as it stopped reading are handed
   * back: other workers take them at their next beat.
   */
  async drain(): Promise<void> {
    if (!this.#draining) {
      this.#draining = true;
      this.#reader.destroy(); // ends a blocked XREADGROUP
      this.#poke();
      this.#maybeStop();
    }
    await this.#stopped.promise;
  }

  /** Stops now: running tasks are killed; their entries are handed back, for other workers to take at their next beat. */
  async terminate(): Promise<void> {
    this.#halted = true;
    this.#outbox.halt();
    this.#draining = true;
    this.#reader.destroy();
    await this.#local.terminate();
    await this.#stop();
  }

  async #createGroup(): Promise<void> {
    try {
      await this.#cmd.send(
        ["XGROUP", "CREATE", this.#keys.tasks, GROUP, "0", "MKSTREAM"],
        { action: "join" },
      );
    } catch (error) {
      if (!isReplyError(error) || !error.message.startsWith("BUSYGROUP")) {
        throw error;
      }
    }
  }

  // How many more tasks to take now: enough to keep every local worker busy
  // (short tasks: several batches ahead), never an unbounded backlog.
  #room(): number {
    const depth = this.#taskMs > 0
      ? Math.min(128, Math.max(2, Math.ceil(2 / this.#taskMs)))
      : 2;
    return this.#s.concurrency * depth - this.#running.size;
  }

  async #loop(): Promise<void> {
    try {
      while (!this.#draining) {
        const room = this.#room();
        if (room <= 0) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
          continue;
        }
        const entries = await this.#read(Math.min(64, room));
        for (const [id, fields] of entries) {
          this.#take(id.toString(), fieldsOf(fields), 1);
        }
      }
    } catch (error) {
      if (this.#draining) return;
      // The server stayed away longer than the reconnect window.
      this.#lost = error;
      await this.terminate();
    }
  }

  /** The error that stopped the worker, if its server went away. */
  get error(): unknown {
    return this.#lost;
  }

  async #read(count: number): Promise<Entry[]> {
    const args = [
      "XREADGROUP",
      "GROUP",
      GROUP,
      this.id,
      "COUNT",
      String(count),
      "BLOCK",
      String(READ_BLOCK),
      "STREAMS",
      this.#keys.tasks,
      ">",
    ];
    const options = {
      action: "take tasks from",
      block: READ_BLOCK,
      binary: true,
    };
    let reply: [Buffer, Entry[]][] | null;
    try {
      reply = await this.#reader.send(args, options);
    } catch (error) {
      if (!isReplyError(error) || !error.message.includes("NOGROUP")) {
        throw error;
      }
      await this.#createGroup(); // the server restarted without its data
      reply = await this.#reader.send(args, options);
    }
    return reply?.[0]?.[1] ?? [];
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #take(
    id: string,
    fields: Map<string, Buffer>,
    deliveries: number,
    checked = false,
  ): void {
    const caller = fields.get("c")?.toString() ?? "";
    const payload = fields.get("p");
    if (
      !payload ||
      !this.#signer.verify(this.#keys.tasks, payload, fields.get("s"))
    ) {
      return this.#outbox.refuse(id, fields, caller);
    }
    const vt = Number(fields.get("v"));
    if (vt > 0 && vt < this.#minVt) this.#restartBeat(vt);
    if (!this.#callers.saw(caller) && !checked) {
      this.#checking.add(id);
      this.#callers.recheck(caller, { action: "take tasks from" })
        .then(() => {
          this.#checking.delete(id);
          if (!this.#halted) this.#take(id, fields, deliveries, true);
        });
      return;
    }
    const batch = unpack(payload) as TaskBatch;
    const held: Held = { id, caller, remaining: batch.t.length / 4 };
    this.#held.set(id, held);
    // A vanished caller's tasks are not run: nobody would read the results.
    const skip = this.#callers.vanished(caller);
    const refused = new Set<string>();
    for (let i = 0; i < batch.t.length; i += 4) {
      const taskId = batch.t[i] as number;
      if (skip || this.#callers.cancelled(caller, taskId)) {
        this.#settle(held);
        continue;
      }
      const spec = batch.d[batch.t[i + 2] as number];
      const own = this.#targets.resolve(spec);
      if (typeof own === "string") {
        // One dead letter per entry and reason, however many tasks it holds.
        if (!refused.has(own)) this.#outbox.deadLetter(id, fields, own);
        refused.add(own);
        this.#record(held, [taskId, 0, targetRefusal(own), deliveries]);
        continue;
      }
      this.#run(held, batch, i, own, 1);
    }
  }

  #run(
    held: Held,
    batch: TaskBatch,
    at: number,
    spec: TargetSpec,
    attempt: number,
  ): void {
    const taskId = batch.t[at] as number;
    const key = `${held.caller} ${taskId}`;
    // Only a task that may be cancelled gets a signal: the local pool runs
    // such a task alone in its batch, and that costs.
    const control = batch.x ? new AbortController() : undefined;
    if (this.#running.size === 0) this.#busyFrom = performance.now();
    this.#running.set(key, control);
    this.#peak = Math.max(this.#peak, this.#running.size);
    this.#count(held.caller, 1);
    const done = () => {
      this.#running.delete(key);
      this.#count(held.caller, -1);
      this.#doneCount++;
      if (this.#running.size === 0) {
        this.#busyMs += performance.now() - this.#busyFrom;
      }
      this.#poke();
    };
    const task = new Task(
      batch.t[at + 1] as number,
      defineTarget(spec),
      batch.t[at + 3],
      (value) => {
        done();
        if (this.#halted) return;
        this.#completed++;
        this.#record(held, [taskId, 1, value, attempt]);
      },
      (error) => {
        done();
        if (this.#halted) return;
        if (
          control?.signal.aborted ||
          this.#callers.cancelled(held.caller, taskId)
        ) {
          return this.#settle(held); // the caller gave up on it
        }
        if (attempt <= batch.retries && retryable(error)) {
          const wait = batch.retryDelay * 2 ** (attempt - 1);
          const timer = setTimeout(() => {
            this.#retrying.delete(timer);
            this.#run(held, batch, at, spec, attempt + 1);
          }, wait);
          this.#retrying.add(timer);
          return;
        }
        this.#failed++;
        if (batch.retries > 0) {
          this.#outbox.deadLetter(
            held.id,
            undefined,
            `task ${taskId} of caller ${held.caller} failed ${attempt} times; last error: ${
              (error as Error)?.message ?? String(error)
            }`,
          );
        }
        this.#record(held, [taskId, 0, serializeError(error), attempt]);
      },
    );
    if (task.state === NEW) {
      this.#local.submit(task, batch.timeout, control?.signal);
    }
  }

  #count(caller: string, delta: number): void {
    const n = (this.#runningBy.get(caller) ?? 0) + delta;
    if (n > 0) this.#runningBy.set(caller, n);
    else this.#runningBy.delete(caller);
  }

  #record(held: Held, record: ResultRecord): void {
    this.#outbox.result(held.caller, record);
    this.#settle(held);
  }

  #settle(held: Held): void {
    if (--held.remaining > 0) return;
    this.#held.delete(held.id);
    this.#outbox.ack(held.id);
  }

  /** Milliseconds a task takes on one slot, as measured since the last call. */
  #measure(): number {
    const now = performance.now();
    if (this.#doneCount > 0) {
      const wall = this.#busyMs +
        (this.#running.size > 0 ? now - this.#busyFrom : 0);
      const slots = Math.min(this.#s.concurrency, Math.max(1, this.#peak));
      const ms = wall * slots / this.#doneCount;
      this.#taskMs = this.#taskMs === 0 ? ms : 0.5 * this.#taskMs + 0.5 * ms;
    }
    this.#busyMs = 0;
    this.#busyFrom = now;
    this.#doneCount = 0;
    this.#peak = this.#running.size;
    return this.#taskMs;
  }

  #onCancel(message: string): void {
    const [caller, task] = message.split(" ");
    if (!caller || !task) return;
    this.#callers.cancel(message);
    for (const [key, control] of this.#running) {
      if (key === message || (task === "*" && key.startsWith(`${caller} `))) {
        control?.abort(new AbortError("cancelled by its caller"));
      }
    }
  }

  #restartBeat(vt: number): void {
    this.#minVt = vt;
    clearTimeout(this.#beatTimer);
    this.#scheduleBeat();
  }

  #scheduleBeat(): void {
    if (!this.#beating) return;
    const every = Math.max(100, Math.min(BEAT, this.#minVt / 4));
    this.#beatTimer = setTimeout(() => this.#beat(), every);
  }

  // Heartbeat, renewal of the entries held, take-over of abandoned ones,
  // and which callers are still there.
  async #beat(): Promise<void> {
    const options = { action: "refresh", deadline: Date.now() + BEAT * 2 };
    const held = [...this.#held.keys(), ...this.#checking];
    const work: Promise<unknown>[] = [
      writeBeat(this.#cmd, this.#keys, this.#state(), options),
    ];
    if (held.length > 0) work.push(renew(this.#claimant, held, options));
    if (!this.#draining && this.#room() > 0) work.push(this.#reclaim(options));
    work.push(this.#callers.refresh(options));
    // A failed beat is tried again next time; a server gone for good is
    // reported by the take loop.
    await Promise.allSettled(work);
    this.#scheduleBeat();
  }

  async #reclaim(options: SendOptions): Promise<void> {
    const { taken, own } = await reclaim(
      this.#claimant,
      Math.min(this.#minVt, 1_000),
      Math.max(1, Math.ceil(this.#room() / 8)),
      options,
    );
    for (const [id, fields, deliveries] of taken) {
      this.#take(id.toString(), fieldsOf(fields), Number(deliveries));
    }
    await this.#takeBack(own, options);
  }

  /**
   * Entries pending under this worker's own name, idle past their
   * visibilityTimeout, that it does not know: handed to it in a reply that
   * never reached it (the server died before sending it, or the connection
   * went with it). Without this they would wait for ever when this worker
   * is the only one. Those it knows (held, being checked, acknowledging)
   * are left alone.
   */
  async #takeBack(
    own: [Buffer, number][],
    options: SendOptions,
  ): Promise<void> {
    const lost = own.map(([id, vt]) => [id.toString(), Number(vt)] as const)
      .filter(([id]) => !this.#knows(id));
    if (lost.length === 0 || this.#draining) return;
    for (const [id, fields] of await claimLost(this.#claimant, lost, options)) {
      if (!this.#knows(id.toString())) {
        this.#take(id.toString(), fieldsOf(fields), 2);
      }
    }
  }

  #knows(entry: string): boolean {
    return this.#held.has(entry) || this.#checking.has(entry) ||
      this.#outbox.knows(entry);
  }

  #state(): WorkerBeat {
    return {
      id: this.id,
      kind: this.#s.kind,
      concurrency: this.#s.concurrency,
      running: Object.fromEntries(this.#runningBy),
      completed: this.#completed,
      failed: this.#failed,
      modules: this.#s.modules,
      draining: this.#draining,
    };
  }

  #maybeStop(): void {
    if (this.#halted) return;
    if (
      this.#draining && this.#held.size === 0 && this.#checking.size === 0 &&
      this.#running.size === 0 &&
      this.#retrying.size === 0 && this.#outbox.empty
    ) {
      this.#stop();
    }
  }

  #stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearTimeout(this.#beatTimer);
      this.#beating = false;
      for (const timer of this.#retrying) clearTimeout(timer);
      this.#local.close();
      await this.#local.finished();
      this.#sub?.close();
      this.#reader.destroy();
      const leave = { action: "leave", deadline: Date.now() + 1_000 };
      await handBack(this.#claimant, leave).catch(() => {});
      await clearBeat(this.#cmd, this.#keys, this.id, leave).catch(() => {});
      await this.#cmd.close();
      this.#stopped.resolve();
    })();
    return this.#stopping;
  }
}

// A timeout or a cancellation is the caller's word; a refusal will not
// change: only errors of the run itself are tried again.
function retryable(error: unknown): boolean {
  return !(error instanceof TimeoutError) && !(error instanceof AbortError) &&
    (error as Error)?.name !== "TargetError";
}
