// Library objects across processes: the owner keeps each object passed to a
// peer in an ObjectTable (the ObjectExporter of lib/_transfer.ts) and serves
// the peer's method calls on it; the peer holds proxies whose methods are
// RPC calls (the ObjectImporter). A RemoteSession binds both to one RpcPeer,
// in both directions, so a child can receive its parent's Queue and the
// parent can receive an object the child created. The table is per
// connection and is emptied when the connection closes, so objects a dead
// peer held are not kept forever. The Manager also resolves well-known names
// (register(name, object)) through a shared NamedObjects map.
//
// Wire methods used (reserved; user handlers never see them):
//   "$obj"     request [id, method, args]  → result of the method
//   "$release" notify  [id]                → the peer dropped its last proxy

import {
  callExported,
  codecOf,
  decodeValue,
  encodeValue,
  loadCodecs,
  type ObjectExporter,
  type ObjectImporter,
  type RemoteCall,
  type TransferCodec,
} from "./codec.ts";
import {
  type CallOptions,
  lend,
  LentReply,
  type RequestHandler,
  type RpcOptions,
  RpcPeer,
} from "./rpc.ts";
import type { FramedConn } from "./frames.ts";
import { checkSendable, type Payload } from "./payload.ts";

interface Entry {
  object: object;
  codec: TransferCodec;
  /** Markers sent to the peer and not yet released by it. */
  sent?: number;
}

/** Objects reachable by a well-known name from every connection (the Manager's registry). */
export class NamedObjects {
  #byName = new Map<string, Entry>();

  /** Makes `object` reachable as `name`; its type must have a codec with `remote` methods. */
  register(
    name: string,
    object: object,
    codec: TransferCodec | undefined = codecOf(object),
  ): void {
    if (!codec?.remote) {
      throw new TypeError(
        `Cannot register '${name}': only library objects that cross processes (Queue, Event, Lock, Value...) can be served.`,
      );
    }
    this.#byName.set(name, { object, codec });
  }

  /** The entry for `name`, if registered. */
  get(name: string): Entry | undefined {
    return this.#byName.get(name);
  }

  /** Registered names. */
  names(): string[] {
    return [...this.#byName.keys()];
  }
}

/** Owner side: objects exported to one peer, reachable by id while it is connected. */
export class ObjectTable implements ObjectExporter {
  #byId = new Map<string, Entry>();
  #ids = new WeakMap<object, string>();
  #next = 1;
  #named?: NamedObjects;

  constructor(named?: NamedObjects) {
    this.#named = named;
  }

  /** Exports `object` (the same object always gets the same id). */
  export(object: object, codec: TransferCodec): string {
    let id = this.#ids.get(object);
    let entry = id === undefined ? undefined : this.#byId.get(id);
    if (!entry) {
      id = `o${this.#next++}`;
      entry = { object, codec, sent: 0 };
      this.#ids.set(object, id);
      this.#byId.set(id, entry);
    }
    entry.sent!++;
    return id!;
  }

  /** Finds an exported object, or a named one (ids of the form "n:<name>"). */
  lookup(id: string): Entry | undefined {
    if (id.startsWith("n:")) return this.#named?.get(id.slice(2));
    return this.#byId.get(id);
  }

  /**
   * The peer dropped the proxies built from `count` markers of `id`; the
   * entry goes once every marker sent was released (a marker still in
   * flight keeps it).
   */
  release(id: string, count: number = Infinity): void {
    const entry = this.#byId.get(id);
    if (!entry) return;
    entry.sent = (entry.sent ?? 0) - count;
    if (entry.sent > 0) return;
    this.#byId.delete(id);
    this.#ids.delete(entry.object);
  }

  /** Number of objects exported to this peer. */
  get size(): number {
    return this.#byId.size;
  }

  /** Forgets everything (the peer is gone). */
  clear(): void {
    this.#byId.clear();
    this.#ids = new WeakMap();
  }
}

/**
 * Encodes `params` for a peer (library objects become markers, exported in
 * `exporter`) and checks that they can cross (see checkSendable): returns
 * what to hand to `call` in their place, which encodes nothing twice. Throws
 * a TypeError worded by `refusal(reason)` when they cannot be sent.
 */
export function prepareParams(
  params: unknown,
  exporter: ObjectExporter,
  refusal: (reason: string) => string,
): unknown {
  const encoded = encodeValue(params, exporter);
  return checkSendable(encoded, refusal) ?? encoded;
}

/** Options of a session. */
export interface SessionOptions extends RpcOptions {
  /** Names every peer may reach (Manager). */
  named?: NamedObjects;
  /** The table objects are exported in, when some were exported before the session opened (prepareParams). */
  table?: ObjectTable;
  /** Requests whose params reach the handler still encoded (it decodes them with `importer`). */
  rawMethods?: readonly string[];
}

/**
 * One connection carrying RPC plus library objects in both directions.
 * `call` encodes its params for the peer (exporting library objects) and
 * decodes the answer (proxies for the peer's objects); the handler receives
 * decoded params and its result is encoded the same way.
 */
export class RemoteSession {
  readonly peer: RpcPeer;
  readonly table: ObjectTable;
  readonly importer: ObjectImporter;
  #handler?: RequestHandler;
  #raw: ReadonlySet<string>;
  #imported = new Map<
    string,
    { call: WeakRef<RemoteCall>; holder: { id: string; count: number } }
  >();
  #released = new FinalizationRegistry<{ id: string; count: number }>((
    holder,
  ) => this.#onCollected(holder));

  constructor(conn: Deno.Conn | FramedConn, options: SessionOptions = {}) {
    this.table = options.table ?? new ObjectTable(options.named);
    this.#handler = options.handler;
    this.#raw = new Set(options.rawMethods);
    this.importer = { remote: (id, codec) => this.#remote(id, codec) };
    this.peer = new RpcPeer(conn, {
      ...options,
      handler: (method, params, signal) => this.#serve(method, params, signal),
      onNotify: (method, params) => {
        if (method !== "$release") return options.onNotify?.(method, params);
        const [id, count] = params as [string, number];
        if (typeof id === "string" && typeof count === "number") {
          this.table.release(id, count);
        }
      },
    });
    this.peer.closed.then(() => this.table.clear());
  }

  /** Resolves when the connection is closed, with the reason if it failed. */
  get closed(): Promise<Error | undefined> {
    return this.peer.closed;
  }

  /**
   * Calls `method` on the peer with library objects in `params` passed as
   * live handles; `params` may come from `prepare` (nothing is encoded twice).
   */
  async call(
    method: string,
    params: unknown,
    options?: CallOptions,
  ): Promise<unknown> {
    const result = await this.peer.call(
      method,
      encodeValue(params, this.table),
      options,
    );
    return await this.decode(result);
  }

  /** prepareParams with this session's table. */
  prepare(params: unknown, refusal: (reason: string) => string): unknown {
    return prepareParams(params, this.table, refusal);
  }

  /** Revives handles in a value from the peer, loading their codecs' modules first. */
  async decode(value: unknown): Promise<unknown> {
    if (value !== null && typeof value === "object") await loadCodecs(value);
    return decodeValue(value, this.importer);
  }

  /** A stand-in call for an object the peer owns (a named one: `"n:" + name`). */
  remote(id: string): RemoteCall {
    const call: RemoteCall = (method, args, options) =>
      this.call("$obj", [id, method, args], { signal: options?.signal });
    call.prepare = (args, refusal) =>
      this.prepare(args, refusal) as unknown[] | Payload;
    return call;
  }

  /** Closes the connection; proxies of the peer's objects reject from now on. */
  close(reason?: unknown): void {
    this.peer.close(reason);
  }

  // One call function per live id; proxies hold it. When every proxy built
  // on it is collected, the owner is told how many markers it covered.
  #remote(id: string, _codec: TransferCodec): RemoteCall {
    const live = this.#imported.get(id);
    const known = live?.call.deref();
    if (live && known) {
      live.holder.count++;
      return known;
    }
    const call = this.remote(id);
    const holder = { id, count: 1 };
    this.#imported.set(id, { call: new WeakRef(call), holder });
    this.#released.register(call, holder);
    return call;
  }

  #onCollected(holder: { id: string; count: number }): void {
    const live = this.#imported.get(holder.id);
    if (live?.holder === holder) this.#imported.delete(holder.id);
    if (this.peer.isClosed) return;
    try {
      this.peer.notify("$release", [holder.id, holder.count]);
    } catch {
      // Closing: the owner forgets everything anyway.
    }
  }

  #serve(method: string, params: unknown, signal: AbortSignal): unknown {
    if (method === "$obj") return this.#serveObject(params, signal);
    const handler = this.#handler;
    if (!handler) {
      throw new Error(`This side serves no requests ('${method}').`);
    }
    if (this.#raw.has(method)) {
      return this.#answer(handler(method, params, signal));
    }
    return this.decode(params).then((decoded) =>
      this.#answer(handler(method, decoded, signal))
    );
  }

  #answer(result: unknown): unknown {
    return result instanceof Promise
      ? result.then((value) => this.#encode(value))
      : this.#encode(result);
  }

  // A lent answer (see lend in rpc.ts) stays lent once encoded.
  #encode(result: unknown): unknown {
    return result instanceof LentReply
      ? lend(encodeValue(result.value, this.table), result.onLost)
      : encodeValue(result, this.table);
  }

  async #serveObject(params: unknown, signal: AbortSignal): Promise<unknown> {
    const [id, method, args] = params as [string, string, unknown[]];
    const entry = typeof id === "string" ? this.table.lookup(id) : undefined;
    if (!entry) {
      throw new ReferenceError(
        id?.startsWith("n:")
          ? `No object is registered under the name '${id.slice(2)}'.`
          : `The object '${id}' is no longer exported by this process.`,
      );
    }
    const decoded = await this.decode(Array.isArray(args) ? args : []);
    const result = await callExported(
      entry.object,
      entry.codec,
      method,
      decoded as unknown[],
      signal,
    );
    return this.#encode(result);
  }
}
