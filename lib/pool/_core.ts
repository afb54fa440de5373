// The one pool core behind both kinds of Pool: the task queue, the choice of
// worker, batching, timeouts and cancellation, crash handling and shutdown.
// A kind only supplies `StartWorker` (a thread or a child process); nothing
// here knows which one it drives.

import { deserializeError, type SerializedError } from "../_crossing/errors.ts";
import type { TargetSpec } from "../_crossing/target.ts";
import {
  decodeValue,
  encodeValue,
  type ObjectImporter,
  type Route,
} from "../_crossing/codec.ts";
import {
  type DoneMessage,
  MODE_HANDLES,
  type RunMessage,
  type WorkerReply,
} from "./_protocol.ts";
import {
  AbortError,
  PoolClosedError,
  PoolFullError,
  TimeoutError,
  WorkerCrashedError,
} from "./errors.ts";

/** What the core hears from a worker. */
export interface WorkerEvents {
  reply(message: WorkerReply): void;
  /** The worker is gone; `detail` says how when the driver knows more than the code. */
  exit(code: number | null, detail?: string): void;
}

/** What the core needs from a worker, whatever it runs on. */
export interface PoolWorker {
  /** How arguments are encoded for this worker; none: its channel does it. */
  readonly route: Route | undefined;
  /** How results from this worker are decoded. */
  readonly importer?: ObjectImporter;
  /** Extra words for the worker's name, e.g. "process 1234". */
  readonly label: string;
  send(message: RunMessage, transfer: Transferable[]): void;
  /** [started, finished] task sequence numbers, when the worker shares them. */
  progress(): [number, number] | undefined;
  /** Whether the worker should keep the program alive (it has work). */
  ref(busy: boolean): void;
  /** Stops the worker now, even if stuck; resolves once it is gone. */
  kill(): Promise<void>;
  /** Lets an idle worker exit cleanly; resolves once it is gone. */
  stop(): Promise<void>;
}

/** Starts one worker; its first message is the init with these settings. */
export type StartWorker = (
  name: string,
  setup: WorkerSetup,
  events: WorkerEvents,
) => PoolWorker;

/** The per-worker settings. */
export interface WorkerSetup {
  initializer?: TargetSpec;
  initargs?: unknown[];
}

/** The core's settings, already validated. */
export interface CoreOptions {
  name: string;
  size: number;
  maxTasksPerWorker: number;
  maxQueue: number;
  taskTimeout: number;
  /** Most tasks in one batch (results a SIGKILLed worker had not sent are lost with it). */
  maxBatch: number;
  setup: WorkerSetup;
  start: StartWorker;
}

const NEW = -1, QUEUED = 0, RUNNING = 1, DONE = 2;

// Batches are sized so that one takes about this long to run: long enough
// to amortise a message, short enough to keep the workers evenly loaded.
const BATCH_MS = 2;
// With tiny tasks a worker gets its next batches while it runs one, so it
// never waits for a message (batches queued behind a crash go back to the
// queue). Only when tasks are known to be short: a long task would hold back
// the batches behind it while another worker sits idle.
const PIPELINE = 3;
const SWEEP_MS = 5;
const PIPELINE_TASK_MS = 0.25;

/** One unit of work: a call, or a chunk of a map. */
export class Task {
  state = NEW;
  member: Member | undefined = undefined;
  seq = 0;
  timer: ReturnType<typeof setTimeout> | undefined = undefined;
  signal: AbortSignal | undefined = undefined;
  onAbort: (() => void) | undefined = undefined;
  transfer: Transferable[] | undefined = undefined;
  /** Runs alone in its batch, because its worker may have to be killed. */
  exclusive = false;

  constructor(
    readonly mode: number,
    readonly target: number,
    readonly payload: unknown,
    readonly resolve: (value: unknown) => void,
    readonly reject: (error: unknown) => void,
  ) {}
}

/** A running worker as the core sees it. */
class Member {
  readonly inflight: Task[] = [];
  head = 0;
  readonly batches: number[] = [];
  readonly known = new Set<number>();
  sent = 0;
  used = 0;
  dead = false;
  crash: SerializedError | undefined = undefined;
  initFailure: SerializedError | undefined = undefined;
  worker!: PoolWorker;
  runTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** Runs an exclusive task: nothing may be queued behind it. */
  exclusive = false;
  gone: Promise<void> | undefined = undefined;

  constructor(readonly name: string) {}

  get busy(): boolean {
    return this.head < this.inflight.length;
  }

  get label(): string {
    return `${this.name} (${this.worker.label})`;
  }
}

/** The scheduler. */
export class PoolCore {
  #options: CoreOptions;
  #queue: (Task | undefined)[] = [];
  #head = 0;
  #queued = 0;
  #members: Member[] = [];
  #idle: Member[] = [];
  #spawned = 0;
  #specs: TargetSpec[] = [];
  #specIds = new Map<string, number>();
  #perTask = 0;
  #open = true;
  #terminated = false;
  #finished = Promise.withResolvers<void>();
  #finishing = false;
  completed = 0;
  failed = 0;

  constructor(options: CoreOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#options.size;
  }

  get busy(): number {
    let n = 0;
    for (const m of this.#members) if (m.busy) n++;
    return n;
  }

  get queued(): number {
    return this.#queued;
  }

  get open(): boolean {
    return this.#open;
  }

  /** The id workers know a target by; each spec is shipped to a worker once. */
  targetId(spec: TargetSpec): number {
    const key = spec.kind === "export"
      ? `${spec.module}#${spec.name}`
      : spec.source;
    let id = this.#specIds.get(key);
    if (id === undefined) {
      id = this.#specs.length;
      this.#specs.push(spec);
      this.#specIds.set(key, id);
    }
    return id;
  }

  /** Why new work is refused, or undefined when it is accepted. */
  refusal(): Error | undefined {
    if (this.#open) return undefined;
    return new PoolClosedError(
      `Cannot submit work to pool ${this.#options.name} as it was ${
        this.#terminated ? "terminated" : "closed"
      }: close() and terminate() stop a pool for good. Submit everything before close(), or create a new Pool.`,
    );
  }

  /** Queues a task (or hands it to an idle worker right away). */
  submit(task: Task, timeout: number, signal: AbortSignal | undefined): void {
    if (task.state !== NEW) return; // dropped before it was submitted
    const refused = this.refusal();
    if (refused) return task.reject(refused);
    if (signal?.aborted) {
      return task.reject(abortError(signal, "before it was queued"));
    }
    if (this.#queued >= this.#options.maxQueue && !this.#hasRoom()) {
      return task.reject(
        new PoolFullError(
          `Cannot queue the task as pool ${this.#options.name} already has ${this.#queued} tasks waiting (maxQueue: ${this.#options.maxQueue}). Await some results before submitting more, or raise maxQueue.`,
        ),
      );
    }
    if (timeout > 0) {
      task.exclusive = true;
      task.timer = setTimeout(
        () => this.#expire(task, timeout, false),
        timeout,
      );
    }
    if (signal) {
      task.exclusive = true;
      task.signal = signal;
      task.onAbort = () => this.#abort(task);
      signal.addEventListener("abort", task.onAbort, { once: true });
    }
    if (this.#options.taskTimeout > 0) task.exclusive = true;
    task.state = QUEUED;
    this.#queue.push(task);
    this.#queued++;
    this.#pump();
  }

  /** Drops a task that has not started (map consumers that stopped early). */
  drop(task: Task): void {
    if (task.state === NEW) task.state = DONE;
    if (task.state !== QUEUED) return;
    this.#unqueue(task);
    this.#settle(task);
  }

  // A worker is free, or one may still be started: the task will not wait.
  #hasRoom(): boolean {
    return this.#idle.length > 0 || this.#members.length < this.#options.size;
  }

  #pump(): void {
    while (this.#queued > 0) {
      const member = this.#idle.pop() ?? this.#spawn();
      if (!member) break;
      this.#dispatch(member);
    }
    if (this.#queued > 0 && this.#pipelining()) this.#topUp();
    if (!this.#open) this.#maybeFinish();
  }

  #pipelining(): boolean {
    return this.#perTask > 0 && this.#perTask < PIPELINE_TASK_MS;
  }

  // Gives busy workers more batches, one each in turn, up to PIPELINE.
  #topUp(): void {
    const cap = this.#options.maxTasksPerWorker;
    let sent = true;
    while (sent && this.#queued > 0) {
      sent = false;
      for (const member of this.#members) {
        if (this.#queued === 0) return;
        const next = this.#peek();
        if (!next || next.exclusive) return; // waits for an idle worker
        if (
          member.batches.length === 0 || member.batches.length >= PIPELINE ||
          member.exclusive || (cap > 0 && member.used >= cap)
        ) continue;
        this.#dispatch(member);
        sent = true;
      }
    }
  }

  #spawn(): Member | undefined {
    if (this.#members.length >= this.#options.size || this.#terminated) {
      return undefined;
    }
    const name = `${this.#options.name}-worker-${++this.#spawned}`;
    const member = new Member(name);
    try {
      member.worker = this.#options.start(name, this.#options.setup, {
        reply: (message) => this.#onReply(member, message),
        exit: (code, detail) => this.#onExit(member, code, detail),
      });
    } catch (error) {
      this.#cannotStart(error);
      return undefined;
    }
    this.#members.push(member);
    return member;
  }

  // No worker could be started (no permission to run a child...): with no
  // worker at all nothing queued can ever run, so it fails now.
  #cannotStart(error: unknown): void {
    if (this.#members.length > 0) return;
    for (let task = this.#dequeue(); task; task = this.#dequeue()) {
      this.#settle(task);
      this.failed++;
      task.reject(error);
    }
  }

  #dequeue(): Task | undefined {
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const task = queue[this.#head];
      queue[this.#head++] = undefined;
      if (task && task.state === QUEUED) {
        this.#queued--;
        this.#compact();
        return task;
      }
    }
    return undefined;
  }

  #peek(): Task | undefined {
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const task = queue[this.#head];
      if (task && task.state === QUEUED) return task;
      queue[this.#head++] = undefined;
    }
    return undefined;
  }

  #compact(): void {
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #unqueue(task: Task): void {
    // Left in the array as a hole; #dequeue skips it.
    task.state = DONE;
    this.#queued--;
  }

  #batchLimit(member: Member): number {
    const depth = this.#pipelining() ? PIPELINE : 1;
    const share = Math.ceil(this.#queued / (this.#options.size * depth));
    const byCost = this.#perTask > 0 ? Math.floor(BATCH_MS / this.#perTask) : 1;
    let limit = Math.max(1, Math.min(share, byCost, this.#options.maxBatch));
    const cap = this.#options.maxTasksPerWorker;
    if (cap > 0) limit = Math.min(limit, cap - member.used);
    return limit;
  }

  #dispatch(member: Member): void {
    const first = this.#dequeue();
    if (!first) {
      this.#idle.push(member);
      return;
    }
    const tasks = [first];
    if (!first.exclusive) {
      const limit = this.#batchLimit(member);
      while (tasks.length < limit) {
        const next = this.#peek();
        if (!next || next.exclusive) break;
        tasks.push(this.#dequeue()!);
      }
    }
    this.#send(member, tasks);
  }

  #send(member: Member, tasks: Task[]): void {
    const worker = member.worker;
    const wire: unknown[] = new Array(tasks.length * 3);
    let defs: unknown[] | undefined;
    let transfer: Transferable[] | undefined;
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i];
      task.state = RUNNING;
      task.member = member;
      task.seq = ++member.sent;
      member.inflight.push(task);
      if (!member.known.has(task.target)) {
        member.known.add(task.target);
        (defs ??= []).push(task.target, this.#specs[task.target]);
      }
      const payload = worker.route
        ? encodeValue(task.payload, worker.route)
        : task.payload;
      wire[i * 3] = payload === task.payload
        ? task.mode
        : task.mode | MODE_HANDLES;
      wire[i * 3 + 1] = task.target;
      wire[i * 3 + 2] = payload;
      if (task.transfer) (transfer ??= []).push(...task.transfer);
    }
    member.used += tasks.length;
    member.batches.push(tasks.length);
    if (tasks[0].exclusive) member.exclusive = true;
    const limit = this.#options.taskTimeout;
    if (limit > 0) {
      member.runTimer = setTimeout(
        () => this.#expire(tasks[0], limit, true),
        limit,
      );
    }
    try {
      worker.send({ t: "run", defs, tasks: wire }, transfer ?? []);
    } catch (error) {
      for (let i = 0; defs && i < defs.length; i += 2) {
        member.known.delete(defs[i] as number);
      }
      this.#unsend(member, tasks, error);
      return;
    }
    // Only once the batch is on its way: a refused one must not leave an
    // idle worker keeping the program alive.
    if (member.batches.length === 1) worker.ref(true);
  }

  // The worker refused the batch (an argument cannot be cloned; both kinds
  // refuse synchronously): take it back, and if it held several tasks send
  // them one by one so that only the culprit fails.
  #unsend(member: Member, tasks: Task[], error: unknown): void {
    member.inflight.length -= tasks.length;
    member.batches.pop();
    if (tasks[0].exclusive) member.exclusive = false;
    member.sent -= tasks.length;
    member.used -= tasks.length;
    if (member.runTimer !== undefined) {
      clearTimeout(member.runTimer);
      member.runTimer = undefined;
    }
    if (tasks.length > 1) {
      for (const task of tasks) if (!member.dead) this.#send(member, [task]);
      return;
    }
    const task = tasks[0];
    this.#settle(task);
    this.failed++;
    task.reject(
      new TypeError(
        `Cannot send the task to its worker: ${
          (error as Error)?.message ?? error
        }. Arguments must be plain data (numbers, strings, arrays, objects, Map, Date, typed arrays...) or library objects (Queue, Lock, Event, Value...), not functions or class instances with methods.`,
        { cause: error },
      ),
    );
    if (member.inflight.length === member.head) this.#restIdle(member);
  }

  #restIdle(member: Member): void {
    member.inflight.length = 0;
    member.head = 0;
    this.#idle.push(member);
    this.#sweepSoon();
  }

  #onReply(member: Member, message: WorkerReply): void {
    if (member.dead) return;
    if (message.t === "crash") {
      member.crash = message.error;
      return;
    }
    if (message.t === "initFailed") {
      member.initFailure = message.error;
      return;
    }
    if (message.first !== undefined) return this.#onPartial(member, message);
    const out = message.out;
    const n = out.length / 2;
    // A partial reply (the worker is exiting) covers the head of its batch.
    if ((member.batches[0] -= n) <= 0) {
      member.batches.shift();
      if (message.ms > 0) {
        const per = message.ms / n;
        this.#perTask = this.#perTask === 0
          ? per
          : this.#perTask * 0.7 + per * 0.3;
      }
      member.exclusive = false;
      if (member.runTimer !== undefined) {
        clearTimeout(member.runTimer);
        member.runTimer = undefined;
      }
    }
    const importer = member.worker.importer;
    for (let k = 0; k < n; k++) {
      const task = member.inflight[member.head++];
      if (task.state === DONE) continue;
      this.#settle(task);
      if (out[k * 2] === 1) {
        this.completed++;
        task.resolve(decodeValue(out[k * 2 + 1], importer));
      } else {
        this.failed++;
        task.reject(deserializeError(out[k * 2 + 1] as SerializedError));
      }
    }
    if (member.head === member.inflight.length) {
      member.inflight.length = 0;
      member.head = 0;
      this.#rest(member);
    }
    this.#pump();
  }

  // The results a worker sent as it exits, named by task sequence number
  // (replies before it may have been lost with the worker); #bury settles
  // the rest once the exit is reported.
  #onPartial(member: Member, message: DoneMessage): void {
    const out = message.out;
    const first = message.first!;
    for (let i = member.head; i < member.inflight.length; i++) {
      const task = member.inflight[i];
      const k = task.seq - first;
      if (k < 0 || k * 2 >= out.length || task.state === DONE) continue;
      this.#finish(task, out[k * 2] === 1, out[k * 2 + 1], member);
    }
  }

  #finish(task: Task, ok: boolean, value: unknown, member: Member): void {
    this.#settle(task);
    if (ok) {
      this.completed++;
      task.resolve(decodeValue(value, member.worker.importer));
    } else {
      this.failed++;
      task.reject(deserializeError(value as SerializedError));
    }
  }

  // A worker ran out of work: recycle it if it used up its tasks, otherwise
  // let it wait for more (without keeping the program alive).
  #rest(member: Member): void {
    const cap = this.#options.maxTasksPerWorker;
    if (cap > 0 && member.used >= cap) {
      this.#retire(member);
      return;
    }
    this.#idle.push(member);
    this.#sweepSoon();
  }

  // Idle workers stop keeping the program alive, but not at once: under a
  // stream of one-at-a-time calls the worker is busy again a few
  // microseconds later, and toggling costs more than the call itself.
  #sweepSoon(): void {
    if (this.#sweep !== undefined) return;
    const sweep = setTimeout(() => {
      this.#sweep = undefined;
      for (const member of this.#idle) member.worker.ref(false);
    }, SWEEP_MS);
    Deno.unrefTimer(sweep);
    this.#sweep = sweep;
  }

  #stopSweeping(): void {
    clearTimeout(this.#sweep);
    this.#sweep = undefined;
  }

  #retire(member: Member): void {
    this.#remove(member);
    member.gone = member.worker.stop();
  }

  #remove(member: Member): void {
    member.dead = true;
    this.#graveyard.push(member);
    if (member.runTimer !== undefined) clearTimeout(member.runTimer);
    const at = this.#members.indexOf(member);
    if (at >= 0) this.#members.splice(at, 1);
    const idle = this.#idle.indexOf(member);
    if (idle >= 0) this.#idle.splice(idle, 1);
  }

  #onExit(member: Member, code: number | null, detail?: string): void {
    if (member.dead) return;
    this.#remove(member);
    const reason = this.#deathReason(member, code, detail);
    // A worker that died before starting a task (its initializer failed, it
    // could not load) would kill every replacement too: fail its tasks
    // rather than retry them forever.
    const stillborn = member.initFailure !== undefined ||
      member.worker.progress()?.[0] === 0;
    this.#bury(
      member,
      (_task, lost) =>
        new WorkerCrashedError(
          member.label,
          lost
            ? `Worker ${member.label} ${reason} after this task finished but before its result was sent back (it ran in a batch with the task that crashed); its result is lost.`
            : `Worker ${member.label} ${reason} while running this task. The pool replaced the worker; only the tasks it held failed.`,
          code,
          { cause: this.#crashCause(member) },
        ),
      undefined,
      stillborn,
    );
    this.#pump();
  }

  #deathReason(member: Member, code: number | null, detail?: string): string {
    if (member.initFailure) {
      const e = member.initFailure;
      return `could not start, as its initializer threw ${e.name}: ${e.message},`;
    }
    if (member.crash) {
      const e = member.crash;
      return `crashed, as an error escaped the task (thrown from a callback or an unhandled rejection: ${e.name}: ${e.message}),`;
    }
    if (detail) return detail;
    return code === null
      ? "stopped unexpectedly"
      : `exited with code ${code} (did the task call Deno.exit()?)`;
  }

  #crashCause(member: Member): unknown {
    const e = member.initFailure ?? member.crash;
    return e ? deserializeError(e) : undefined;
  }

  /**
   * Settles the tasks a dead worker held: the one it was running fails with
   * `culpritError`, the ones it never started go back to the front of the
   * queue, and the ones whose results died with it fail as lost.
   */
  #bury(
    member: Member,
    crashError: (task: Task, lost: boolean) => Error,
    culprit: Task | undefined,
    noRetry = false,
  ): void {
    const progress = member.worker.progress();
    const retry: Task[] = [];
    // Batches run in order: those after the first unanswered one never started.
    const headEnd = member.head + (member.batches[0] ?? 0);
    for (let i = member.head; i < member.inflight.length; i++) {
      const task = member.inflight[i];
      if (task.state === DONE || task === culprit) continue;
      const unstarted = progress ? task.seq > progress[0] : i >= headEnd;
      if (unstarted && !noRetry) {
        retry.push(task);
        continue;
      }
      const lost = progress !== undefined && task.seq <= progress[1];
      if (culprit && !lost) {
        // Killed for another task's sake before this one could finish.
        retry.push(task);
        continue;
      }
      this.#settle(task);
      this.failed++;
      task.reject(crashError(task, lost));
    }
    member.inflight.length = 0;
    member.head = 0;
    for (let i = retry.length - 1; i >= 0; i--) this.#requeue(retry[i]);
  }

  #requeue(task: Task): void {
    task.state = QUEUED;
    task.member = undefined;
    if (this.#head > 0) this.#queue[--this.#head] = task;
    else this.#queue.unshift(task);
    this.#queued++;
  }

  #expire(task: Task, ms: number, running: boolean): void {
    if (task.state === DONE) return;
    const where = task.state === QUEUED
      ? "It was still waiting in the queue, so it never ran."
      : `Its worker ${task.member!.label} was terminated and replaced.`;
    const what = running
      ? `The task ran longer than the pool's taskTimeout of ${ms} ms.`
      : `The task did not finish within its timeout of ${ms} ms.`;
    this.#cancel(
      task,
      new TimeoutError(
        `${what} ${where} Raise the timeout, or split the work into smaller tasks.`,
      ),
    );
  }

  #abort(task: Task): void {
    if (task.state === DONE) return;
    const where = task.state === QUEUED
      ? "while it waited in the queue"
      : "while it ran";
    this.#cancel(task, abortError(task.signal!, where));
  }

  #cancel(task: Task, error: Error): void {
    const member = task.state === RUNNING ? task.member : undefined;
    if (task.state === QUEUED) this.#unqueue(task);
    this.#settle(task);
    this.failed++;
    task.reject(error);
    if (member && !member.dead) {
      this.#remove(member);
      member.gone = member.worker.kill();
      this.#bury(member, () => error, task);
      this.#pump();
    } else if (!this.#open) {
      this.#maybeFinish();
    }
  }

  #settle(task: Task): void {
    task.state = DONE;
    if (task.timer !== undefined) clearTimeout(task.timer);
    if (task.onAbort) task.signal!.removeEventListener("abort", task.onAbort);
  }

  /** No more work: workers finish what is queued, then exit. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#maybeFinish();
  }

  #maybeFinish(): void {
    if (this.#finishing || this.#queued > 0) return;
    for (const m of this.#members) if (m.busy) return;
    this.#finishing = true;
    for (const m of [...this.#members]) this.#retire(m);
    this.#awaitGraveyard();
  }

  #graveyard: Member[] = [];
  #sweep: ReturnType<typeof setTimeout> | undefined;

  #awaitGraveyard(): void {
    this.#stopSweeping();
    const gone = this.#graveyard.map((m) => m.gone);
    this.#graveyard = [];
    Promise.all(gone).then(() => this.#finished.resolve());
  }

  /** Resolves once the pool is closed, its work is done and its workers exited. */
  finished(): Promise<void> {
    return this.#finished.promise;
  }

  /** Stops every worker now; pending tasks reject with PoolClosedError. */
  terminate(): Promise<void> {
    this.#open = false;
    this.#terminated = true;
    const error = () =>
      new PoolClosedError(
        `Pool ${this.#options.name} was terminated before this task finished. Await your results before terminate(), or use close() and join() to let queued work finish.`,
      );
    for (const member of [...this.#members]) {
      this.#remove(member);
      member.gone = member.worker.kill();
      this.#bury(member, error, undefined);
    }
    for (let task = this.#dequeue(); task; task = this.#dequeue()) {
      this.#settle(task);
      this.failed++;
      task.reject(error());
    }
    if (!this.#finishing) {
      this.#finishing = true;
      this.#awaitGraveyard();
    }
    return this.#finished.promise;
  }
}

function abortError(signal: AbortSignal, when: string): AbortError {
  return new AbortError(
    `The task was cancelled through its signal ${when}${
      when === "while it ran" ? "; its worker was terminated and replaced" : ""
    }.`,
    { cause: signal.reason },
  );
}
