// The one registry of how each library type travels. A Lock, Queue, Value...
// passed to a thread arrives as a live handle over the same SharedArrayBuffer
// ("share"/"revive"); passed to another process or over the network it stays
// with its owner and the other side gets a stand-in whose methods call the
// owner ("remote"/"proxy"). Threads, processes, pools and the manager all
// call encodeValue/decodeValue; none of them switch on library types.

import type { Payload } from "./payload.ts";

/**
 * Calls a method on the owner's object from another process. `args` may be
 * what `prepare` returned for them (a Payload: encoded once, not again).
 */
export type RemoteCall =
  & ((
    method: string,
    args: unknown[] | Payload,
    options?: { signal?: AbortSignal },
  ) => Promise<unknown>)
  & {
    /**
     * Checks that `args` can cross and encodes them for this channel (see
     * prepareParams in session.ts); throws a TypeError worded by `refusal`.
     */
    prepare?: (
      args: unknown[],
      refusal: (reason: string) => string,
    ) => unknown[] | Payload;
    /**
     * Set when the calls of every RemoteCall sharing this value travel one
     * connection and take effect at the owner in the order they were made (the
     * Manager's client). A call then need not wait for earlier work on the
     * same channel to be acknowledged, only to be sent (see deliveredSoFar).
     */
    channel?: object;
  };

/** How one library type crosses isolates. */
export interface TransferCodec<T extends object = object, S = unknown> {
  /** Unique, stable name put on the wire, e.g. "Lock". */
  tag: string;
  /** Instances of this class are encoded by this codec. */
  type: abstract new (...args: never[]) => T;
  /** Cloneable state (SharedArrayBuffers...) for another thread of this process. */
  share(object: T): S;
  /** Rebuilds the object over the same shared state. */
  revive(state: S): T;
  /** Methods another process may call on the owner's object. Absent: threads only. */
  remote?: readonly string[];
  /** Why this type cannot go to another process, when it has no `remote` methods (default: it lives in shared memory). */
  notRemote?: string;
  /** Builds the stand-in used by another process; defaults to one async method per `remote` name. */
  proxy?(call: RemoteCall): T;
  /**
   * Owner-side dispatcher for a remote call (after the `remote` allow-list
   * check), for methods that should stop waiting when the caller cancels or
   * its connection closes (`signal` aborts then). Default: call the method.
   */
  serve?(
    object: T,
    method: string,
    args: unknown[],
    signal?: AbortSignal,
  ): unknown;
  /**
   * URL of the module that registers this codec, so a receiving isolate that
   * has not loaded it yet can (see loadCodecs). Defaults to the module that
   * called registerCodec.
   */
  module?: string;
}

/** Owner side of the remote route: keeps objects reachable by id while peers use them. */
export interface ObjectExporter {
  export(object: object, codec: TransferCodec): string;
}

/** Peer side of the remote route: how to call an object the owner exported. */
export interface ObjectImporter {
  remote(id: string, codec: TransferCodec): RemoteCall;
}

/** Where an encoded value is going. */
export type Route = "thread" | ObjectExporter;

const MARK = "__multitask_handle__";

interface Marked {
  [MARK]: string;
  state?: unknown;
  id?: string;
  module?: string;
}

const byTag = new Map<string, TransferCodec>();
const codecs: TransferCodec[] = [];
const byType = new Map<unknown, TransferCodec>();

/** Registers how a library type travels; call once at module load. */
export function registerCodec<T extends object, S>(
  codec: TransferCodec<T, S>,
): void {
  if (byTag.has(codec.tag)) return;
  codec.module ??= callerModule();
  byTag.set(codec.tag, codec as unknown as TransferCodec);
  codecs.push(codec as unknown as TransferCodec);
  if (!byType.has(codec.type)) {
    byType.set(codec.type, codec as unknown as TransferCodec);
  }
}

// The module whose top-level code called registerCodec: the first stack
// frame outside this file.
function callerModule(): string | undefined {
  const here = import.meta.url;
  for (const line of (new Error().stack ?? "").split("\n").slice(1)) {
    const url = /((?:file|https?|jsr|npm):[^\s()]+?):\d+:\d+\)?\s*$/.exec(line)
      ?.[1];
    if (url && url !== here) return url;
  }
  return undefined;
}

/**
 * Imports the modules that define the codecs of any handle inside an encoded
 * value this isolate has not registered yet, so decodeValue can revive them
 * even when the target's own code never imported, say, lib/sync/lock.ts.
 */
export async function loadCodecs(value: unknown): Promise<void> {
  const missing = new Set<string>();
  collectModules(value, missing);
  for (const module of missing) await import(module);
}

function collectModules(value: unknown, out: Set<string>): void {
  if (value === null || typeof value !== "object") return;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return;
  if (MARK in value) {
    const marked = value as Marked;
    if (!byTag.has(marked[MARK]) && marked.module) out.add(marked.module);
    // A handle's state may carry handles too (a Barrier's action arguments).
    collectModules(marked.state, out);
    return;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) {
      collectModules(k, out);
      collectModules(v, out);
    }
    return;
  }
  const items = Array.isArray(value) || value instanceof Set
    ? value
    : Object.getPrototypeOf(value) === Object.prototype ||
        Object.getPrototypeOf(value) === null
    ? Object.values(value)
    : [];
  for (const item of items) collectModules(item, out);
}

/** Looks a codec up by tag (the manager uses it to build typed proxies). */
export function codecFor(tag: string): TransferCodec | undefined {
  return byTag.get(tag);
}

/** The codec for an object, if it is one of the library's shareable types. */
export function codecOf(value: object): TransferCodec | undefined {
  // The nearest registered class wins, so a subclass with its own codec
  // (PriorityQueue) is not taken for its base (JoinableQueue), whichever
  // module loaded first.
  for (
    let proto = Object.getPrototypeOf(value);
    proto !== null;
    proto = Object.getPrototypeOf(proto)
  ) {
    const codec = byType.get(proto.constructor);
    if (codec) return codec;
  }
  for (const codec of codecs) if (value instanceof codec.type) return codec;
  return undefined;
}

/** Options of encodeValue. */
export interface EncodeOptions {
  /**
   * Also encode instances of user classes (declared with `class`) as their
   * class name plus own data fields, so the receiver can rebuild them with
   * their prototype (see DecodeOptions.classes) instead of structured clone
   * turning them into plain objects. Their `#private` fields do not travel.
   */
  instances?: boolean;
}

/** Options of decodeValue. */
export interface DecodeOptions {
  /**
   * Where encoded class instances find their class: the namespace of the
   * module the target comes from (its exports, looked up by class name).
   */
  classes?: Record<string, unknown>;
  /** Named in the error when a class is missing from `classes`. */
  module?: string;
}

const INSTANCE = "__multitask_instance__";

interface MarkedInstance {
  [INSTANCE]: string;
  fields: Record<string, unknown>;
}

/**
 * Replaces library objects anywhere inside arrays, plain objects, Maps and
 * Sets by markers. Returns the input itself when it holds none, so the common
 * case (numbers, strings, plain data) costs one walk and no copy.
 */
export function encodeValue(
  value: unknown,
  route: Route,
  options?: EncodeOptions,
): unknown {
  if (value === null || typeof value !== "object") return value;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
  if (codecs.length === 0 && !options?.instances) return value;
  const codec = codecOf(value);
  if (codec) return mark(value, codec, route);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = encodeValue(value[i], route, options);
      if (item !== value[i]) (out ??= value.slice())[i] = item;
    }
    return out ?? value;
  }
  if (value instanceof Map) {
    let changed = false;
    const entries = [...value].map(([k, v]) => {
      const ek = encodeValue(k, route, options);
      const ev = encodeValue(v, route, options);
      if (ek !== k || ev !== v) changed = true;
      return [ek, ev] as const;
    });
    return changed ? new Map(entries) : value;
  }
  if (value instanceof Set) {
    let changed = false;
    const items = [...value].map((v) => {
      const ev = encodeValue(v, route, options);
      if (ev !== v) changed = true;
      return ev;
    });
    return changed ? new Set(items) : value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    return options?.instances && isClassInstance(value)
      ? markInstance(value, route, options)
      : value;
  }
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const encoded = encodeValue(item, route, options);
    if (encoded !== item) (out ??= { ...value })[key] = encoded;
  }
  return out ?? value;
}

// Instances of classes written with the `class` keyword; built-ins such as
// Date, Map or Error print as native functions and keep structured clone.
function isClassInstance(value: object): boolean {
  const ctor = (value as { constructor?: unknown }).constructor;
  return typeof ctor === "function" &&
    /^class\b/.test(Function.prototype.toString.call(ctor));
}

function markInstance(
  value: object,
  route: Route,
  options: EncodeOptions,
): MarkedInstance {
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    fields[key] = encodeValue(
      (value as Record<string, unknown>)[key],
      route,
      options,
    );
  }
  return { [INSTANCE]: value.constructor.name, fields };
}

function mark(object: object, codec: TransferCodec, route: Route): Marked {
  if (route === "thread") {
    return {
      [MARK]: codec.tag,
      state: codec.share(object),
      module: codec.module,
    };
  }
  if (!codec.remote) {
    throw new TypeError(
      codec.notRemote ??
        `Cannot pass a ${codec.tag} to another process: it lives in shared memory, which only threads of one process can see. Use a Thread or a thread pool, or a type that crosses processes (Queue, Event, Lock, Value...).`,
    );
  }
  return {
    [MARK]: codec.tag,
    id: route.export(object, codec),
    module: codec.module,
  };
}

/** Undoes encodeValue on the receiving side: markers become live handles. */
export function decodeValue(
  value: unknown,
  importer?: ObjectImporter,
  options?: DecodeOptions,
): unknown {
  if (value === null || typeof value !== "object") return value;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
  if (MARK in value) return unmark(value as Marked, importer);
  if (INSTANCE in value) {
    return unmarkInstance(value as MarkedInstance, importer, options);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      value[i] = decodeValue(value[i], importer, options);
    }
    return value;
  }
  if (value instanceof Map) {
    const entries = [...value].map(([k, v]) =>
      [
        decodeValue(k, importer, options),
        decodeValue(v, importer, options),
      ] as const
    );
    value.clear();
    for (const [k, v] of entries) value.set(k, v);
    return value;
  }
  if (value instanceof Set) {
    const items = [...value].map((v) => decodeValue(v, importer, options));
    value.clear();
    for (const v of items) value.add(v);
    return value;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  for (const key of Object.keys(value)) {
    const record = value as Record<string, unknown>;
    record[key] = decodeValue(record[key], importer, options);
  }
  return value;
}

function unmarkInstance(
  marked: MarkedInstance,
  importer: ObjectImporter | undefined,
  options: DecodeOptions | undefined,
): object {
  const name = marked[INSTANCE];
  const classes = options?.classes ?? {};
  const found = typeof classes[name] === "function"
    ? classes[name]
    : Object.values(classes).find((value) =>
      typeof value === "function" && value.name === name
    );
  if (typeof found !== "function") {
    const where = options?.module ?? "the target's module";
    throw new TypeError(
      `Cannot rebuild the ${name} object passed to the other side: ${where} does not export a class named '${name}'. An instance of a user class travels as its fields and is rebuilt from its class, which the other side finds among the exports of the target's module: export ${name} from ${where} (or re-export it there), or pass plain data.`,
    );
  }
  const object = Object.create((found as { prototype: object }).prototype);
  const fields = decodeValue(marked.fields, importer, options);
  return Object.assign(object, fields);
}

function unmark(marked: Marked, importer?: ObjectImporter): unknown {
  const tag = marked[MARK];
  const codec = byTag.get(tag);
  if (!codec) {
    throw new TypeError(
      `Received a ${tag} handle but this side has not loaded the module that defines it. Import it from "@multitask/core" in the target's module.`,
    );
  }
  if (marked.id === undefined) return codec.revive(marked.state);
  if (!importer) {
    throw new TypeError(
      `Received a remote ${tag} handle with no channel to reach its owner.`,
    );
  }
  const call = importer.remote(marked.id, codec);
  return codec.proxy ? codec.proxy(call) : genericProxy(codec, call);
}

function genericProxy(codec: TransferCodec, call: RemoteCall): object {
  const proxy: Record<string, unknown> = {};
  for (const method of codec.remote ?? []) {
    proxy[method] = (...args: unknown[]) => call(method, args);
  }
  return proxy;
}

/** Owner side: runs a method a peer asked for, refusing names the codec does not list. */
export function callExported(
  object: object,
  codec: TransferCodec,
  method: string,
  args: unknown[],
  signal?: AbortSignal,
): Promise<unknown> {
  if (!codec.remote?.includes(method)) {
    return Promise.reject(
      new TypeError(
        `${codec.tag} has no remotely callable method '${method}'.`,
      ),
    );
  }
  try {
    // A codec's own dispatcher may serve methods the type does not have.
    if (codec.serve) {
      return Promise.resolve(codec.serve(object, method, args, signal));
    }
    const fn = (object as Record<string, unknown>)[method];
    if (typeof fn !== "function") {
      throw new TypeError(`${codec.tag}.${method} is not a function.`);
    }
    return Promise.resolve(
      (fn as (...a: unknown[]) => unknown).apply(object, args),
    );
  } catch (error) {
    return Promise.reject(error);
  }
}

// Work remote handles accepted but have not delivered yet (a Queue handle's
// batched puts, which resolve before the owner has them, like Python's
// multiprocessing.Queue.put). A child process drains it before exiting, the
// way Python joins a queue's feeder thread at exit.
const undelivered = new Map<() => Promise<void>, Channel | undefined>();

/** Where a handle's undelivered work goes, for deliveredSoFar(channel). */
export interface Channel {
  /** The RemoteCall's ordered channel (RemoteCall.channel). */
  channel?: object;
  /** True when everything accepted so far is already sent, or sends before later calls. */
  sent(): boolean;
}

/** Registers a drain function while a handle holds undelivered work; returns the unregister. */
export function trackUndelivered(
  drain: () => Promise<void>,
  via?: Channel,
): () => void {
  undelivered.set(drain, via);
  return () => undelivered.delete(drain);
}

/** Resolves once every handle has delivered (or failed to deliver) what it accepted. */
export async function drainUndelivered(): Promise<void> {
  while (undelivered.size > 0) {
    await Promise.all(
      [...undelivered.keys()].map((drain) => drain().catch(() => {})),
    );
  }
}

/**
 * What deliveredSoFar returns when there is nothing to wait for: a caller
 * that checks for it can send at once, in the same tick (and so in the same
 * write as work sent just before).
 */
export const DELIVERED: Promise<void> = Promise.resolve();

/**
 * Resolves once what every handle had accepted so far is delivered (later
 * work is not waited for). With `channel`, work already sent on that same
 * ordered channel is not waited for: the owner applies it first anyway.
 */
export function deliveredSoFar(channel?: object): Promise<void> {
  if (undelivered.size === 0) return DELIVERED;
  const drains: Array<() => Promise<void>> = [];
  for (const [drain, via] of undelivered) {
    if (channel !== undefined && via?.channel === channel && via.sent()) {
      continue;
    }
    drains.push(drain);
  }
  if (drains.length === 0) return DELIVERED;
  return Promise.all(drains.map((drain) => drain().catch(() => {}))).then(
    () => {},
  );
}
