// The worker side of a Manager: one authenticated connection to the master,
// over which registered objects are reached by name. A library object's
// handle is its own transfer codec proxy (lib/_crossing/codec.ts), so a
// remote queue is the RemoteQueue a child process gets for a Queue; any
// other object's handle has one async function per method the master
// listed for it (lib/manager/_served.ts). Instances made by create() live
// in this connection's table on the master until released or disconnected.

import { AuthenticationError } from "../_crossing/auth.ts";
import type { RemoteSession } from "../_crossing/session.ts";
import { openSession } from "../_crossing/opener.ts";
import { Adoption } from "../_crossing/adopt.ts";
import { codecFor, type RemoteCall } from "../_crossing/codec.ts";
import { Payload } from "../_crossing/payload.ts";
import { MAX_TIMER_MS } from "../_common/waiting.ts";
import type {
  RemoteJoinableQueue,
  RemoteQueue,
} from "../queue/remote_queue.ts";
import type {
  Remote,
  RemoteDict,
  RemoteEvent,
  RemoteList,
  RemoteNamespace,
} from "./remote_types.ts";
import { FACTORY_KIND, OBJECT_KIND, SELF } from "./_served.ts";
import { checkConnectOptions, dial } from "./_dial.ts";
import {
  compact,
  methodsOf,
  notRegistered,
  ownTimeout,
  released,
  WAITING,
  wrongKind,
} from "./_calls.ts";
// Loaded for their codecs: handles of these types are built from them.
import "../queue/queue.ts";
import "../queue/priority_queue.ts";
import "../queue/lifo_queue.ts";
import "../queue/simple_queue.ts";
import "../sync/event.ts";
import "../sync/lock.ts";
import "../sync/semaphore.ts";
import "../sync/barrier.ts";
import "../sync/value.ts";

/** Reserved request the client sends once, after the handshake: what is registered. */
export const CATALOG = "$catalog";
/** Reserved request: make an instance with a registered factory, `[typeid, args]` → `[id, kind, methods?]`. */
export const CREATE = "$create";
/** Reserved request: forget an instance `create` made, `[id]`. */
export const DROP = "$drop";

/** What the master serves under one name: a library type's tag, OBJECT_KIND with its methods, or FACTORY_KIND. */
export type CatalogEntry = [name: string, kind: string, methods?: string[]];

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

/** What connect() lends the constructor. */
interface Opening {
  session: RemoteSession;
  catalog: Map<string, CatalogEntry>;
  where: string;
  callTimeout?: number;
}

const adoption = new Adoption<Opening>();

/**
 * A connection to a {@linkcode Manager} [the connected BaseManager of a
 * worker]. Get handles with `proxy(name)` (or `queue(name)` /
 * `event(name)`), make instances with `create(typeid, ...args)`, `dict()`,
 * `list()`, `namespace()`; `close()` (or `await using`) ends the connection,
 * rejecting calls still waiting.
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
  #catalog: Map<string, CatalogEntry>;
  #where: string;
  #callTimeout?: number;
  #handles = new Map<string, unknown>();
  // Instances made by create(), by handle, until released.
  #created = new WeakMap<object, string>();
  #dropped = new Set<string>();
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
    let catalog: Map<string, CatalogEntry>;
    try {
      const entries = await session.call(CATALOG, null, {
        timeout: Math.max(1, deadline - Date.now()),
      });
      catalog = new Map(
        (entries as CatalogEntry[]).map((entry) => [entry[0], entry]),
      );
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

  /**
   * The object registered as `name` on the master, as a handle typed by
   * {@linkcode Remote}: for the library's types their remote handle (a
   * RemoteQueue, RemoteLock, RemoteValue...), for any other object (a Map,
   * an instance of the user's class) one async method per public method of
   * the master's object [a BaseManager proxy]. Arguments and results cross
   * as they do to a child process; an error thrown on the master rejects the
   * call with its class kept for the library's errors (its name otherwise).
   *
   * @example A Map and a user's object on the master
   * ```ts
   * import { Manager } from "@multitask/core";
   *
   * class Scores {
   *   #best = 0;
   *   record(score: number): number {
   *     return (this.#best = Math.max(this.#best, score));
   *   }
   * }
   * await using master = new Manager({ port: 0, authkey: "abc" });
   * master.register("config", new Map<string, number>()).register("scores", new Scores());
   * const { port } = await master.start();
   *
   * await using client = await Manager.connect({ port, authkey: "abc" });
   * const config = client.proxy<Map<string, number>>("config");
   * await config.set("retries", 3);
   * console.log(await config.get("retries"), await config.keys()); // 3 [ "retries" ]
   * const scores = client.proxy<Scores>("scores");
   * await scores.record(7);
   * console.log(await scores.record(5)); // 7
   * ```
   */
  proxy<T = unknown>(name: string): Remote<T> {
    const [, kind, methods] = this.#entry(name);
    if (kind === FACTORY_KIND) {
      throw new TypeError(
        `'${name}' on the manager at ${this.#where} is a factory, not an object: make an instance with client.create(${
          JSON.stringify(name)
        }, ...args).`,
      );
    }
    let handle = this.#handles.get(name);
    if (!handle) {
      handle = this.#build(`n:${name}`, kind, methods);
      this.#handles.set(name, handle);
    }
    return handle as Remote<T>;
  }

  /**
   * Makes a new instance on the master with the factory registered as
   * `typeid` (`manager.register(typeid, factory)`, a class or a function),
   * passing `args`, and resolves with a handle on it [calling a typeid of a
   * BaseManager]. The instance is this client's: the master forgets it when
   * the client disconnects or calls {@linkcode ManagerClient.release}. A
   * factory that returns a shared object (Python's
   * `register("get_queue", callable=lambda: queue)`) gives every client a
   * handle on that object.
   *
   * @example One counter per worker
   * ```ts
   * import { Manager } from "@multitask/core";
   *
   * class Counter {
   *   constructor(public n: number) {}
   *   add(k: number): number {
   *     return (this.n += k);
   *   }
   * }
   * await using master = new Manager({ port: 0, authkey: "abc" });
   * master.register("Counter", Counter);
   * const { port } = await master.start();
   *
   * await using client = await Manager.connect({ port, authkey: "abc" });
   * const mine = await client.create<Counter>("Counter", 10);
   * console.log(await mine.add(5)); // 15
   * await client.release(mine);
   * ```
   */
  async create<T = unknown>(
    typeid: string,
    ...args: unknown[]
  ): Promise<Remote<T>> {
    if (typeof typeid !== "string" || typeid === "") {
      throw new TypeError(
        `Cannot create an instance as 'typeid' must be the name of a factory registered on the manager: received ${
          JSON.stringify(typeid) ?? String(typeid)
        }`,
      );
    }
    const params = this.#session.prepare(
      [typeid, args],
      (reason) =>
        `Cannot create a '${typeid}' as its arguments cannot be sent to another process: ${reason}`,
    );
    const [id, kind, methods] = await this.#session.call(CREATE, params, {
      timeout: this.#callTimeout,
    }) as [string, string, string[] | undefined];
    const handle = this.#build(id, kind, methods);
    this.#created.set(handle, id);
    return handle as Remote<T>;
  }

  /**
   * Tells the master to forget an instance this client made with `create`
   * (or `dict`, `list`, `namespace`); later calls on the handle reject with
   * ReferenceError. Disconnecting releases every instance at once.
   *
   * @example
   * ```ts
   * import type { ManagerClient } from "@multitask/core/manager";
   *
   * export async function scratch(client: ManagerClient): Promise<number> {
   *   const tmp = await client.list<number>([1, 2]);
   *   try {
   *     return await tmp.push(3);
   *   } finally {
   *     await client.release(tmp);
   *   }
   * }
   * ```
   */
  async release(handle: object): Promise<void> {
    const id = typeof handle === "object" && handle !== null
      ? this.#created.get(handle)
      : undefined;
    if (id === undefined) {
      throw new TypeError(
        "Cannot release this value as it is not a handle made by this client's create(), dict(), list() or namespace() (or it was released already). Objects registered by name stay on the master.",
      );
    }
    this.#created.delete(handle);
    this.#dropped.add(id);
    await this.#session.call(DROP, [id], { timeout: this.#callTimeout });
  }

  /**
   * A new dict on the master [SyncManager.dict()]: a Map there, this
   * client's until released or disconnected; see {@linkcode RemoteDict}.
   *
   * @example
   * ```ts
   * import { Manager } from "@multitask/core";
   *
   * await using master = new Manager({ port: 0, authkey: "abc" });
   * const { port } = await master.start();
   * await using client = await Manager.connect({ port, authkey: "abc" });
   * const d = await client.dict<string, number>([["a", 1]]);
   * await d.set("b", 2);
   * console.log(await d.entries()); // [ [ "a", 1 ], [ "b", 2 ] ]
   * ```
   */
  dict<K = unknown, V = unknown>(
    entries?: Iterable<readonly [K, V]>,
  ): Promise<RemoteDict<K, V>> {
    return this.create(
      "$dict",
      ...(entries === undefined ? [] : [[...entries]]),
    ) as Promise<RemoteDict<K, V>>;
  }

  /**
   * A new list on the master [SyncManager.list()]: an Array there; see
   * {@linkcode RemoteList}.
   *
   * @example
   * ```ts
   * import { Manager } from "@multitask/core";
   *
   * await using master = new Manager({ port: 0, authkey: "abc" });
   * const { port } = await master.start();
   * await using client = await Manager.connect({ port, authkey: "abc" });
   * const l = await client.list<string>(["a"]);
   * await l.push("b", "c");
   * console.log(await l.get(-1), await l.length()); // c 3
   * ```
   */
  list<T = unknown>(items?: Iterable<T>): Promise<RemoteList<T>> {
    return this.create(
      "$list",
      ...(items === undefined ? [] : [[...items]]),
    ) as Promise<RemoteList<T>>;
  }

  /**
   * A new namespace on the master [SyncManager.Namespace()]: named fields
   * read and written with `get`/`set`; see {@linkcode RemoteNamespace}.
   *
   * @example
   * ```ts
   * import { Manager } from "@multitask/core";
   *
   * await using master = new Manager({ port: 0, authkey: "abc" });
   * const { port } = await master.start();
   * await using client = await Manager.connect({ port, authkey: "abc" });
   * const ns = await client.namespace<{ x: number; y: string }>({ x: 1 });
   * await ns.set("y", "hi");
   * console.log(await ns.copy()); // { x: 1, y: "hi" }
   * ```
   */
  namespace<T extends Record<string, unknown> = Record<string, unknown>>(
    fields?: Partial<T>,
  ): Promise<RemoteNamespace<T>> {
    return this.create(
      "$namespace",
      ...(fields === undefined ? [] : [fields]),
    ) as Promise<RemoteNamespace<T>>;
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
    const [, kind] = this.#entry(name);
    if (!tags.includes(kind)) {
      throw wrongKind(name, this.#where, kind, tags[0], method);
    }
    return this.proxy(name);
  }

  #entry(name: string): CatalogEntry {
    const entry = typeof name === "string"
      ? this.#catalog.get(name)
      : undefined;
    if (!entry) throw notRegistered(name, this.#where, this.names());
    return entry;
  }

  // The handle for an object the master exported as `id` (a name's "n:name").
  #build(id: string, kind: string, methods?: string[]): object {
    if (kind === OBJECT_KIND) return this.#served(id, methods ?? []);
    const codec = codecFor(kind);
    if (!codec?.remote) {
      throw new TypeError(
        `The manager at ${this.#where} serves a ${kind}, a type this client has not loaded: import it from "@multitask/core" in the client's program.`,
      );
    }
    const call = this.#call(id);
    return (codec.proxy ? codec.proxy(call) : methodsOf(codec, call)) as object;
  }

  // One async function per method the master listed for the object.
  #served(id: string, methods: readonly string[]): Record<string, unknown> {
    const handle: Record<string, unknown> = {};
    for (const method of methods) {
      handle[method] = (...args: unknown[]) =>
        this.#invoke(id, method, args).then((result) =>
          result === SELF ? handle : result
        );
    }
    return handle;
  }

  #invoke(id: string, method: string, args: unknown[]): Promise<unknown> {
    if (this.#dropped.has(id)) return Promise.reject(released(method));
    let prepared: unknown;
    try {
      prepared = this.#session.prepare(
        args,
        (reason) =>
          `Cannot call ${method}() on the manager's object as its arguments cannot be sent to another process: ${reason}`,
      );
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#session.call("$obj", [id, method, prepared], {
      timeout: this.#callTimeout,
    });
  }

  #call(id: string): RemoteCall {
    const extra = this.#callTimeout;
    const call: RemoteCall = (method, args, options) => {
      if (this.#dropped.size > 0 && this.#dropped.has(id)) {
        return Promise.reject(released(method));
      }
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
