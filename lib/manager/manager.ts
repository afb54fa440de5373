// The master side of distributed processes [multiprocessing.managers.
// BaseManager]: a TCP (or TLS) server that makes registered library objects
// (queues, events...) reachable by name from other processes and machines.
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
import { NamedObjects, type RemoteSession } from "../_crossing/session.ts";
import { openSession } from "../_crossing/opener.ts";
import { DEFAULT_MAX_FRAME_SIZE } from "../_crossing/frames.ts";
import { checkLimit } from "../_common/waiting.ts";
import { CATALOG, type ConnectOptions, ManagerClient } from "./client.ts";
import {
  checkAuthKey,
  checkCount,
  checkFrameSize,
  checkHostname,
  checkPort,
} from "./_options.ts";

export {
  type ConnectOptions,
  ManagerClient,
  type RemoteEvent,
} from "./client.ts";
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
 * Serves registered queues and events to other processes over the network
 * [multiprocessing.managers.BaseManager]. The master registers its objects,
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
   * Makes `object` (a Queue, JoinableQueue, Event... anything whose type
   * crosses processes) reachable by `name` from connected clients.
   *
   * @example
   * ```ts
   * import { Event, Manager, Queue } from "@multitask/core";
   *
   * const manager = new Manager({ port: 0, authkey: "abc" });
   * manager.register("task_queue", new Queue<number>()).register("stop", new Event());
   * ```
   */
  register(name: string, object: object): this {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(
        `Cannot register an object as 'name' must be a non-empty string: received ${
          JSON.stringify(name)
        }`,
      );
    }
    if (this.#named.get(name)) {
      throw new TypeError(
        `Cannot register '${name}': that name is already registered on this manager. Pick another name.`,
      );
    }
    this.#named.register(name, object);
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
    const entry = this.#named.get(name);
    if (!entry) {
      throw new ReferenceError(
        `No object is registered under the name ${
          JSON.stringify(name)
        } (registered: ${
          this.#named.names().map((n) => `'${n}'`).join(", ") || "none"
        }). Register it first: manager.register(name, object).`,
      );
    }
    return entry.object as T;
  }

  /** Registered names. */
  names(): string[] {
    return this.#named.names();
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
    try {
      session = await openSession(conn, authkey, {
        side: "server",
        timeout: handshakeTimeout,
        signal: pending.signal,
        maxFrameSize,
        named: this.#named,
        handler: (method) => this.#request(method),
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

  #request(method: string): unknown {
    if (method === CATALOG) {
      return this.#named.names().map((
        name,
      ) => [name, this.#named.get(name)!.codec.tag]);
    }
    throw new TypeError(`The manager serves no request '${method}'.`);
  }
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
