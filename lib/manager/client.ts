// The worker side of a Manager: one authenticated connection to the master,
// over which registered objects are reached by name. Each handle is the
// object's own transfer codec proxy (lib/_transfer.ts), so a remote queue is
// a real Queue whose methods call the master, exactly as a Queue handed to a
// child process is.

import { deadline } from "jsr:@std/async@^1.5.0/deadline";
import { AuthenticationError, type AuthKey } from "../_crossing/auth.ts";
import type { RemoteSession } from "../_crossing/session.ts";
import { openSession } from "../_crossing/opener.ts";
import { Adoption } from "../_crossing/adopt.ts";
import {
  codecFor,
  type RemoteCall,
  type TransferCodec,
} from "../_crossing/codec.ts";
import { DEFAULT_MAX_FRAME_SIZE } from "../_crossing/frames.ts";
import { Payload } from "../_crossing/payload.ts";
import { TimeoutError } from "../errors/base.ts";
import { checkLimit, MAX_TIMER_MS } from "../_common/waiting.ts";
import type {
  RemoteJoinableQueue,
  RemoteQueue,
} from "../queue/remote_queue.ts";
import {
  checkAuthKey,
  checkFrameSize,
  checkHostname,
  checkPort,
} from "./_options.ts";
// Loaded for their codecs: handles of these types are built from them.
import "../queue/queue.ts";
import "../sync/event.ts";

/** Reserved request the client sends once, after the handshake: what is registered. */
export const CATALOG = "$catalog";

/**
 * Options of {@linkcode ManagerClient.connect} / `Manager.connect`.
 *
 * @example
 * ```ts
 * import type { ConnectOptions } from "@multitask/core/manager";
 *
 * const options: ConnectOptions = { hostname: "127.0.0.1", port: 5000, authkey: "abc" };
 * ```
 */
export interface ConnectOptions {
  /** Host of the master. Default `"127.0.0.1"`. */
  hostname?: string;
  /** Port the master listens on. */
  port: number;
  /** The master's key (same bytes on both sides; never sent over the wire). */
  authkey: string | Uint8Array;
  /**
   * Connect over TLS: `true` trusts the system's roots; `{ caCerts }` adds
   * PEM certificates to trust (a self-signed master's certificate).
   */
  tls?: boolean | { caCerts?: string[] };
  /** Milliseconds to connect and authenticate before giving up. Default 10000. */
  timeout?: number;
  /**
   * Milliseconds any call may take on top of its own `timeout` option before
   * it rejects with a TimeoutError and is cancelled on the master (a get()
   * cancelled this way takes no item). A call with no `timeout` option, like
   * a plain `get()`, then waits at most this long. Default (or -1): no limit.
   */
  callTimeout?: number;
  /** Largest message sent or accepted, in bytes. Default 8 MiB; keep it equal to the master's. */
  maxFrameSize?: number;
}

/**
 * The stand-in for an Event registered on the master: each method is a
 * round trip, so each returns a Promise.
 *
 * @example
 * ```ts
 * import type { RemoteEvent } from "@multitask/core/manager";
 *
 * export async function waitForStart(started: RemoteEvent): Promise<void> {
 *   if (!(await started.wait(10_000))) throw new Error("the master never said go");
 * }
 * ```
 */
export interface RemoteEvent {
  /** Sets the flag on the master, waking every waiter. */
  set(): Promise<void>;
  /** Lowers the flag. */
  clear(): Promise<void>;
  /** Whether the flag is set. */
  isSet(): Promise<boolean>;
  /** Waits until the flag is set or `timeout` ms pass; resolves with the flag. */
  wait(timeout?: number): Promise<boolean>;
}

/** What connect() lends the constructor. */
interface Opening {
  session: RemoteSession;
  catalog: Map<string, string>;
  where: string;
  callTimeout?: number;
}

const adoption = new Adoption<Opening>();

/**
 * A connection to a {@linkcode Manager} [the connected BaseManager of a
 * worker]. Get handles with `queue(name)` / `event(name)`; `close()` (or
 * `await using`) ends the connection, rejecting calls still waiting.
 *
 * @example
 * ```ts
 * import { Manager, Queue } from "@multitask/core";
 *
 * await using master = new Manager({ port: 0, authkey: "abc" });
 * master.register("task_queue", new Queue<number>());
 * const { port } = await master.start();
 *
 * await using client = await Manager.connect({ port, authkey: "abc" });
 * const tasks = client.queue<number>("task_queue");
 * await tasks.put(7);
 * console.log(await tasks.get({ timeout: 1000 })); // 7
 * ```
 */
export class ManagerClient implements AsyncDisposable {
  #session: RemoteSession;
  #catalog: Map<string, string>;
  #where: string;
  #callTimeout?: number;
  #handles = new Map<string, unknown>();
  #unsettled = new Set<Promise<unknown>>();

  /** Not for direct use: call {@linkcode ManagerClient.connect} (or `Manager.connect`). */
  constructor() {
    const opening = adoption.state;
    if (!opening) {
      throw new TypeError(
        "ManagerClient has no public constructor: use `await Manager.connect({ hostname, port, authkey })`.",
      );
    }
    ({
      session: this.#session,
      catalog: this.#catalog,
      where: this.#where,
      callTimeout: this.#callTimeout,
    } = opening);
  }

  /**
   * Connects to a master, proves the key (and checks the master holds it
   * too), and learns what it serves. Rejects with `AuthenticationError` on a
   * wrong key; the master goes on serving others.
   *
   * @example
   * ```ts
   * import { ManagerClient } from "@multitask/core/manager";
   *
   * export async function connect(): Promise<ManagerClient> {
   *   return await ManagerClient.connect({ hostname: "127.0.0.1", port: 5000, authkey: "abc" });
   * }
   * ```
   */
  static async connect(options: ConnectOptions): Promise<ManagerClient> {
    const settings = checkConnectOptions(options);
    const where = `${settings.hostname}:${settings.port}`;
    const deadline = Date.now() + settings.timeout;
    const conn = await dial(settings, where);
    let session: RemoteSession;
    try {
      session = await openSession(conn, settings.authkey, {
        side: "client",
        timeout: Math.max(1, deadline - Date.now()),
        maxFrameSize: settings.maxFrameSize,
      });
    } catch (error) {
      if (error instanceof AuthenticationError) {
        error.message =
          `Cannot connect to the manager at ${where}: ${error.message}`;
      }
      throw error;
    }
    let catalog: Map<string, string>;
    try {
      const entries = await session.call(CATALOG, null, {
        timeout: Math.max(1, deadline - Date.now()),
      });
      catalog = new Map(entries as [string, string][]);
    } catch (error) {
      session.close();
      throw error;
    }
    const opening = {
      session,
      catalog,
      where,
      callTimeout: settings.callTimeout,
    };
    return adoption.lend(opening, () => new ManagerClient());
  }

  /** Names the master had registered when this client connected. */
  names(): string[] {
    return [...this.#catalog.keys()];
  }

  /**
   * The queue registered as `name` on the master, as a RemoteQueue: the
   * methods of a Queue that work remotely (`put`, `get({ timeout })` →
   * `Empty`, `close`, `for await`), each carried out by the master.
   *
   * @example
   * ```ts
   * import type { ManagerClient } from "@multitask/core/manager";
   *
   * export async function square(client: ManagerClient): Promise<void> {
   *   const tasks = client.queue<number>("task_queue");
   *   const results = client.queue<string>("result_queue");
   *   const n = await tasks.get({ timeout: 1000 });
   *   await results.put(`${n} * ${n} = ${n * n}`);
   * }
   * ```
   */
  queue<T = unknown>(name: string): RemoteQueue<T> {
    return this.#handle(
      name,
      ["Queue", "JoinableQueue", "PriorityQueue", "LifoQueue", "SimpleQueue"],
      "queue",
    ) as RemoteQueue<T>;
  }

  /** Like {@linkcode ManagerClient.queue} for a JoinableQueue (adds `taskDone()`, `join()`). */
  joinableQueue<T = unknown>(name: string): RemoteJoinableQueue<T> {
    return this.#handle(
      name,
      ["JoinableQueue", "PriorityQueue", "LifoQueue"],
      "joinableQueue",
    ) as RemoteJoinableQueue<T>;
  }

  /**
   * The Event registered as `name` on the master.
   *
   * @example
   * ```ts
   * import type { ManagerClient } from "@multitask/core/manager";
   *
   * export async function go(client: ManagerClient): Promise<void> {
   *   await client.event("start").set();
   * }
   * ```
   */
  event(name: string): RemoteEvent {
    return this.#handle(name, ["Event"], "event") as RemoteEvent;
  }

  /** Resolves when the connection ends (closed by either side or lost). */
  get closed(): Promise<void> {
    return this.#session.closed.then(() => {});
  }

  /**
   * Ends the connection once the master has acknowledged every put (and
   * other non-waiting call) made so far, so no item a worker put is lost;
   * calls still waiting (get, wait) reject with ConnectionClosedError.
   */
  async close(): Promise<void> {
    // Puts on an unbounded queue resolve before the master has them: they
    // are sent in a microtask, then acknowledged; wait for both.
    await Promise.resolve();
    while (this.#unsettled.size > 0) {
      await Promise.allSettled([...this.#unsettled]);
    }
    // Receipts of items this client took (see lend in rpc.ts) are on their
    // way: without them the master would put those items back.
    await this.#session.peer.frames.flush().catch(() => {});
    this.#session.close();
    await this.closed;
  }

  /** `await using client = await Manager.connect(...)` closes it at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #handle(name: string, tags: string[], method: string): unknown {
    if (typeof name !== "string" || !this.#catalog.has(name)) {
      const known = this.names().map((n) => `'${n}'`).join(", ") || "none";
      throw new ReferenceError(
        `No object is registered under the name ${
          JSON.stringify(name)
        } on the manager at ${this.#where} (registered: ${known}). Register it on the master before clients connect: manager.register(${
          JSON.stringify(String(name))
        }, object).`,
      );
    }
    const tag = this.#catalog.get(name)!;
    if (!tags.includes(tag)) {
      throw new TypeError(
        `'${name}' on the manager at ${this.#where} is a ${tag}, not a ${
          tags[0]
        }: client.${method}() cannot reach it.`,
      );
    }
    let handle = this.#handles.get(name);
    if (!handle) {
      const codec = codecFor(tag) as TransferCodec;
      const call = this.#call(`n:${name}`);
      handle = codec.proxy ? codec.proxy(call) : methodsOf(codec, call);
      this.#handles.set(name, handle);
    }
    return handle;
  }

  #call(id: string): RemoteCall {
    const extra = this.#callTimeout;
    const call: RemoteCall = (method, args, options) => {
      const plain = args instanceof Payload ? undefined : compact(args);
      const answer = this.#session.call("$obj", [id, method, plain ?? args], {
        signal: options?.signal,
        timeout: extra === undefined
          ? undefined
          : Math.min(extra + ownTimeout(plain), MAX_TIMER_MS),
      });
      if (!WAITING.has(method)) this.#track(answer);
      return answer;
    };
    call.prepare = (args, refusal) =>
      this.#session.prepare(compact(args), refusal) as unknown[] | Payload;
    // One connection, served in order: a get() need not wait for the ack of
    // a put sent before it on this channel (a round trip saved per pair).
    call.channel = this.#session;
    return call;
  }

  #track(answer: Promise<unknown>): void {
    this.#unsettled.add(answer);
    const forget = () => this.#unsettled.delete(answer);
    answer.then(forget, forget);
  }
}

// Methods that may wait for other processes; close() does not wait for them.
const WAITING = new Set(["get", "getMany", "wait", "join"]);

function methodsOf(
  codec: TransferCodec,
  call: RemoteCall,
): Record<string, unknown> {
  const handle: Record<string, unknown> = {};
  for (const method of codec.remote ?? []) {
    handle[method] = (...args: unknown[]) => call(method, args);
  }
  return handle;
}

// Drops trailing undefined arguments and undefined option values (get()
// sends { timeout: undefined }): the same call to the owner, but plain JSON
// on the wire instead of the several-times slower v8 serializer.
function compact(args: unknown[]): unknown[] {
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  const out = end === args.length ? args : args.slice(0, end);
  const last = out.at(-1);
  if (
    typeof last !== "object" || last === null ||
    Object.getPrototypeOf(last) !== Object.prototype
  ) return out;
  let defined: Record<string, unknown> | undefined;
  for (const key in last) {
    const value = (last as Record<string, unknown>)[key];
    if (value === undefined) defined ??= { ...last };
  }
  if (!defined) return out;
  for (const key in defined) {
    if (defined[key] === undefined) delete defined[key];
  }
  return [...out.slice(0, -1), defined];
}

// The call's own wait (`{ timeout }` options, or Event.wait's number), so a
// long get({ timeout }) is not cut short by callTimeout.
function ownTimeout(args: unknown[] | undefined): number {
  const last = args?.at(-1);
  const own = typeof last === "number"
    ? last
    : typeof last === "object" && last !== null
    ? (last as { timeout?: unknown }).timeout
    : undefined;
  return typeof own === "number" && Number.isFinite(own) && own > 0 ? own : 0;
}

interface ConnectSettings {
  hostname: string;
  port: number;
  authkey: AuthKey;
  tls?: { caCerts?: string[] };
  timeout: number;
  callTimeout?: number;
  maxFrameSize: number;
}

function checkConnectOptions(options: ConnectOptions): ConnectSettings {
  const who = "connect to manager";
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${who} as its options must be an object { hostname, port, authkey }: received ${
        String(options)
      }`,
    );
  }
  const tls = options.tls === true ? {} : options.tls || undefined;
  if (tls !== undefined && typeof tls !== "object") {
    throw new TypeError(
      `Cannot ${who} as 'tls' must be true or { caCerts }: received ${
        String(options.tls)
      }`,
    );
  }
  return {
    hostname: checkHostname(options.hostname, who),
    port: checkPort(options.port, who, false),
    authkey: checkAuthKey(options.authkey, who),
    tls,
    // A connect that never gives up would hang a worker whose master never
    // comes: its timeout takes no "no limit" (-1), as handshakeTimeout.
    timeout: checkLimit(options.timeout, "timeout", who, false) ?? 10_000,
    callTimeout: checkLimit(options.callTimeout, "callTimeout", who),
    maxFrameSize: checkFrameSize(options.maxFrameSize, who) ??
      DEFAULT_MAX_FRAME_SIZE,
  };
}

async function dial(
  settings: ConnectSettings,
  where: string,
): Promise<Deno.Conn> {
  const { hostname, port, tls } = settings;
  const connecting = open(hostname, port, tls);
  try {
    return await deadline(connecting, settings.timeout);
  } catch (error) {
    if (error instanceof DOMException && error.name === "TimeoutError") {
      connecting.then((late) => late.close(), () => {});
      throw new TimeoutError(
        `Cannot connect to the manager at ${where}: no answer within ${settings.timeout} ms. Check the address and that the master is running.`,
      );
    }
    if (error instanceof Deno.errors.ConnectionRefused) {
      throw new Deno.errors.ConnectionRefused(
        `Cannot connect to the manager at ${where}: connection refused. Is the master running (started with manager.start()) on that port?`,
        { cause: error },
      );
    }
    throw error;
  }
}

async function open(
  hostname: string,
  port: number,
  tls: { caCerts?: string[] } | undefined,
): Promise<Deno.Conn> {
  if (!tls) {
    const conn = await Deno.connect({ hostname, port });
    conn.setNoDelay(true);
    conn.setKeepAlive(true);
    return conn;
  }
  const conn = await Deno.connectTls({ hostname, port, caCerts: tls.caCerts });
  try {
    await conn.handshake();
  } catch (error) {
    conn.close();
    throw error;
  }
  return conn;
}
