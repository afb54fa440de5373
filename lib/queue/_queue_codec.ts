// How queues travel (see lib/_crossing/codec.ts). To a thread a Queue goes
// as its shared ring and arrives as a Queue over the same memory; to another
// process it stays with its owner, which serves the handle's calls here, and
// arrives as a RemoteQueue. queue.ts calls registerQueueCodecs once its
// classes exist, handing over access to their rings.

import { registerCodec, type RemoteCall } from "../_crossing/codec.ts";
import { lend } from "../_crossing/rpc.ts";
import { keepAlive } from "../_common/waiting.ts";
import { QueueClosed } from "../errors/queue.ts";
import { AbortWatch, Ring, type RingOrder, type RingState } from "./_ring.ts";
import { RemoteSide } from "./_remote_side.ts";
import { RemoteQueue, remoteQueue } from "./remote_queue.ts";
import type {
  CloseOptions,
  JoinableQueue,
  PutOptions,
  Queue,
} from "./queue.ts";

/** What queue.ts lends the codecs: its classes and their rings. */
export interface QueueAccess {
  Queue: typeof Queue;
  JoinableQueue: typeof JoinableQueue;
  ring(q: Queue): Ring;
  joinable(q: Queue): boolean;
  /** Throws the RangeError of an item over the queue's byte limit. */
  checkFits(q: Queue, bytes: number): void;
  /** Runs `make` (a queue class's constructor) over an existing ring. */
  adopt<Q extends Queue>(ring: Ring, make: () => Q): Q;
}

/** A kind of queue defined outside queue.ts (PriorityQueue...), to register. */
export interface QueueKind<Q extends Queue> {
  tag: string;
  type: abstract new (...args: never[]) => Q;
  /** The module that defines it, for a receiving isolate to import. */
  module: string;
  /** Builds one; runs over the received ring (see QueueAccess.adopt). */
  make(): Q;
  /** Whether its remote handle has taskDone() and join(). */
  joinable: boolean;
  /** Its remotely callable methods, when not the usual ones. */
  remote?: readonly string[];
  /** In which order it hands out items (default FIFO). */
  order?: RingOrder;
}

const orders = new Map<unknown, RingOrder>();

/** The order of a queue class (or of the nearest registered class it extends). */
export function orderOf(type: unknown): RingOrder {
  for (let t = type; typeof t === "function"; t = Object.getPrototypeOf(t)) {
    const order = orders.get(t);
    if (order) return order;
  }
  return "fifo";
}

let registered: QueueAccess | undefined;

/** What a thread receives for a queue. */
interface QueueShare {
  ring: RingState;
  joinable: boolean;
}

// The module a receiving isolate imports to have these codecs: queue.ts,
// which registers them as it loads.
const MODULE = new URL("./queue.ts", import.meta.url).href;

const ANY_QUEUE = [
  "put",
  "putMany",
  "get",
  "getMany",
  "unget",
  "close",
  "setMaxsize",
];
const JOINABLE = [...ANY_QUEUE, "taskDone", "join"];

/** Registers the codecs of Queue, JoinableQueue and their remote handles. */
export function registerQueueCodecs(access: QueueAccess): void {
  registered = access;
  const share = (q: Queue): QueueShare => ({
    ring: access.ring(q).state,
    joinable: access.joinable(q),
  });
  const serve = (
    q: Queue,
    method: string,
    args: unknown[],
    signal?: AbortSignal,
  ) => serveRemote(access, q, method, args, signal);
  const proxy = (joinable: boolean) => (call: RemoteCall) =>
    remoteQueue(new RemoteSide(call), joinable);
  // JoinableQueue first: codecOf() picks the first codec whose type matches.
  registerCodec<JoinableQueue, QueueShare>({
    tag: "JoinableQueue",
    type: access.JoinableQueue,
    module: MODULE,
    share,
    serve,
    revive: (state) =>
      access.adopt(new Ring(state.ring), () => new access.JoinableQueue()),
    remote: JOINABLE,
    proxy: proxy(true) as unknown as (call: RemoteCall) => JoinableQueue,
  });
  registerCodec<Queue, QueueShare>({
    tag: "Queue",
    type: access.Queue,
    module: MODULE,
    share,
    serve,
    revive: (state) =>
      access.adopt(new Ring(state.ring), () => new access.Queue()),
    remote: ANY_QUEUE,
    proxy: proxy(false) as unknown as (call: RemoteCall) => Queue,
  });
  registerCodec<RemoteQueue, never>({
    tag: "RemoteQueue",
    type: RemoteQueue,
    module: MODULE,
    share: () => {
      throw new TypeError(PASS_ON);
    },
    revive: () => {
      throw new TypeError(PASS_ON);
    },
    notRemote: PASS_ON,
  });
}

/**
 * Registers the codec of a queue class defined outside queue.ts: to a
 * thread it goes as its ring like any Queue; another process gets a
 * RemoteQueue (or RemoteJoinableQueue) handle. Call after importing queue.ts.
 */
export function registerQueueKind<Q extends Queue>(kind: QueueKind<Q>): void {
  const access = registered!;
  if (kind.order) orders.set(kind.type, kind.order);
  registerCodec<Q, QueueShare>({
    tag: kind.tag,
    type: kind.type as unknown as new (...args: never[]) => Q,
    module: kind.module,
    share: (q) => ({
      ring: access.ring(q).state,
      joinable: access.joinable(q),
    }),
    serve: (q, method, args, signal) =>
      serveRemote(access, q, method, args, signal),
    revive: (state) => access.adopt(new Ring(state.ring), kind.make),
    remote: kind.remote ?? (kind.joinable ? JOINABLE : ANY_QUEUE),
    proxy: ((call: RemoteCall) =>
      remoteQueue(new RemoteSide(call), kind.joinable)) as unknown as (
        call: RemoteCall,
      ) => Q,
  });
}

const PASS_ON =
  "Cannot pass on a RemoteQueue: it reaches a queue owned by another process. Pass the Queue from the process that created it (or give this process's workers their own Queue).";

// Owner side of a remote call: waiting methods get the call's signal, which
// aborts when the caller cancels or its process dies, so an abandoned get
// takes no item and an abandoned putMany queues no more. What a get takes is
// lent (see lend in lib/_crossing/rpc.ts): it goes back to the front of the
// queue unless the handle confirms it received it, so a taker that dies
// with the answer in flight loses nothing.
function serveRemote(
  access: QueueAccess,
  q: Queue,
  method: string,
  args: unknown[],
  signal?: AbortSignal,
): unknown {
  const opts = (args.at(-1) ?? {}) as Record<string, unknown>;
  switch (method) {
    case "get":
      return q.get({ ...opts, signal }).then((item) =>
        lend(item, () => unget(access, q, [item]))
      );
    case "put":
      return q.put(args[0], { ...(args[1] as PutOptions), signal });
    case "putMany":
      return putMany(access, q, args[0] as unknown[], signal);
    case "getMany":
      return getMany(access, q, args[0] as number, signal).then((items) =>
        lend(items, () => unget(access, q, items))
      );
    case "unget":
      return unget(access, q, args[0] as unknown[]);
    case "close":
      return q.close(args[0] as CloseOptions | undefined);
    case "setMaxsize":
      q.maxsize = args[0] as number;
      return;
    case "taskDone":
      return (q as JoinableQueue).taskDone();
    case "join":
      return (q as JoinableQueue).join({ signal });
  }
  throw new TypeError(`Queue has no remotely callable method '${method}'.`);
}

/** Queues a batch in order; returns the item limit (0: none) so the handle knows whether puts may resolve early. */
async function putMany(
  access: QueueAccess,
  q: Queue,
  items: unknown[],
  signal: AbortSignal | undefined,
): Promise<number> {
  const ring = access.ring(q);
  const prepared = items.map((item) => ring.prepare(item));
  const joinable = access.joinable(q);
  let done = 0;
  using abort = new AbortWatch(signal);
  while (done < prepared.length) {
    signal?.throwIfAborted();
    const seq = ring.getSeq;
    const n = ring.tryPutMany(prepared, done, joinable);
    if (n < 0) {
      throw new QueueClosed(
        `Cannot put into a closed queue: ${
          prepared.length - done
        } item(s) sent by another process were not queued.`,
      );
    }
    done += n;
    if (n === 0) access.checkFits(q, Ring.recordBytes(prepared[done]));
    if (done < prepared.length) {
      await keepAlive(ring.waitAsync("get", seq, Infinity, abort.promise));
    }
  }
  return ring.maxsize;
}

/**
 * For a handle iterating with `for await`: waits for one item, then takes
 * more that are already there, up to `max` — but stops as soon as another
 * getter is waiting, so one consumer never hoards what others wait for.
 */
async function getMany(
  access: QueueAccess,
  q: Queue,
  max: number,
  signal: AbortSignal | undefined,
): Promise<unknown[]> {
  const items = [await q.get({ signal })];
  const ring = access.ring(q);
  const found = { found: false };
  while (items.length < max && ring.getWaiters === 0) {
    const item = ring.tryGet(found);
    if (!found.found) break;
    items.push(item);
  }
  return items;
}

/**
 * Gives back, at the front and in order, items a handle took but did not
 * use, or never received.
 */
function unget(access: QueueAccess, q: Queue, items: unknown[]): void {
  const ring = access.ring(q);
  ring.unget(items.map((item) => ring.prepare(item)));
}
