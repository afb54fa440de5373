// A job queue on a Redis stream with a consumer group: what the master/worker
// programs move to when one master process is no longer enough. Redis keeps
// the jobs, so workers and the master may crash and restart; a job is only
// gone once a consumer acknowledged it (at-least-once delivery). Every call
// goes through a Link (_link.ts), so none waits for ever on a lost server.
//
// npm:redis is loaded only under lib/redis/, reached through the "./redis"
// subpath (and lazily by a Pool of kind "redis"), so nothing else pays for it.

import type { Buffer } from "node:buffer";
import { Empty, QueueClosed } from "../queue/queue.ts";
import { type Arg, isReplyError, Link, type SendOptions } from "./_link.ts";
import { checkTimeout } from "../_common/waiting.ts";
import { type Settings, validate } from "./_queue_options.ts";
import {
  ACK,
  createGroup,
  decode,
  Delivery,
  encode,
  evalArgs,
  FIELD,
  payloadOf,
  raceAbort,
  RECLAIM,
} from "./_stream.ts";

export { RedisConnectionError } from "./errors.ts";

/**
 * Options of {@linkcode RedisQueue.connect}.
 *
 * @example
 * ```ts
 * import type { RedisQueueOptions } from "@multitask/core/redis";
 *
 * const options: RedisQueueOptions = { group: "mailers", claimIdle: 60_000, maxDeliveries: 3 };
 * ```
 */
export interface RedisQueueOptions {
  /** Consumer group the queue reads in; consumers of one group share the jobs. Default `"multitask"`. */
  group?: string;
  /** This consumer's name inside the group. Default: unique per connection (pid + random). */
  consumer?: string;
  /**
   * Milliseconds a delivered job may stay unacknowledged before another
   * consumer takes it over (its consumer is presumed dead). Must exceed your
   * longest job. Default 30000.
   */
  claimIdle?: number;
  /**
   * Deliveries after which a job that keeps coming back unacknowledged is
   * moved to the dead-letter stream instead of being delivered again. Default 5.
   */
  maxDeliveries?: number;
  /** Stream that receives jobs delivered `maxDeliveries` times. Default `"<name>:dead"`. */
  deadLetter?: string;
  /** Milliseconds to wait for the server at connect. Default 5000. */
  connectTimeout?: number;
  /**
   * Milliseconds a call without a timeout of its own (`put`, `get()` without
   * `timeout`, `ack`...) waits for a lost server to come back before it
   * rejects with `RedisConnectionError`. Default 30000.
   */
  reconnectWindow?: number;
}

/**
 * Options of {@linkcode RedisQueue.get}.
 *
 * @example
 * ```ts
 * import type { RedisGetOptions } from "@multitask/core/redis";
 *
 * const options: RedisGetOptions = { timeout: 1000, signal: AbortSignal.timeout(5000) };
 * ```
 */
export interface RedisGetOptions {
  /**
   * Milliseconds to wait for a job; `Empty` is thrown after that. Omitted
   * or -1: wait for ever; 0: do not wait. A server that does not answer meanwhile
   * makes the call reject with `RedisConnectionError` instead (at most about
   * a second after the timeout).
   */
  timeout?: number;
  /** Stops waiting; the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Options of {@linkcode RedisQueue.consume}.
 *
 * @example
 * ```ts
 * import type { ConsumeOptions } from "@multitask/core/redis";
 *
 * const stop = new AbortController();
 * const options: ConsumeOptions = { signal: stop.signal };
 * ```
 */
export interface ConsumeOptions {
  /** Ends the iteration (quietly) when aborted. */
  signal?: AbortSignal;
}

/**
 * One delivery of a job by {@linkcode RedisQueue.consume}.
 *
 * @example
 * ```ts
 * import type { RedisJob } from "@multitask/core/redis";
 *
 * export async function handle(job: RedisJob<string>): Promise<void> {
 *   if (job.deliveries > 1) console.log(`retrying ${job.id}`);
 *   console.log(job.data);
 *   await job.ack();
 * }
 * ```
 */
export interface RedisJob<T> {
  /** The stream entry id, unique per job. */
  readonly id: string;
  /** The item that was put. */
  readonly data: T;
  /** How many times this job has been delivered, this delivery included. */
  readonly deliveries: number;
  /** Marks the job done so that it is never delivered again. Idempotent. */
  ack(): Promise<void>;
}

type Reply = unknown;
type Entry = [Buffer, Buffer[]];

/** How long close() waits for its last acknowledgements. */
const CLOSE_WAIT = 2_000;

// Handed from connect() to the constructor, which users cannot call.
let opening: { settings: Settings; writer: Link; reader: Link } | undefined;

/**
 * A queue of jobs on a Redis stream read through a consumer group
 * (XADD / XREADGROUP / XACK). Items cross as they do to a child process
 * (the library's payload rule: JSON when exact, else structured clone), so
 * Maps, Dates, BigInts and typed arrays arrive intact.
 *
 * Delivery is at-least-once. `consume()` yields jobs you `ack()` yourself.
 * `get()` keeps the `Queue` surface: the job it returned is acknowledged when
 * you call `get()` again or `close()` the queue, so a consumer that dies while
 * working (killed, crashed, lost its network) never acknowledges it and the
 * job is handed to another consumer once it has been idle `claimIdle` ms
 * (XAUTOCLAIM). A job delivered `maxDeliveries` times goes to the
 * dead-letter stream `<name>:dead`.
 *
 * A lost server is reconnected to by the next call. A call rejects with
 * `RedisConnectionError` once its `timeout` (or, without one, the
 * `reconnectWindow`) has passed without an answer; `close()` always
 * resolves. A `put()` whose answer was lost with the connection is sent
 * again on the new one, so it may be stored twice (at-least-once); one that
 * rejected may still have been stored, if the server got it before it froze.
 *
 * @example Master and worker on one stream
 * ```ts
 * import { RedisQueue } from "@multitask/core/redis";
 *
 * export async function master(url: string): Promise<void> {
 *   await using tasks = await RedisQueue.connect<number>(url, "task_queue");
 *   await tasks.put(3411);
 * }
 *
 * export async function worker(url: string): Promise<void> {
 *   await using tasks = await RedisQueue.connect<number>(url, "task_queue");
 *   for await (const job of tasks.consume()) {
 *     console.log(`${job.data} * ${job.data} = ${job.data * job.data}`);
 *     await job.ack(); // a worker killed before this line: the job goes to another
 *   }
 * }
 * ```
 */
export class RedisQueue<T = unknown> implements AsyncIterable<T> {
  #settings: Settings;
  #writer: Link;
  #reader: Link;
  #closed = false;
  #closing?: Promise<void>;
  #readLock: Promise<unknown> = Promise.resolve();
  #buffered: Delivery<T>[] = [];
  #unacked: Delivery<T>[] = [];
  #claimCursor = "0-0";
  #nextClaimAt = 0;

  /** Not for direct use: call {@linkcode RedisQueue.connect}. */
  constructor() {
    if (!opening) {
      throw new TypeError(
        "RedisQueue has no public constructor: use `await RedisQueue.connect(url, name, options)`.",
      );
    }
    ({ settings: this.#settings, writer: this.#writer, reader: this.#reader } =
      opening);
    opening = undefined;
  }

  /**
   * Connects to the Redis server at `url` and opens the queue `name` (the
   * stream key), creating the stream and the consumer group when missing.
   * Rejects with `RedisConnectionError` when the server is not there or
   * refuses the URL's user or password.
   *
   * @example
   * ```ts
   * import { RedisQueue } from "@multitask/core/redis";
   *
   * export async function open(): Promise<RedisQueue<string>> {
   *   return await RedisQueue.connect<string>("redis://127.0.0.1:6379", "mail", {
   *     group: "senders",
   *     claimIdle: 60_000,
   *   });
   * }
   * ```
   */
  static async connect<T = unknown>(
    url: string,
    name: string,
    options: RedisQueueOptions = {},
  ): Promise<RedisQueue<T>> {
    const settings = validate(url, name, options);
    const writer = await Link.open({
      url,
      queue: name,
      subject: `Redis queue '${name}'`,
      connectTimeout: settings.connectTimeout,
      reconnectWindow: settings.reconnectWindow,
    });
    let reader: Link | undefined;
    try {
      reader = await Link.twin(writer);
      await createGroup(writer, settings, {
        action: "open",
        deadline: Date.now() + settings.connectTimeout,
      });
    } catch (error) {
      writer.destroy();
      reader?.destroy();
      throw error;
    }
    opening = { settings, writer, reader };
    return new RedisQueue<T>();
  }

  /** The stream key. */
  get name(): string {
    return this.#settings.name;
  }

  /** This consumer's name in its group. */
  get consumer(): string {
    return this.#settings.consumer;
  }

  /**
   * Appends an item; resolves with its stream entry id once Redis stored it.
   *
   * @example
   * ```ts
   * import type { RedisQueue } from "@multitask/core/redis";
   *
   * export async function enqueue(queue: RedisQueue<{ to: string }>): Promise<string> {
   *   return await queue.put({ to: "ada@example.com" });
   * }
   * ```
   */
  async put(item: T): Promise<string> {
    this.#checkOpen("put on");
    const payload = encode(item, this.#settings.name);
    const id = await this.#send(this.#writer, [
      "XADD",
      this.#settings.name,
      "*",
      FIELD,
      payload,
    ], { action: "put on" });
    return String(id);
  }

  /**
   * Takes the next job's item, waiting up to `timeout` ms (`Empty` after
   * that). Acknowledges the job the previous `get()` returned: call it again
   * only when that one is done. Jobs of dead consumers come first.
   *
   * @example
   * ```ts
   * import type { RedisQueue } from "@multitask/core/redis";
   *
   * export async function next(tasks: RedisQueue<number>): Promise<number | undefined> {
   *   try {
   *     return await tasks.get({ timeout: 1000 });
   *   } catch (error) {
   *     if ((error as Error).name === "Empty") return undefined; // no task for a second
   *     throw error;
   *   }
   * }
   * ```
   */
  async get(options: RedisGetOptions = {}): Promise<T> {
    const timeout = checkTimeout(options.timeout, "get from Redis queue");
    this.#checkOpen("get from");
    const deadline = Date.now() + timeout;
    await this.#ackUnacked(deadline);
    const job = await this.#take(deadline, options.signal);
    if (!job) {
      throw new Empty(
        `Redis queue '${this.#settings.name}' had no job within ${timeout} ms. Wait longer, or treat Empty as "no work right now".`,
      );
    }
    this.#unacked.push(job);
    return job.data;
  }

  /**
   * Yields jobs as they arrive (reclaimed ones first) until the queue is
   * closed or `signal` aborts. Each job must be `ack()`ed; one that is not is
   * delivered again after `claimIdle` ms.
   *
   * @example
   * ```ts
   * import type { RedisQueue } from "@multitask/core/redis";
   *
   * export async function drain(
   *   queue: RedisQueue<string>,
   *   send: (to: string) => Promise<void>,
   * ): Promise<void> {
   *   for await (const job of queue.consume()) {
   *     await send(job.data);
   *     await job.ack();
   *   }
   * }
   * ```
   */
  async *consume(options: ConsumeOptions = {}): AsyncGenerator<RedisJob<T>> {
    const { signal } = options;
    while (!this.#closed && !signal?.aborted) {
      let job: Delivery<T> | undefined;
      try {
        job = await this.#take(Infinity, signal);
      } catch (error) {
        if (error instanceof QueueClosed || signal?.aborted) return;
        throw error;
      }
      if (job) yield job;
    }
  }

  /** Items one by one through `get()` (same acknowledgement rule) until closed. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (!this.#closed) {
      try {
        yield await this.get();
      } catch (error) {
        if (error instanceof QueueClosed) return;
        throw error;
      }
    }
  }

  /** Jobs in the stream not yet acknowledged (waiting or being worked on). */
  async qsize(): Promise<number> {
    this.#checkOpen("measure");
    return Number(
      await this.#send(this.#writer, ["XLEN", this.#settings.name], {
        action: "measure",
      }),
    );
  }

  /** True when no job is waiting or being worked on. */
  async empty(): Promise<boolean> {
    return (await this.qsize()) === 0;
  }

  /**
   * Acknowledges the job of the last `get()`, leaves the group (when this
   * consumer holds no other job) and disconnects. Waiting `get()` calls
   * reject with `QueueClosed`. Jobs from `consume()` not yet acknowledged
   * stay pending and go to another consumer after `claimIdle` ms, as does
   * the last `get()`'s job if the server cannot be reached now. Always
   * resolves, within a few seconds.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  /** `await using q = await RedisQueue.connect(...)` closes it at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    // Interrupts a blocked XREADGROUP; an entry Redis handed out just then
    // stays pending under this consumer and is reclaimed, never lost.
    this.#reader.destroy();
    const deadline = Date.now() +
      Math.min(CLOSE_WAIT, this.#settings.reconnectWindow);
    try {
      await this.#ackUnacked(deadline);
      await this.#leaveGroup(deadline);
    } catch {
      // The server is unreachable: what was not acknowledged is delivered
      // again after claimIdle, and an idle consumer entry is harmless.
    } finally {
      await this.#writer.close();
    }
  }

  async #leaveGroup(deadline: number): Promise<void> {
    const { name, group, consumer } = this.#settings;
    const options = { action: "close", deadline };
    const pending = await this.#writer.send<Reply[]>(
      ["XPENDING", name, group, "-", "+", "1", consumer],
      options,
    );
    // Deleting a consumer drops its pending entries, so only an idle one goes.
    if (pending.length === 0 && this.#buffered.length === 0) {
      await this.#writer.send(
        ["XGROUP", "DELCONSUMER", name, group, consumer],
        options,
      );
    }
  }

  #checkOpen(what: string): void {
    if (this.#closed) {
      throw new QueueClosed(
        `Cannot ${what} Redis queue '${this.#settings.name}' as it is closed. Connect again with RedisQueue.connect().`,
      );
    }
  }

  /** One command; a queue closed meanwhile reports QueueClosed, not the cut connection. */
  async #send<R = Reply>(
    link: Link,
    args: Arg[],
    options: SendOptions,
  ): Promise<R> {
    try {
      return await link.send<R>(args, options);
    } catch (error) {
      this.#checkOpen(options.action);
      throw error;
    }
  }

  // One by one, and forgotten only once acknowledged: a job whose ack was
  // lost with the connection is acknowledged by the next get() or close().
  async #ackUnacked(deadline: number): Promise<void> {
    while (this.#unacked.length > 0) {
      await this.#unacked[0].ack(deadline);
      this.#unacked.shift();
    }
  }

  /** The next job before `deadline`, or undefined; one reader at a time. */
  #take(
    deadline: number,
    signal?: AbortSignal,
  ): Promise<Delivery<T> | undefined> {
    const turn = this.#readLock.then(() => this.#poll(deadline, signal));
    this.#readLock = turn.catch(() => {});
    if (!signal) return turn;
    signal.throwIfAborted();
    return raceAbort(turn, signal, (job) => {
      // Arrived after the caller gave up: keep it for the next taker.
      if (job) this.#buffered.push(job);
    });
  }

  async #poll(
    deadline: number,
    signal?: AbortSignal,
  ): Promise<Delivery<T> | undefined> {
    while (true) {
      this.#checkOpen("get from");
      if (signal?.aborted) return undefined;
      const ready = this.#buffered.shift();
      if (ready) return ready;
      if (Date.now() >= this.#nextClaimAt) {
        const claimed = await this.#reclaim(deadline);
        this.#nextClaimAt = Date.now() + this.#claimEvery();
        if (claimed) return claimed;
      }
      const wait = Math.min(
        deadline - Date.now(),
        this.#nextClaimAt - Date.now(),
      );
      const job = await this.#read(Math.max(0, Math.ceil(wait)), deadline);
      if (job) return job;
      if (Date.now() >= deadline) return undefined;
    }
  }

  #claimEvery(): number {
    return Math.max(10, Math.min(this.#settings.claimIdle / 2, 5_000));
  }

  async #read(
    block: number,
    deadline: number,
  ): Promise<Delivery<T> | undefined> {
    const { name, group, consumer } = this.#settings;
    const args = ["XREADGROUP", "GROUP", group, consumer, "COUNT", "1"];
    // BLOCK 0 would mean "forever" to Redis; 0 here means "do not wait".
    if (block > 0) args.push("BLOCK", String(block));
    args.push("STREAMS", name, ">");
    const reply = await this.#grouped(args, { block, deadline });
    if (!Array.isArray(reply) || reply.length === 0) return undefined;
    const [, entries] = reply[0] as [Buffer, Reply[]];
    const entry = entries[0] as Entry | undefined;
    return entry ? this.#delivery(entry, 1) : undefined;
  }

  /**
   * A command on the consumer group, through the reader. A server restarted
   * without persistence has lost the group: it is created again.
   */
  async #grouped<R>(
    args: Arg[],
    options: { block?: number; deadline: number },
  ): Promise<R> {
    const send = { action: "get from", binary: true, ...options };
    try {
      return await this.#send<R>(this.#reader, args, send);
    } catch (error) {
      if (!isReplyError(error) || !error.message.includes("NOGROUP")) {
        throw error;
      }
      await createGroup(this.#writer, this.#settings, send);
      return await this.#send<R>(this.#reader, args, send);
    }
  }

  /** Takes over one job idle longer than claimIdle; dead-letters worn-out ones. */
  async #reclaim(deadline: number): Promise<Delivery<T> | undefined> {
    const { name, group, consumer, claimIdle, maxDeliveries, deadLetter } =
      this.#settings;
    const [cursor, entry, deliveries] = await this.#grouped<
      [Buffer, Entry?, number?]
    >(
      evalArgs(RECLAIM, [name, deadLetter], [
        group,
        consumer,
        String(claimIdle),
        this.#claimCursor,
        String(maxDeliveries),
      ]),
      { deadline },
    );
    this.#claimCursor = cursor.toString();
    return entry ? this.#delivery(entry, Number(deliveries)) : undefined;
  }

  #delivery(entry: Entry, deliveries: number): Delivery<T> {
    const id = entry[0].toString();
    const data = decode(payloadOf(entry[1]), this.#settings.name, id) as T;
    return new Delivery<T>(
      id,
      data,
      deliveries,
      (deadline) => this.#ack(id, deadline),
    );
  }

  async #ack(id: string, deadline?: number): Promise<void> {
    if (this.#writer.closed) {
      throw new QueueClosed(
        `Cannot ack job ${id} of Redis queue '${this.#settings.name}' as the queue is closed; it will be delivered again after claimIdle ms.`,
      );
    }
    const { name, group } = this.#settings;
    // Deleting the entry keeps the stream the size of the work still to do.
    await this.#send(this.#writer, evalArgs(ACK, [name], [group, id]), {
      action: `ack job ${id} of`,
      deadline,
    });
  }
}
