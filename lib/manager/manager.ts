// The master side of distributed processes [multiprocessing.managers.
// BaseManager]: a TCP (or TLS) server that makes registered objects (the
// library's queues, events, locks, values...; any object with methods, by
// its public methods, lib/manager/_served.ts) and factories (one instance
// per client call, kept in that client's session table, so they go when it
// disconnects) reachable by name from other processes and machines.
//
// Each connection is authenticated first (mutual HMAC-SHA256 challenge,
// lib/_crossing/auth.ts), then carries pipelined RPC frames (lib/_crossing/rpc.ts) through a
// RemoteSession (lib/_crossing/session.ts) that resolves names in this manager's
// registry and dispatches through each object's transfer codec. Anything
// wrong on one connection (bad key, garbage, oversized frame, a client dying
// mid-call) closes that connection only; the calls it was waiting in are
// cancelled, and a cancelled get() takes no item.

import { delay } from "jsr:@std/async@^1.5.0/delay";
import type { AuthKey } from "../_crossing/auth.ts";
import {
  NamedObjects,
  ObjectTable,
  type RemoteSession,
} from "../_crossing/session.ts";
import { codecOf, type TransferCodec } from "../_crossing/codec.ts";
import { openSession } from "../_crossing/opener.ts";
import { DEFAULT_MAX_FRAME_SIZE } from "../_crossing/frames.ts";
import { checkLimit } from "../_common/waiting.ts";
import {
  CATALOG,
  type CatalogEntry,
  type ConnectOptions,
  CREATE,
  DROP,
  ManagerClient,
} from "./client.ts";
import {
  FACTORY_KIND,
  kindName,
  OBJECT_KIND,
  publicMethods,
  servedCodec,
} from "./_served.ts";
import { BUILTIN_FACTORIES } from "./_sync_objects.ts";
import {
  checkAuthKey,
  checkCount,
  checkFrameSize,
  checkHostname,
  checkPort,
} from "./_options.ts";

export { type ConnectOptions, ManagerClient } from "./client.ts";
export type {
  Proxied,
  Remote,
  RemoteBarrier,
  RemoteDict,
  RemoteEvent,
  RemoteList,
  RemoteLock,
  RemoteNamespace,
  RemoteResult,
  RemoteSemaphore,
  RemoteSharedArray,
  RemoteValue,
} from "./remote_types.ts";
export type {
  RemoteJoinableQueue,
  RemoteQueue,
} from "../queue/remote_queue.ts";
export { AuthenticationError } from "../_crossing/auth.ts";
export { ConnectionClosedError, FrameError } from "../errors/connection.ts";
export { TimeoutError } from "../errors/base.ts";

/**
 * Options of {@linkcode Manager}.
 *
 * @example
 * ```ts
 * import type { ManagerOptions } from "@multitask/core/manager";
 *
 * const options: ManagerOptions = { hostname: "0.0.0.0", port: 5000, authkey: "abc" };
 * ```
 */
export interface ManagerOptions {
  /** Interface to listen on. Default `"127.0.0.1"`; `"0.0.0.0"` accepts other machines. */
  hostname?: string;
  /** Port to listen on; 0 picks a free one (see the address `start()` returns). */
  port: number;
  /** Shared secret clients must prove they hold (a string or bytes; never sent). */
  authkey: string | Uint8Array;
  /** Serve over TLS with this PEM certificate chain and private key. */
  tls?: { cert: string; key: string };
  /** Largest message accepted or sent, in bytes. Default 8 MiB. */
  maxFrameSize?: number;
  /** Milliseconds a new connection has to authenticate before it is dropped. Default 5000. */
  handshakeTimeout?: number;
  /**
   * Most connections that may be authenticating at once. Default 64. When
   * one more arrives the oldest of them is dropped, so silent or slow
   * connections cannot crowd out a client that proves its key at once.
   */
  maxPendingConnections?: number;
}

/**
 * Where a started manager listens.
 *
 * @example
 * ```ts
 * import type { ManagerAddress } from "@multitask/core/manager";
 *
 * const where: ManagerAddress = { hostname: "127.0.0.1", port: 5000 };
 * ```
 */
export interface ManagerAddress {
  /** The interface listened on, e.g. "127.0.0.1". */
  hostname: string;
  /** The bound port (the one picked when 0 was asked for). */
  port: number;
}

interface Settings {
  hostname: string;
  port: number;
  authkey: AuthKey;
  tls?: { cert: string; key: string };
  maxFrameSize: number;
  handshakeTimeout: number;
  maxPendingConnections: number;
}

/**
 * Serves registered objects (queues, events, locks, values, a `Map`, your
 * own class's instances...) and factories to other processes over the
 * network [multiprocessing.managers.BaseManager]. The master registers its objects,
 * `start()`s, and keeps using them directly; workers `Manager.connect()` with
 * the same `authkey` and get handles by name.
 *
 * @example The Python tutorial's master and a worker in one program
 * ```ts
 * import { Manager, Queue } from "@multitask/core";
 *
 * const manager = new Manager({ port: 0, authkey: "abc" });
 * manager.register("task_queue", new Queue<number>());
 * manager.register("result_queue", new Queue<string>());
 * const { port } = await manager.start();
 *
 * const client = await Manager.connect({ port, authkey: "abc" });
 * const task = client.queue<number>("task_queue");
 * const result = client.queue<string>("result_queue");
 * await manager.get<Queue<number>>("task_queue").put(3411);
 * const n = await task.get({ timeout: 1000 });
 * await result.put(`${n} * ${n} = ${n * n}`);
 * console.log(await manager.get<Queue<string>>("result_queue").get()); // "3411 * 3411 = 11634921"
 * await client.close();
 * await manager.shutdown();
 * ```
 */
export class Manager implements AsyncDisposable {
  #settings: Settings;
  #named = new NamedObjects();
  // register(name, factory): one instance per client call [BaseManager.register].
  #factories = new Map<string, Factory>();
  #listener?: Deno.Listener;
  #address?: ManagerAddress;
  #accepting?: Promise<void>;
  // Connections still proving their key, oldest first; aborting drops one.
  #handshaking = new Set<AbortController>();
  #sessions = new Set<RemoteSession>();
  #tasks = new Set<Promise<void>>();
  #refused = 0;
  #stopping?: Promise<void>;

  /**
   * Validates the options; nothing listens until `start()`.
   *
   * @example
   * ```ts
   * import { Manager } from "@multitask/core";
   *
   * const manager = new Manager({ port: 5000, authkey: "abc" });
   * ```
   */
  constructor(options: ManagerOptions) {
    this.#settings = checkOptions(options);
  }

  /**
   * Connects to a manager as a worker; see {@linkcode ManagerClient.connect}.
   *
   * @example
   * ```ts
   * import { Manager, type ManagerClient } from "@multitask/core";
   *
   * export async function worker(): Promise<ManagerClient> {
   *   return await Manager.connect({ hostname: "127.0.0.1", port: 5000, authkey: "abc" });
   * }
   * ```
   */
  static connect(options: ConnectOptions): Promise<ManagerClient> {
    return ManagerClient.connect(options);
  }

  /**
   * Makes `object` reachable by `name` from connected clients
   * [BaseManager.register]: a library object (Queue, JoinableQueue, Event,
   * Lock, Semaphore, Barrier, Value, SharedArray), served with its own
   * remote handle, or any other object with methods (a `Map`, an instance of
   * your class), served by its public methods (those not starting with "_").
   * A function or class registers a factory instead: each client's
   * `create(name, ...args)` calls it (with `new` for a class) and gets its
   * own instance.
   *
   * @example
   * ```ts
   * import { Event, Lock, Manager, Queue } from "@multitask/core";
   *
   * class Tally {
   *   total = 0;
   *   add(n: number): number {
   *     return (this.total += n);
   *   }
   * }
   * const manager = new Manager({ port: 0, authkey: "abc" });
   * manager
   *   .register("task_queue", new Queue<number>())
   *   .register("stop", new Event())
   *   .register("lock", new Lock())
   *   .register("settings", new Map<string, string>())
   *   .register("tally", new Tally())
   *   .register("Tally", Tally); // a factory: client.create("Tally")
   * ```
   */
  register(name: string, object: object): this {
    if (typeof name !== "string" || name === "" || name.startsWith("$")) {
      throw new TypeError(
        `Cannot register an object as 'name' must be a non-empty string not starting with "$" (reserved): received ${
          JSON.stringify(name)
        }`,
      );
    }
    if (this.#named.get(name) || this.#factories.has(name)) {
      throw new TypeError(
        `Cannot register '${name}': that name is already registered on this manager. Pick another name.`,
      );
    }
    if (typeof object === "function") {
      this.#factories.set(name, object as Factory);
      return this;
    }
    if (typeof object !== "object" || object === null) {
      throw new TypeError(
        `Cannot register '${name}' as only objects and factories (a function or class) can be served: received ${
          String(object)
        }`,
      );
    }
    this.#named.register(name, object, serving(object, name));
    return this;
  }

  /**
   * The object registered as `name`, for the master's own use.
   *
   * @example
   * ```ts
   * import { Manager, Queue } from "@multitask/core";
   *
   * const manager = new Manager({ port: 0, authkey: "abc" });
   * manager.register("task_queue", new Queue<number>());
   * await manager.get<Queue<number>>("task_queue").put(1);
   * ```
   */
  get<T = unknown>(name: string): T {
    const entry = this.#named.get(name) ??
      (this.#factories.has(name)
        ? { object: this.#factories.get(name) }
        : undefined);
    if (!entry) {
      throw new ReferenceError(
        `No object is registered under the name ${
          JSON.stringify(name)
        } (registered: ${
          this.names().map((n) => `'${n}'`).join(", ") || "none"
        }). Register it first: manager.register(name, object).`,
      );
    }
    return entry.object as T;
  }

  /**
   * Registered names, objects and factories.
   *
   * @example
   * ```ts
   * import { Manager, Queue } from "@multitask/core";
   *
   * const manager = new Manager({ port: 0, authkey: "abc" });
   * manager.register("task_queue", new Queue()).register("Counter", class Counter {});
   * console.log(manager.names()); // [ "task_queue", "Counter" ]
   * ```
   */
  names(): string[] {
    return [...this.#named.names(), ...this.#factories.keys()];
  }

  /** Where the manager listens, once started. */
  get address(): ManagerAddress | undefined {
    return this.#address;
  }

  /** Clients currently connected and authenticated. */
  get connections(): number {
    return this.#sessions.size;
  }

  /** Connections dropped before or during authentication (wrong key, garbage, timeout). */
  get refused(): number {
    return this.#refused;
  }

  /**
   * Starts listening; resolves with the bound address (useful with port 0).
   *
   * @example
   * ```ts
   * import { Manager } from "@multitask/core";
   *
   * await using manager = new Manager({ port: 0, authkey: "abc" });
   * const { hostname, port } = await manager.start();
   * console.log(`serving on ${hostname}:${port}`);
   * ```
   */
  start(): Promise<ManagerAddress> {
    try {
      if (this.#listener || this.#stopping) {
        throw new TypeError(
          "Cannot start the manager as it was already started. Create a new Manager to serve again.",
        );
      }
      const { hostname, port, tls } = this.#settings;
      this.#listener = tls
        ? Deno.listenTls({ hostname, port, cert: tls.cert, key: tls.key })
        : Deno.listen({ hostname, port });
      const addr = this.#listener.addr as Deno.NetAddr;
      this.#address = { hostname: addr.hostname, port: addr.port };
      this.#accepting = this.#acceptLoop(this.#listener);
      return Promise.resolve(this.#address);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Stops listening and closes every connection: calls clients were waiting
   * in are cancelled (a cancelled get() takes no item) and their pending
   * calls reject with ConnectionClosedError. The registered objects stay
   * usable by the master.
   */
  shutdown(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** `await using manager = new Manager(...)` shuts it down at scope exit. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  async #stop(): Promise<void> {
    try {
      this.#listener?.close();
    } catch { /* already closed */ }
    for (const pending of this.#handshaking) pending.abort();
    for (const session of this.#sessions) session.close();
    await this.#accepting;
    await Promise.all(this.#tasks);
  }

  async #acceptLoop(listener: Deno.Listener): Promise<void> {
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (this.#stopping || error instanceof Deno.errors.BadResource) return;
        // A failed accept (e.g. too many open files) must not stop the server.
        await delay(10);
        continue;
      }
      if (this.#stopping) {
        conn.close();
        return;
      }
      const task = this.#serve(conn);
      this.#tasks.add(task);
      task.finally(() => this.#tasks.delete(task));
    }
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    const { authkey, maxFrameSize, handshakeTimeout } = this.#settings;
    try {
      if ("setNoDelay" in conn) {
        (conn as Deno.TcpConn).setNoDelay(true);
        (conn as Deno.TcpConn).setKeepAlive(true);
      }
    } catch { /* the peer is already gone */ }
    const pending = new AbortController();
    if (this.#handshaking.size >= this.#settings.maxPendingConnections) {
      const [oldest] = this.#handshaking;
      this.#handshaking.delete(oldest);
      oldest.abort();
    }
    this.#handshaking.add(pending);
    let session: RemoteSession;
    // This client's exports, so the handler can hand it what create() made.
    const table = new ObjectTable(this.#named);
    try {
      session = await openSession(conn, authkey, {
        side: "server",
        timeout: handshakeTimeout,
        signal: pending.signal,
        maxFrameSize,
        named: this.#named,
        table,
        handler: (method, params) => this.#request(method, params, table),
      });
    } catch {
      // Wrong key, garbage, a TLS or HTTP client, silence, crowded out: drop this one only.
      this.#refused++;
      return;
    } finally {
      this.#handshaking.delete(pending);
    }
    if (this.#stopping) {
      session.close();
      return;
    }
    this.#sessions.add(session);
    await session.closed;
    this.#sessions.delete(session);
  }

  #request(method: string, params: unknown, table: ObjectTable): unknown {
    if (method === CATALOG) return this.#catalog();
    if (method === CREATE) {
      const [typeid, args] = params as [unknown, unknown];
      return this.#create(typeid, Array.isArray(args) ? args : [], table);
    }
    if (method === DROP) {
      const [id] = params as [unknown];
      // Only what this client's create() made: "n:" names are not in the table.
      if (typeof id === "string") table.release(id);
      return null;
    }
    throw new TypeError(`The manager serves no request '${method}'.`);
  }

  #catalog(): CatalogEntry[] {
    const entries: CatalogEntry[] = [];
    for (const name of this.#named.names()) {
      const { codec } = this.#named.get(name)!;
      entries.push(
        codecOf(this.#named.get(name)!.object) === codec
          ? [name, codec.tag]
          : [name, OBJECT_KIND, [...codec.remote!]],
      );
    }
    for (const name of this.#factories.keys()) {
      entries.push([name, FACTORY_KIND]);
    }
    return entries;
  }

  async #create(
    typeid: unknown,
    args: unknown[],
    table: ObjectTable,
  ): Promise<[string, string, string[]?]> {
    const factory = typeof typeid !== "string"
      ? undefined
      : this.#factories.get(typeid) ?? BUILTIN_FACTORIES.get(typeid);
    if (!factory) {
      const known = [...this.#factories.keys()].map((n) => `'${n}'`).join(
        ", ",
      ) || "none";
      throw new ReferenceError(
        `Cannot create a ${
          JSON.stringify(typeid)
        }: no factory is registered under that name (factories: ${known}). Register one on the master: manager.register(name, ClassOrFunction).`,
      );
    }
    const instance =
      await (isClass(factory)
        ? Reflect.construct(factory, args)
        : factory(...args as never[]));
    if (typeof instance !== "object" || instance === null) {
      throw new TypeError(
        `Cannot create a '${typeid}' as its factory returned ${
          String(instance)
        }, not an object: a factory must return the object to serve.`,
      );
    }
    const codec = serving(instance, String(typeid));
    const id = table.export(instance, codec);
    return codecOf(instance) === codec
      ? [id, codec.tag]
      : [id, OBJECT_KIND, [...codec.remote!]];
  }
}

// deno-lint-ignore no-explicit-any
type Factory = (...args: any[]) => unknown;

function isClass(fn: Factory): boolean {
  return /^class\b/.test(Function.prototype.toString.call(fn));
}

// How `object` is served: its library codec, or its public methods.
function serving(object: object, name: string): TransferCodec {
  const codec = codecOf(object);
  if (codec?.remote) return codec;
  if (codec) {
    throw new TypeError(
      `Cannot serve '${name}': ${
        codec.notRemote ??
          `a ${codec.tag} lives in shared memory, which only threads of one process can see`
      }. Serve a type that crosses processes (Queue, Event, Lock, Semaphore, Barrier, Value...).`,
    );
  }
  const methods = publicMethods(object);
  if (methods.length === 0) {
    throw new TypeError(
      `Cannot serve '${name}': this ${
        kindName(object)
      } has no public methods for clients to call (a plain data object has none). Serve a Map, an instance of a class with methods, or a library object (Queue, Event, Lock, Value...).`,
    );
  }
  return servedCodec(object, methods);
}

function checkOptions(options: ManagerOptions): Settings {
  const who = "create manager";
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `Cannot ${who} as its options must be an object { hostname?, port, authkey }: received ${
        String(options)
      }`,
    );
  }
  const { tls } = options;
  if (
    tls !== undefined &&
    (typeof tls !== "object" || tls === null || typeof tls.cert !== "string" ||
      typeof tls.key !== "string")
  ) {
    throw new TypeError(
      `Cannot ${who} as 'tls' must be { cert, key } with PEM strings (e.g. from Deno.readTextFile): received ${
        String(tls)
      }`,
    );
  }
  return {
    hostname: checkHostname(options.hostname, who),
    port: checkPort(options.port, who, true),
    // As bytes once, so every handshake uses the one imported key.
    authkey: toBytes(checkAuthKey(options.authkey, who)),
    tls,
    maxFrameSize: checkFrameSize(options.maxFrameSize, who) ??
      DEFAULT_MAX_FRAME_SIZE,
    handshakeTimeout:
      checkLimit(options.handshakeTimeout, "handshakeTimeout", who, false) ??
        5_000,
    maxPendingConnections: checkCount(
      options.maxPendingConnections,
      "maxPendingConnections",
      who,
    ) ?? 64,
  };
}

// A copy: the manager's key does not change if the caller's bytes do.
function toBytes(key: AuthKey): Uint8Array {
  return typeof key === "string"
    ? new TextEncoder().encode(key)
    : new Uint8Array(key);
}
