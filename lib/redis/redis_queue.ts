// A job queue on a Redis stream with a consumer group: what the master/worker
// programs move to when one master process is no longer enough. Redis keeps
// the jobs, so workers and the master may crash and restart; a job is only
// gone once a consumer acknowledged it (at-least-once delivery).
//
// This is the only module of the library that loads `npm:redis`; it is
// reached through the "./redis" subpath so that nothing else pays for it.

import { createClient, RESP_TYPES } from "npm:redis@^5";
import { Buffer } from "node:buffer";
import { deserialize, serialize } from "node:v8";
import { Empty, QueueClosed } from "../queue/queue.ts";

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
  /** Milliseconds to wait for a job; `Empty` is thrown after that. Omitted: wait forever; 0: do not wait. */
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

type Client = ReturnType<typeof createClient>;
type Reply = unknown;

const DEFAULTS = {
  group: "multitask",
  claimIdle: 30_000,
  maxDeliveries: 5,
  connectTimeout: 5_000,
};
const BINARY = { [RESP_TYPES.BLOB_STRING]: Buffer };
const FIELD = "data";

// Handed from connect() to the constructor, which users cannot call.
let opening: { settings: Settings; writer: Client; reader: Client } | undefined;

interface Settings {
  url: string;
  name: string;
  group: string;
  consumer: string;
  claimIdle: number;
  maxDeliveries: number;
  deadLetter: string;
  connectTimeout: number;
}

/**
 * A queue of jobs on a Redis stream read through a consumer group
 * (XADD / XREADGROUP / XACK). Items are structured-cloned (v8 serialization),
 * so Maps, Dates, BigInts and typed arrays arrive intact.
 *
 * Delivery is at-least-once. `consume()` yields jobs you `ack()` yourself.
 * `get()` keeps the `Queue` surface: the job it returned is acknowledged when
 * you call `get()` again or `close()` the queue, so a consumer that dies while
 * working (killed, crashed, lost its network) never acknowledges it and the
 * job is handed to another consumer once it has been idle `claimIdle` ms
 * (XAUTOCLAIM). A job delivered `maxDeliveries` times goes to the
 * dead-letter stream `<name>:dead`.
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
  #writer: Client;
  #reader: Client;
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
    const writer = await open(settings);
    let reader: Client | undefined;
    try {
      reader = await open(settings);
      await createGroup(writer, settings);
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
    this.#checkOpen("put");
    const payload = encode(item, this.#settings.name);
    const id = await this.#writer.sendCommand([
      "XADD",
      this.#settings.name,
      "*",
      FIELD,
      payload,
    ]);
    return String(id);
  }

  /** Same as `put` (a stream is never full). */
  putNowait(item: T): Promise<string> {
    return this.put(item);
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
    const timeout = checkTimeout(options.timeout);
    this.#checkOpen("get from");
    await this.#ackUnacked();
    const job = await this.#take(timeout, options.signal);
    if (!job) {
      throw new Empty(
        `Redis queue '${this.#settings.name}' had no job within ${timeout} ms. Wait longer, or treat Empty as "no work right now".`,
      );
    }
    this.#unacked.push(job);
    return job.data;
  }

  /** `get({ timeout: 0 })`: an item if one is ready now, else `Empty`. */
  getNowait(): Promise<T> {
    return this.get({ timeout: 0 });
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
      await this.#writer.sendCommand(["XLEN", this.#settings.name]),
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
   * stay pending and go to another consumer after `claimIdle` ms.
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
    try {
      await this.#ackUnacked();
      await this.#leaveGroup();
    } finally {
      await this.#writer.close().catch(() => this.#writer.destroy());
    }
  }

  async #leaveGroup(): Promise<void> {
    const { name, group, consumer } = this.#settings;
    const pending = await this.#writer.sendCommand([
      "XPENDING",
      name,
      group,
      "-",
      "+",
      "1",
      consumer,
    ]) as Reply[];
    // Deleting a consumer drops its pending entries, so only an idle one goes.
    if (pending.length === 0 && this.#buffered.length === 0) {
      await this.#writer.sendCommand([
        "XGROUP",
        "DELCONSUMER",
        name,
        group,
        consumer,
      ]);
    }
  }

  #checkOpen(what: string): void {
    if (this.#closed) {
      throw new QueueClosed(
        `Cannot ${what} Redis queue '${this.#settings.name}' as it is closed. Connect again with RedisQueue.connect().`,
      );
    }
  }

  async #ackUnacked(): Promise<void> {
    const jobs = this.#unacked.splice(0);
    for (const job of jobs) await job.ack();
  }

  /** The next job within `timeout` ms, or undefined; one reader at a time. */
  #take(
    timeout: number,
    signal?: AbortSignal,
  ): Promise<Delivery<T> | undefined> {
    const deadline = Date.now() + timeout;
    const turn = this.#readLock.then(() => this.#takeLocked(deadline, signal));
    this.#readLock = turn.catch(() => {});
    if (!signal) return turn;
    signal.throwIfAborted();
    return raceAbort(turn, signal, (job) => {
      // Arrived after the caller gave up: keep it for the next taker.
      if (job) this.#buffered.push(job);
    });
  }

  async #takeLocked(
    deadline: number,
    signal?: AbortSignal,
  ): Promise<Delivery<T> | undefined> {
    try {
      return await this.#poll(deadline, signal);
    } catch (error) {
      // close() cuts the reader mid-command: report that, not the socket error.
      this.#checkOpen("get from");
      throw error;
    }
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
        const claimed = await this.#reclaim();
        this.#nextClaimAt = Date.now() + this.#claimEvery();
        if (claimed) return claimed;
      }
      const wait = Math.min(
        deadline - Date.now(),
        this.#nextClaimAt - Date.now(),
      );
      const job = await this.#read(Math.max(0, Math.ceil(wait)));
      if (job) return job;
      if (Date.now() >= deadline) return undefined;
    }
  }

  #claimEvery(): number {
    return Math.max(10, Math.min(this.#settings.claimIdle / 2, 5_000));
  }

  async #read(block: number): Promise<Delivery<T> | undefined> {
    const { name, group, consumer } = this.#settings;
    const args = ["XREADGROUP", "GROUP", group, consumer, "COUNT", "1"];
    // BLOCK 0 would mean "forever" to Redis; 0 here means "do not wait".
    if (block > 0) args.push("BLOCK", String(block));
    args.push("STREAMS", name, ">");
    const reply: Reply = await this.#reader.sendCommand(args, {
      typeMapping: BINARY,
    });
    if (!Array.isArray(reply) || reply.length === 0) return undefined;
    const [, entries] = reply[0] as [Buffer, Reply[]];
    const entry = entries[0] as [Buffer, Buffer[]] | undefined;
    return entry ? this.#delivery(entry, 1) : undefined;
  }

  /** Takes over one job idle longer than claimIdle; dead-letters worn-out ones. */
  async #reclaim(): Promise<Delivery<T> | undefined> {
    const { name, group, consumer, claimIdle } = this.#settings;
    for (let scans = 0; scans < 100; scans++) {
      const reply = await this.#reader.sendCommand([
        "XAUTOCLAIM",
        name,
        group,
        consumer,
        String(claimIdle),
        this.#claimCursor,
        "COUNT",
        "1",
      ], { typeMapping: BINARY }) as [Buffer, Reply[]];
      this.#claimCursor = reply[0].toString();
      const entry = reply[1][0] as [Buffer, Buffer[]] | null | undefined;
      if (entry) {
        const deliveries = await this.#deliveries(entry[0].toString());
        if (deliveries <= this.#settings.maxDeliveries) {
          return this.#delivery(entry, deliveries);
        }
        await this.#deadLetter(entry, deliveries);
        continue;
      }
      if (this.#claimCursor === "0-0") return undefined;
    }
    return undefined;
  }

  async #deliveries(id: string): Promise<number> {
    const { name, group } = this.#settings;
    const reply = await this.#reader.sendCommand([
      "XPENDING",
      name,
      group,
      id,
      id,
      "1",
    ]) as [string, string, number, number][];
    return Number(reply[0]?.[3] ?? 1);
  }

  async #deadLetter(
    entry: [Buffer, Buffer[]],
    deliveries: number,
  ): Promise<void> {
    const { name, group, deadLetter } = this.#settings;
    const id = entry[0].toString();
    await this.#reader.multi()
      .addCommand([
        "XADD",
        deadLetter,
        "*",
        FIELD,
        payloadOf(entry[1]) ?? "",
        "source",
        name,
        "id",
        id,
        "deliveries",
        String(deliveries),
      ])
      .addCommand(["XACK", name, group, id])
      .addCommand(["XDEL", name, id])
      .exec();
  }

  #delivery(entry: [Buffer, Buffer[]], deliveries: number): Delivery<T> {
    const id = entry[0].toString();
    const data = decode(payloadOf(entry[1]), this.#settings.name, id) as T;
    return new Delivery<T>(id, data, deliveries, () => this.#ack(id));
  }

  async #ack(id: string): Promise<void> {
    if (this.#writer.isOpen === false) {
      throw new QueueClosed(
        `Cannot ack job ${id} of Redis queue '${this.#settings.name}' as the queue is closed; it will be delivered again after claimIdle ms.`,
      );
    }
    const { name, group } = this.#settings;
    // Deleting the entry keeps the stream the size of the work still to do.
    await this.#writer.multi()
      .addCommand(["XACK", name, group, id])
      .addCommand(["XDEL", name, id])
      .exec();
  }
}

class Delivery<T> implements RedisJob<T> {
  readonly id: string;
  readonly data: T;
  readonly deliveries: number;
  #ack: () => Promise<void>;
  #acked?: Promise<void>;

  constructor(
    id: string,
    data: T,
    deliveries: number,
    ack: () => Promise<void>,
  ) {
    this.id = id;
    this.data = data;
    this.deliveries = deliveries;
    this.#ack = ack;
  }

  ack(): Promise<void> {
    this.#acked ??= this.#ack();
    return this.#acked;
  }
}

function validate(
  url: unknown,
  name: unknown,
  options: RedisQueueOptions,
): Settings {
  if (typeof url !== "string" || !/^rediss?:\/\//.test(url)) {
    throw new TypeError(
      `Cannot connect RedisQueue as 'url' must be a redis:// or rediss:// URL: received ${
        JSON.stringify(url)
      }`,
    );
  }
  if (typeof name !== "string" || name === "") {
    throw new TypeError(
      `Cannot connect RedisQueue as 'name' must be a non-empty string (the stream key): received ${
        JSON.stringify(name)
      }`,
    );
  }
  const text = (key: keyof RedisQueueOptions, fallback: string): string => {
    const value = options[key] ?? fallback;
    if (typeof value !== "string" || value === "") {
      throw new TypeError(
        `Cannot connect RedisQueue as '${key}' must be a non-empty string: received ${
          JSON.stringify(value)
        }`,
      );
    }
    return value;
  };
  const count = (key: keyof RedisQueueOptions, fallback: number): number => {
    const value = options[key] ?? fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
      throw new TypeError(
        `Cannot connect RedisQueue as '${key}' must be a positive integer: received ${
          String(value)
        }`,
      );
    }
    return value;
  };
  return {
    url,
    name,
    group: text("group", DEFAULTS.group),
    consumer: text(
      "consumer",
      `${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`,
    ),
    claimIdle: count("claimIdle", DEFAULTS.claimIdle),
    maxDeliveries: count("maxDeliveries", DEFAULTS.maxDeliveries),
    deadLetter: text("deadLetter", `${name}:dead`),
    connectTimeout: count("connectTimeout", DEFAULTS.connectTimeout),
  };
}

async function open(settings: Settings): Promise<Client> {
  let connected = false;
  const client = createClient({
    url: settings.url,
    socket: {
      connectTimeout: settings.connectTimeout,
      // Give up at once on the first connect (a wrong URL should say so),
      // keep retrying a server that went away later.
      reconnectStrategy: (retries: number, cause: Error) =>
        connected ? Math.min(50 * 2 ** Math.min(retries, 5), 2_000) : cause,
    },
  });
  // Without a listener a dropped connection would crash the process; the
  // failing command reports the error instead.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    try {
      client.destroy();
    } catch { /* the failed connect closed it already */ }
    throw new Error(
      `Cannot connect RedisQueue to ${settings.url}: ${
        (error as Error).message
      }. Is redis-server running there and reachable?`,
      { cause: error },
    );
  }
  connected = true;
  return client as Client;
}

async function createGroup(client: Client, settings: Settings): Promise<void> {
  try {
    // From id 0, so jobs put before any worker connected are delivered too.
    await client.sendCommand([
      "XGROUP",
      "CREATE",
      settings.name,
      settings.group,
      "0",
      "MKSTREAM",
    ]);
  } catch (error) {
    if (!String((error as Error).message).includes("BUSYGROUP")) throw error;
  }
}

function encode(item: unknown, name: string): Buffer {
  try {
    return serialize(item);
  } catch (error) {
    throw new TypeError(
      `Cannot put this item on Redis queue '${name}' as it cannot be structured-cloned (${
        (error as Error).message
      }). Send plain data: objects, arrays, strings, numbers, Maps, Dates...`,
      { cause: error },
    );
  }
}

function decode(
  payload: Buffer | undefined,
  name: string,
  id: string,
): unknown {
  if (!payload) {
    throw new TypeError(
      `Entry ${id} of Redis stream '${name}' has no '${FIELD}' field: it was not written by RedisQueue.put(). Keep the stream for RedisQueue alone.`,
    );
  }
  return deserialize(payload);
}

function payloadOf(fields: Buffer[]): Buffer | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i].toString() === FIELD) return fields[i + 1];
  }
  return undefined;
}

function checkTimeout(timeout: unknown): number {
  if (timeout === undefined) return Infinity;
  if (typeof timeout !== "number" || Number.isNaN(timeout) || timeout < 0) {
    throw new TypeError(
      `Cannot get from Redis queue as 'timeout' must be a non-negative number of milliseconds: received ${
        String(timeout)
      }`,
    );
  }
  return timeout;
}

function raceAbort<V>(
  work: Promise<V>,
  signal: AbortSignal,
  late: (value: V) => void,
): Promise<V> {
  return new Promise<V>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) late(value);
        else resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
