// The one pool core behind both local kinds of Pool: the task queue, the
// choice of worker, batching, timeouts and cancellation, crash handling and
// shutdown. A kind only supplies `StartWorker` (a thread or a child process);
// nothing here knows which one it drives.

import { decodeValue, encodeValue } from "../_crossing/codec.ts";
import {
  errorAt,
  type Outcomes,
  returnedAt,
  valueAt,
} from "../_crossing/outcome.ts";
import {
  type BackendSettings,
  DONE,
  NEW,
  type PoolBackend,
  QUEUED,
  RUNNING,
  type Task,
} from "./_backend.ts";
import type { PoolStats } from "./_options.ts";
import {
  type DoneMessage,
  MODE_HANDLES,
  type ProgressMessage,
  type WorkerReply,
} from "./_protocol.ts";
import { Member, type WorkerKind, type WorkerSetup } from "./_member.ts";
import { TaskQueue } from "./_task_queue.ts";
import { Batching, PIPELINE } from "./_batching.ts";
import { IdleWorkers } from "./_idle.ts";
import { DrainGate, Meter } from "./_meter.ts";
import { PoolFullError } from "../errors/mod.ts";
import {
  poolStopped,
  poolTerminated,
  taskAborted,
  taskTimedOut,
} from "./_task_errors.ts";

/** The scheduler. */
export class PoolCore implements PoolBackend {
  #settings: BackendSettings;
  #kind: WorkerKind;
  #setup: WorkerSetup;
  #queue = new TaskQueue();
  #members: Member[] = [];
  #idle: IdleWorkers;
  #graveyard = new Set<Member>();
  #spawned = 0;
  #batching = new Batching();
  #open = true;
  #terminated = false;
  #finished = Promise.withResolvers<void>();
  #finishing = false;
  #meter = new Meter();
  /** The last worker to die had answered nothing: minSize waits for a success. */
  #stillborn = false;
  #drain: DrainGate;

  constructor(settings: BackendSettings, kind: WorkerKind) {
    this.#settings = settings;
    this.#kind = kind;
    // piscina's rule when maxQueue is "auto": size squared.
    this.#drain = new DrainGate(
      Number.isFinite(settings.maxQueue)
        ? Math.max(1, settings.maxQueue)
        : settings.size ** 2,
    );
    this.#idle = new IdleWorkers({
      unref: kind.unrefIdle,
      idleTimeout: settings.idleTimeout ?? kind.idleTimeout,
      keep: () => this.#members.length <= settings.minSize,
      retire: (member) => this.#retire(member),
    });
    this.#setup = {
      initializer: settings.initializer,
      initargs: settings.initargs,
    };
    this.#fillMin();
  }

  /** maxSize: what `map` splits its input by. */
  get size(): number {
    return this.#settings.size;
  }

  get open(): boolean {
    return this.#open;
  }

  stats(): PoolStats {
    let busy = 0;
    for (const m of this.#members) if (m.busy) busy++;
    return {
      size: this.#members.length,
      minSize: this.#settings.minSize,
      maxSize: this.#settings.size,
      busy,
      queued: this.#queue.size,
      ...this.#meter.summary(this.#settings.size),
    };
  }

  get needsDrain(): boolean {
    return this.#drain.full(this.#queue.size);
  }

  drained(): Promise<void> {
    return this.#drain.drained(this.#queue.size);
  }

  // Called wherever the queue may have shrunk.
  #maybeDrained(): void {
    this.#drain.check(this.#queue.size);
  }

  #refusal(): Error | undefined {
    if (this.#open) return undefined;
    return poolStopped(this.#settings.name, this.#terminated);
  }

  submit(task: Task, timeout: number, signal: AbortSignal | undefined): void {
    if (task.state !== NEW) return; // dropped before it was submitted
    const refused = this.#refusal();
    if (refused) return task.reject(refused);
    if (signal?.aborted) {
      return task.reject(taskAborted(signal, "before it was queued"));
    }
    const { maxQueue } = this.#settings;
    if (this.#queue.size >= maxQueue && !this.#hasRoom()) {
      return task.reject(
        new PoolFullError(
          `Cannot queue the task as pool ${this.#settings.name} already has ${this.#queue.size} tasks waiting (maxQueue: ${maxQueue}). Await some results before submitting more, or raise maxQueue.`,
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
    if (this.#settings.taskTimeout > 0) task.exclusive = true;
    task.queuedAt = performance.now();
    this.#queue.push(task);
    this.#pump();
  }

  drop(task: Task): void {
    if (task.state === NEW) task.state = DONE;
    if (task.state !== QUEUED) return;
    this.#queue.remove(task);
    this.#settle(task);
    this.#maybeDrained();
  }

  // A worker is free, or one may still be started: the task will not wait.
  #hasRoom(): boolean {
    return this.#idle.size > 0 || this.#members.length < this.#settings.size;
  }

  #pump(): void {
    while (this.#queue.size > 0) {
      const member = this.#idle.pop() ?? this.#spawn();
      if (!member) break;
      this.#dispatch(member);
    }
    if (this.#queue.size > 0 && this.#batching.pipelining) this.#topUp();
    this.#maybeDrained();
    if (!this.#open) this.#maybeFinish();
    else this.#fillMin();
  }

  // minSize workers start up front, and again after a death or a recycle,
  // so that they are ready when work comes. Not while the last worker to
  // die had answered nothing (a failing initializer would kill each
  // replacement in turn): then the next task starts one, as with no minSize.
  #fillMin(): void {
    while (
      this.#members.length < this.#settings.minSize && this.#open &&
      !this.#stillborn
    ) {
      const member = this.#spawn();
      if (!member) return;
      this.#idle.add(member);
    }
  }

  // Gives busy workers more batches, one each in turn, up to PIPELINE.
  #topUp(): void {
    const cap = this.#settings.maxTasksPerWorker;
    let sent = true;
    while (sent && this.#queue.size > 0) {
      sent = false;
      for (const member of this.#members) {
        const next = this.#queue.peek();
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
    if (this.#members.length >= this.#settings.size || this.#terminated) {
      return undefined;
    }
    const name = `${this.#settings.name}-worker-${++this.#spawned}`;
    const member = new Member(name);
    try {
      member.worker = this.#kind.start(name, this.#setup, {
        reply: (message) => this.#onReply(member, message),
        exit: (code, detail, oom) => this.#onExit(member, code, detail, oom),
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
    for (let task = this.#queue.shift(); task; task = this.#queue.shift()) {
      this.#fail(task, error);
    }
    this.#maybeDrained();
  }

  #batchLimit(member: Member): number {
    const cap = this.#settings.maxTasksPerWorker;
    return this.#batching.limit(
      this.#queue.size,
      this.#settings.size,
      cap > 0
        ? Math.min(this.#kind.maxBatch, cap - member.used)
        : this.#kind.maxBatch,
    );
  }

  #dispatch(member: Member): void {
    const first = this.#queue.shift();
    if (!first) return this.#idle.add(member);
    const tasks = [first];
    if (!first.exclusive) {
      const limit = this.#batchLimit(member);
      while (tasks.length < limit) {
        const next = this.#queue.peek();
        if (!next || next.exclusive) break;
        tasks.push(this.#queue.shift()!);
      }
    }
    this.#send(member, tasks);
  }

  #send(member: Member, tasks: Task[]): void {
    const worker = member.worker;
    const wire: unknown[] = new Array(tasks.length * 3);
    let defs: unknown[] | undefined;
    let transfer: Transferable[] | undefined;
    const now = performance.now();
    for (let i = 0; i < tasks.length; i++) {
      const task = tasks[i];
      this.#meter.waitTime.record(now - task.queuedAt);
      task.state = RUNNING;
      task.member = member;
      task.seq = ++member.sent;
      member.inflight.push(task);
      const target = task.target;
      const ref = member.targets.ref(target);
      if (typeof ref !== "number") (defs ??= []).push(...ref);
      const payload = worker.route
        ? encodeValue(task.payload, worker.route)
        : task.payload;
      wire[i * 3] = payload === task.payload
        ? task.mode
        : task.mode | MODE_HANDLES;
      wire[i * 3 + 1] = target.id;
      wire[i * 3 + 2] = payload;
      if (task.transfer) (transfer ??= []).push(...task.transfer);
    }
    member.used += tasks.length;
    member.batches.push(tasks.length);
    if (tasks[0].exclusive) member.exclusive = true;
    if (this.#settings.taskTimeout > 0) this.#armRunTimer(member, tasks[0]);
    try {
      worker.send({ t: "run", defs, tasks: wire }, transfer ?? []);
    } catch (error) {
      for (let i = 0; defs && i < defs.length; i += 2) {
        member.targets.forget(defs[i] as number);
      }
      this.#unsend(member, tasks, error);
      return;
    }
    // Only once the batch is on its way: a refused one must not leave an
    // idle worker keeping the program alive.
    if (member.batches.length === 1) worker.ref(true);
  }

  // taskTimeout counts from the moment the task starts: a worker still
  // starting up (or finishing the batch before) does not use up its time.
  #armRunTimer(member: Member, task: Task, ms = this.#settings.taskTimeout) {
    member.runTimer = setTimeout(() => {
      const limit = this.#settings.taskTimeout;
      const progress = member.worker.progress();
      if (progress && progress.started < task.seq) {
        return this.#armRunTimer(member, task);
      }
      const startedAt = progress?.startedAt;
      const left = startedAt === undefined
        ? 0
        : startedAt + limit - (performance.timeOrigin + performance.now());
      if (left >= 1) this.#armRunTimer(member, task, left);
      else this.#expire(task, limit, true);
    }, ms);
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
    member.clearRunTimer();
    if (tasks.length > 1) {
      for (const task of tasks) if (!member.dead) this.#send(member, [task]);
      return;
    }
    this.#fail(
      tasks[0],
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
    this.#idle.add(member);
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
    if (message.t === "progress") return this.#onProgress(member, message);
    if (message.first !== undefined) return this.#onPartial(member, message);
    const out = message.out;
    const n = out.length / 2;
    member.answered = true;
    this.#stillborn = false;
    // A partial reply (the worker is exiting) covers the head of its batch.
    if ((member.batches[0] -= n) <= 0) {
      member.batches.shift();
      if (message.ms > 0) {
        const per = message.ms / n;
        this.#meter.runTime.record(per, n);
        this.#batching.observe(per);
      }
      member.exclusive = false;
      member.clearRunTimer();
    }
    for (let k = 0; k < n; k++) {
      const task = member.inflight[member.head++];
      if (task.state !== DONE) this.#finish(task, out, k, member);
    }
    if (member.head === member.inflight.length) {
      member.inflight.length = 0;
      member.head = 0;
      this.#rest(member);
    }
    this.#pump();
  }

  // Progress comes before the task's result, from the task it names; a
  // value from a task already settled (a timer it left) is dropped.
  #onProgress(member: Member, message: ProgressMessage): void {
    const task = member.held(message.seq);
    if (task?.state !== RUNNING || !task.onProgress) return;
    try {
      task.onProgress(decodeValue(message.value, member.worker.importer));
    } catch (error) {
      // The caller's callback threw: as from any event listener.
      queueMicrotask(() => {
        throw error;
      });
    }
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
      if (out[k * 2] !== undefined) this.#finish(task, out, k, member);
    }
  }

  #finish(task: Task, out: Outcomes, k: number, member: Member): void {
    if (!returnedAt(out, k)) return this.#fail(task, errorAt(out, k));
    this.#settle(task);
    this.#meter.completed++;
    task.resolve(decodeValue(valueAt(out, k), member.worker.importer));
  }

  #fail(task: Task, error: unknown): void {
    this.#settle(task);
    this.#meter.failed++;
    task.reject(error);
  }

  // A worker ran out of work: recycle it if it used up its tasks, otherwise
  // let it wait for more (without keeping the program alive).
  #rest(member: Member): void {
    const cap = this.#settings.maxTasksPerWorker;
    if (cap > 0 && member.used >= cap) {
      this.#retire(member);
      return;
    }
    this.#idle.add(member);
  }

  #retire(member: Member): void {
    this.#remove(member);
    this.#gone(member, member.worker.stop());
  }

  #gone(member: Member, gone: Promise<void>): void {
    member.gone = gone.then(() => void this.#graveyard.delete(member));
  }

  // Until its `gone` resolves, a removed worker is awaited by finished().
  #remove(member: Member): void {
    member.dead = true;
    this.#graveyard.add(member);
    member.clearRunTimer();
    const at = this.#members.indexOf(member);
    if (at >= 0) this.#members.splice(at, 1);
    this.#idle.remove(member);
  }

  #onExit(
    member: Member,
    code: number | null,
    detail?: string,
    outOfMemoryMb?: number,
  ): void {
    if (member.dead) return;
    if (!member.answered) this.#stillborn = true;
    this.#remove(member);
    this.#graveyard.delete(member); // already gone
    this.#bury(
      member,
      member.crashError(code, detail, outOfMemoryMb),
      undefined,
    );
    this.#pump();
  }

  /**
   * Settles the tasks a dead worker held (see Member.takeHeld): those it
   * never started (or that were cut short for the culprit's sake) go back
   * to the front of the queue, the others fail with `crashError`.
   */
  #bury(
    member: Member,
    crashError: (task: Task, lost: boolean) => Error,
    culprit: Task | undefined,
  ): void {
    const { retry, failed } = member.takeHeld(culprit);
    for (const [task, lost] of failed) this.#fail(task, crashError(task, lost));
    for (let i = retry.length - 1; i >= 0; i--) {
      retry[i].member = undefined;
      this.#queue.unshift(retry[i]);
    }
  }

  #expire(task: Task, ms: number, running: boolean): void {
    if (task.state === DONE) return;
    const worker = task.state === QUEUED
      ? undefined
      : (task.member as Member).label;
    this.#cancel(task, taskTimedOut(ms, running, worker));
  }

  #abort(task: Task): void {
    if (task.state === DONE) return;
    const when = task.state === QUEUED
      ? "while it waited in the queue"
      : "while it ran";
    this.#cancel(task, taskAborted(task.signal!, when));
  }

  #cancel(task: Task, error: Error): void {
    const member = task.state === RUNNING ? task.member as Member : undefined;
    if (task.state === QUEUED) {
      this.#queue.remove(task);
      this.#maybeDrained();
    }
    this.#fail(task, error);
    if (member && !member.dead) {
      this.#remove(member);
      this.#gone(member, member.worker.kill());
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

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#maybeFinish();
  }

  #maybeFinish(): void {
    if (this.#finishing || this.#queue.size > 0) return;
    for (const m of this.#members) if (m.busy) return;
    this.#finishing = true;
    for (const m of [...this.#members]) this.#retire(m);
    this.#awaitGraveyard();
  }

  #awaitGraveyard(): void {
    this.#idle.stop();
    const gone = [...this.#graveyard].map((m) => m.gone);
    this.#graveyard.clear();
    Promise.all(gone).then(() => this.#finished.resolve());
  }

  finished(): Promise<void> {
    return this.#finished.promise;
  }

  terminate(): Promise<void> {
    this.#open = false;
    this.#terminated = true;
    const error = () => poolTerminated(this.#settings.name);
    for (const member of [...this.#members]) {
      this.#remove(member);
      this.#gone(member, member.worker.kill());
      this.#bury(member, error, undefined);
    }
    for (let task = this.#queue.shift(); task; task = this.#queue.shift()) {
      this.#fail(task, error());
    }
    this.#maybeDrained();
    if (!this.#finishing) {
      this.#finishing = true;
      this.#awaitGraveyard();
    }
    return this.#finished.promise;
  }
}
