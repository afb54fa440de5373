// The caller's side of a Pool of kind "redis": the PoolBackend the facade
// drives. Tasks go out as signed entries on the pool's task stream (batched
// when they are tiny, one per entry when they may need cancelling); results
// come back on this caller's own result stream, read by one blocking XREAD
// loop while anything is pending. A result is taken once per task id and
// later copies (a task re-run after its worker died) are ignored: execution
// is at-least-once, results exactly-once.

import type { Buffer } from "node:buffer";
import { AuthenticationError } from "../_crossing/auth.ts";
import type { SerializedError } from "../_crossing/errors.ts";
import type { TargetSpec } from "../_crossing/target.ts";
import {
  DONE,
  NEW,
  type PoolBackend,
  QUEUED,
  type Task,
} from "../pool/_backend.ts";
import type { PoolStats } from "../pool/_options.ts";
import {
  AbortError,
  PoolClosedError,
  PoolFullError,
  TimeoutError,
} from "../errors/mod.ts";
import {
  fieldsOf,
  pack,
  type ResultBatch,
  revive,
  Signer,
  type TaskBatch,
  TASKS_PER_ENTRY,
  unpack,
} from "./_envelope.ts";
import { type Arg, Link } from "./_link.ts";
import {
  CALLER_TTL,
  type PoolKeys,
  poolKeys,
  type RedisPoolSettings,
} from "./_pool_options.ts";
import { readWorkers, type WorkerBeat } from "./_heartbeat.ts";

const TICK = 2_000;
const READ_BLOCK = 2_000;
// A batch of tiny tasks is sized to run about this long on a worker.
const BATCH_MS = 2;

/** Stats of a Redis pool: the local figures plus its workers'. */
export interface RedisStats extends PoolStats {
  workers: number;
  retried: number;
}

/** The backend of `kind: "redis"` on the caller's side. */
export class RedisCaller implements PoolBackend {
  readonly #s: RedisPoolSettings;
  readonly #keys: PoolKeys;
  readonly #id = `${Deno.pid}-${crypto.randomUUID().slice(0, 13)}`;
  readonly #results: string;
  readonly #writer: Link;
  readonly #reader: Link;
  readonly #signer: Signer;
  readonly #pending = new Map<number, Task>();
  // Entry id -> ids of its tasks still pending (to delete the entry once
  // none is wanted any more, and to fail them if the entry is refused).
  readonly #entries = new Map<string, Set<number>>();
  #outbox: Task[] = [];
  #seq = 0;
  #open = true;
  #terminated = false;
  #reading = false;
  #lastId = "0-0";
  #tick: ReturnType<typeof setTimeout> | 0 | undefined;
  #taskMs = 0;
  #aliveUntil = 0;
  #lookedAt = 0;
  #completed = 0;
  #failed = 0;
  #retried = 0;
  #workers: WorkerBeat[] = [];
  #finished = Promise.withResolvers<void>();
  #finishing = false;

  private constructor(s: RedisPoolSettings, writer: Link, reader: Link) {
    this.#s = s;
    this.#keys = poolKeys(s.name);
    this.#results = this.#keys.results(this.#id);
    this.#writer = writer;
    this.#reader = reader;
    this.#signer = new Signer(s.authkey);
    this.#idle();
  }

  /** Connects to the pool's server; rejects with RedisConnectionError if it cannot. */
  static async open(s: RedisPoolSettings): Promise<RedisCaller> {
    const writer = await Link.open({
      url: s.url,
      queue: poolKeys(s.name).tasks,
      subject: `Redis pool '${s.name}'`,
      connectTimeout: s.connectTimeout,
      reconnectWindow: s.reconnectWindow,
    });
    try {
      return new RedisCaller(s, writer, await Link.twin(writer));
    } catch (error) {
      writer.destroy();
      throw error;
    }
  }

  get size(): number {
    let total = 0;
    for (const w of this.#workers) total += w.concurrency;
    return total || this.#s.size;
  }

  get open(): boolean {
    return this.#open;
  }

  stats(): RedisStats {
    // An idle pool does not beat: a look at its stats refreshes them.
    if (
      this.#tick === undefined && !this.#finishing &&
      Date.now() - this.#lookedAt > TICK / 2
    ) {
      this.#lookedAt = Date.now();
      readWorkers(this.#writer, this.#keys, {
        action: "read stats of",
        deadline: Date.now() + TICK,
      }).then((workers) => (this.#workers = workers), () => {});
    }
    let busy = 0;
    for (const w of this.#workers) busy += w.running[this.#id] ?? 0;
    busy = Math.min(busy, this.#pending.size); // heartbeats lag
    return {
      size: this.size,
      busy,
      queued: Math.max(0, this.#pending.size - busy),
      completed: this.#completed,
      failed: this.#failed,
      workers: this.#workers.length,
      retried: this.#retried,
    };
  }

  submit(task: Task, timeout: number, signal: AbortSignal | undefined): void {
    if (task.state !== NEW) return;
    if (!this.#open) return task.reject(this.#closedError());
    if (signal?.aborted) {
      return task.reject(
        new AbortError(
          "The task was cancelled through its signal before it was queued.",
          { cause: signal.reason },
        ),
      );
    }
    if (this.#pending.size >= this.#s.maxQueue) {
      return task.reject(
        new PoolFullError(
          `Cannot queue the task as Redis pool '${this.#s.name}' already has ${this.#pending.size} tasks pending (maxQueue: ${this.#s.maxQueue}). Await some results before submitting more, or raise maxQueue.`,
        ),
      );
    }
    task.state = QUEUED;
    task.seq = ++this.#seq;
    if (timeout > 0) {
      task.exclusive = true;
      task.timer = setTimeout(() => this.#expire(task, timeout), timeout);
    }
    if (signal) {
      task.exclusive = true;
      task.signal = signal;
      task.onAbort = () => this.#abort(task);
      signal.addEventListener("abort", task.onAbort, { once: true });
    }
    this.#pending.set(task.seq, task);
    this.#outbox.push(task);
    // Everything submitted in this tick goes out in one write.
    if (this.#outbox.length === 1) queueMicrotask(() => this.#flush());
    this.#busy();
  }

  drop(task: Task): void {
    if (task.state === NEW) task.state = DONE;
    if (task.state !== QUEUED) return;
    this.#forget(task);
  }

  close(): void {
    this.#open = false;
    this.#maybeFinish();
  }

  finished(): Promise<void> {
    return this.#finished.promise;
  }

  async terminate(): Promise<void> {
    if (this.#terminated) return await this.#finished.promise;
    this.#open = false;
    this.#terminated = true;
    const error = new PoolClosedError(
      `Redis pool '${this.#s.name}' was terminated before the task finished.`,
    );
    const entries = [...this.#entries.keys()];
    for (const task of [...this.#pending.values()]) {
      this.#forget(task);
      task.reject(error);
    }
    const options = { action: "terminate", deadline: Date.now() + 2_000 };
    await Promise.allSettled([
      entries.length > 0
        ? this.#writer.send(["XDEL", this.#keys.tasks, ...entries], options)
        : undefined,
      this.#writer.send(
        ["PUBLISH", this.#keys.cancel, `${this.#id} *`],
        options,
      ),
    ]);
    await this.#finish();
  }

  #closedError(): PoolClosedError {
    return new PoolClosedError(
      `Cannot submit work to Redis pool '${this.#s.name}' as it was ${
        this.#terminated ? "terminated" : "closed"
      }: close() and terminate() stop a pool for good. Submit everything before close(), or create a new Pool.`,
    );
  }

  // Tasks that must run alone go one per entry; the others are batched as
  // far as their measured run time allows.
  #flush(): void {
    const tasks = this.#outbox.filter((t) => t.state === QUEUED);
    this.#outbox = [];
    // As many as run in about BATCH_MS, by the workers' measure; a burst
    // is cut at least as map cuts its input: about four entries per slot.
    const per = Math.max(
      1,
      Math.min(
        TASKS_PER_ENTRY,
        Math.max(
          this.#taskMs > 0 ? Math.floor(BATCH_MS / this.#taskMs) : 1,
          Math.floor(tasks.length / (this.size * 4)),
        ),
      ),
    );
    let batch: Task[] = [];
    for (const task of tasks) {
      if (task.exclusive) {
        this.#send([task]);
        continue;
      }
      batch.push(task);
      if (batch.length >= per) {
        this.#send(batch);
        batch = [];
      }
    }
    if (batch.length > 0) this.#send(batch);
  }

  async #send(tasks: Task[]): Promise<void> {
    let payload: Buffer;
    try {
      payload = pack(this.#batch(tasks));
    } catch (error) {
      // Find the tasks that cannot cross; send the others.
      if (tasks.length > 1) {
        for (const task of tasks) this.#send([task]);
        return;
      }
      this.#forget(tasks[0]);
      return tasks[0].reject(
        new TypeError(
          `Cannot send the task to Redis pool '${this.#s.name}' as its arguments cannot be serialized (${
            (error as Error).message
          }). Only plain data crosses to other machines: library objects (Lock, Queue, Value...) and functions do not.`,
          { cause: error },
        ),
      );
    }
    const s = this.#s;
    const args: Arg[] = [
      "XADD",
      this.#keys.tasks,
      "*",
      "p",
      payload,
      "s",
      this.#signer.sign(this.#keys.tasks, payload),
      "c",
      this.#id,
      "v",
      String(s.visibilityTimeout),
      "m",
      String(s.retries + 3),
    ];
    try {
      const id = String(await this.#writer.send(args, { action: "submit to" }));
      const live = new Set<number>();
      for (const task of tasks) {
        if (task.state !== QUEUED) continue;
        task.member = id;
        live.add(task.seq);
      }
      if (live.size > 0) this.#entries.set(id, live);
      else this.#deleteEntry(id);
    } catch (error) {
      for (const task of tasks) {
        if (task.state !== QUEUED) continue;
        this.#forget(task);
        task.reject(error);
      }
    }
  }

  #batch(tasks: Task[]): TaskBatch {
    const specs: TargetSpec[] = [];
    const index = new Map<number, number>();
    const flat: unknown[] = [];
    for (const task of tasks) {
      let at = index.get(task.target.id);
      if (at === undefined) {
        at = specs.push(task.target.spec) - 1;
        index.set(task.target.id, at);
      }
      flat.push(task.seq, task.mode, at, task.payload);
    }
    const batch: TaskBatch = {
      d: specs,
      t: flat,
      timeout: this.#s.taskTimeout,
      retries: this.#s.retries,
      retryDelay: this.#s.retryDelay,
    };
    if (tasks[0].exclusive) batch.x = 1;
    return batch;
  }

  /** Reads results while any task is pending. */
  async #read(): Promise<void> {
    if (this.#reading) return;
    this.#reading = true;
    try {
      while (this.#pending.size > 0 && !this.#terminated) {
        const reply = await this.#reader.send<
          [Buffer, [Buffer, Buffer[]][]][] | null
        >([
          "XREAD",
          "COUNT",
          "256",
          "BLOCK",
          String(READ_BLOCK),
          "STREAMS",
          this.#results,
          this.#lastId,
        ], { action: "read results of", block: READ_BLOCK, binary: true });
        const entries = reply?.[0]?.[1] ?? [];
        for (const [id, fields] of entries) {
          this.#lastId = id.toString();
          this.#receive(fieldsOf(fields));
        }
        if (entries.length > 0) {
          // What was read is not needed again.
          this.#writer.send(
            ["XDEL", this.#results, ...entries.map(([id]) => id.toString())],
            { action: "read results of" },
          ).catch(() => {});
        }
      }
    } catch (error) {
      if (this.#terminated) return;
      // The server is gone for good: nothing pending will be answered.
      for (const task of [...this.#pending.values()]) {
        this.#forget(task);
        task.reject(error);
      }
    } finally {
      this.#reading = false;
      this.#maybeFinish();
      if (this.#pending.size === 0) this.#idle();
    }
  }

  #receive(fields: Map<string, Buffer>): void {
    const refused = fields.get("x");
    if (refused) return this.#refused(refused.toString(), fields);
    const payload = fields.get("p");
    if (
      !payload ||
      !this.#signer.verify(this.#results, payload, fields.get("s"))
    ) {
      return; // not from a worker holding the key: ignored
    }
    const batch = unpack(payload) as ResultBatch;
    for (const [id, ok, value, attempts] of batch.r) {
      const task = this.#pending.get(id);
      if (!task) continue; // already answered: a re-run's copy
      this.#forget(task, true);
      this.#retried += attempts - 1;
      if (ok) {
        this.#completed++;
        task.resolve(value);
      } else {
        this.#failed++;
        task.reject(revive(value as SerializedError));
      }
    }
    if (typeof batch.ms === "number" && batch.ms > 0) this.#taskMs = batch.ms;
  }

  // A worker refused an entry without reading it: its signature is wrong.
  #refused(entry: string, fields: Map<string, Buffer>): void {
    const worker = fields.get("w")?.toString() ?? "a worker";
    const ids = this.#entries.get(entry);
    if (!ids) return;
    for (const id of [...ids]) {
      const task = this.#pending.get(id);
      if (!task) continue;
      this.#forget(task);
      this.#failed++;
      task.reject(
        new AuthenticationError(
          `Cannot run the task on Redis pool '${this.#s.name}' as worker ${worker} refused its signature: the pool's authkey and the worker's --authkey differ. Start the workers with --authkey set to the pool's authkey.`,
        ),
      );
    }
  }

  #expire(task: Task, timeout: number): void {
    if (task.state !== QUEUED) return;
    this.#cancel(task);
    this.#failed++;
    task.reject(
      new TimeoutError(
        `The task did not finish within its timeout of ${timeout} ms on Redis pool '${this.#s.name}'; it was cancelled on its worker. Raise the timeout, or split the work into smaller tasks.`,
      ),
    );
  }

  #abort(task: Task): void {
    if (task.state !== QUEUED) return;
    this.#cancel(task);
    this.#failed++;
    task.reject(
      new AbortError(
        `The task was cancelled through its signal; Redis pool '${this.#s.name}' took it off the queue, or stopped it on its worker.`,
        { cause: task.signal?.reason },
      ),
    );
  }

  // Off the queue if it is still there; stopped on its worker if it runs.
  #cancel(task: Task): void {
    this.#forget(task);
    this.#writer.send(
      ["PUBLISH", this.#keys.cancel, `${this.#id} ${task.seq}`],
      { action: "cancel a task of" },
    ).catch(() => {});
  }

  /**
   * The task is settled or unwanted: no result of it is taken any more. An
   * entry left with no wanted task is deleted, unless its result came (its
   * worker deleted it).
   */
  #forget(task: Task, answered = false): void {
    task.state = DONE;
    if (task.timer !== undefined) clearTimeout(task.timer);
    if (task.onAbort) task.signal!.removeEventListener("abort", task.onAbort);
    this.#pending.delete(task.seq);
    const entry = task.member as string | undefined;
    const live = entry === undefined ? undefined : this.#entries.get(entry);
    if (!live) return;
    live.delete(task.seq);
    if (live.size > 0) return;
    this.#entries.delete(entry!);
    if (!answered) this.#deleteEntry(entry!);
  }

  // Deleting an entry nobody waits for keeps a worker from running it; one
  // that already runs it finds it gone when it acknowledges.
  #deleteEntry(entry: string): void {
    this.#writer.send(["XDEL", this.#keys.tasks, entry], {
      action: "cancel a task of",
    }).catch(() => {});
  }

  #busy(): void {
    this.#writer.ref(true);
    this.#reader.ref(true);
    if (!this.#reading) this.#read();
    if (this.#tick === undefined) this.#beat();
  }

  #idle(): void {
    this.#writer.ref(false);
    this.#reader.ref(false);
  }

  // Tells workers this caller still waits (a vanished caller's tasks are
  // dropped once its key expires) and refreshes the workers' figures. A key
  // found expired while it should have been there (this process stalled
  // longer than CALLER_TTL) means workers may have dropped pending tasks:
  // they are sent again (a copy that ran anyway is ignored).
  async #beat(): Promise<void> {
    this.#tick = 0;
    try {
      const options = { action: "refresh", deadline: Date.now() + TICK };
      const [previous, workers] = await Promise.all([
        this.#writer.send([
          "SET",
          this.#keys.caller(this.#id),
          "1",
          "PX",
          String(CALLER_TTL),
          "GET",
        ], options),
        readWorkers(this.#writer, this.#keys, options),
      ]);
      this.#workers = workers;
      this.#lookedAt = Date.now();
      if (previous === null && Date.now() < this.#aliveUntil) this.#resend();
      this.#aliveUntil = Date.now() + CALLER_TTL;
    } catch {
      // The next beat tries again; calls report a lost server themselves.
    }
    if (this.#pending.size === 0 || this.#finishing) {
      this.#tick = undefined;
      return;
    }
    const timer = setTimeout(() => this.#beat(), TICK);
    Deno.unrefTimer(timer as unknown as number);
    this.#tick = timer;
  }

  #resend(): void {
    const sent = [...this.#pending.values()].filter((t) => t.member);
    for (const task of sent) {
      this.#entries.get(task.member as string)?.delete(task.seq);
      task.member = undefined;
    }
    this.#outbox.push(...sent);
    if (sent.length > 0) queueMicrotask(() => this.#flush());
  }

  #maybeFinish(): void {
    if (!this.#open && this.#pending.size === 0 && !this.#finishing) {
      this.#finish();
    }
  }

  async #finish(): Promise<void> {
    if (this.#finishing) return;
    this.#finishing = true;
    if (this.#tick) clearTimeout(this.#tick);
    const options = { action: "close", deadline: Date.now() + 1_000 };
    this.#reader.destroy();
    await this.#writer.send(
      ["DEL", this.#results, this.#keys.caller(this.#id)],
      options,
    ).catch(() => {});
    await this.#writer.close();
    this.#finished.resolve();
  }
}
