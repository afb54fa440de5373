// A queue handle's link to the owner's queue in another process (a child's
// handle on its parent's Queue, a manager client's on the master's): puts
// are batched and ordered, other calls wait for the puts made before them,
// and `for await` fetches items in batches.

import {
  DELIVERED,
  deliveredSoFar,
  type RemoteCall,
  trackUndelivered,
} from "../_crossing/codec.ts";
import { isPrimitive, Payload, prepareArgs } from "../_crossing/payload.ts";
import { QueueClosed } from "../errors/queue.ts";

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
  /** Its item's number among this handle's puts. */
  at: number;
}

// What an early-resolved put returns: one promise for all, nothing to allocate.
const RESOLVED: Promise<void> = Promise.resolve();

// Items a handle may hold undelivered before a put waits; bounds the memory
// a fast producer can pile up ahead of the owner.
const WINDOW = 16384;

/**
 * A handle's link to the owner's queue. Puts are batched: while one batch
 * is on its way, the next accumulates, so batches grow with the load and
 * stay in order (one `putMany` in flight at a time). Other calls wait for
 * the puts made before them.
 */
export class RemoteSide {
  readonly #call: RemoteCall;
  // Items waiting to be sent, already encoded; a Payload stands for the args
  // of a one-item putMany (an item only its encoding could vouch for).
  #batch: unknown[] = [];
  // Who waits for the acknowledgement of an item, in put order (items
  // resolved early have none): numbered, so that a batch takes its own.
  #batchWaiters: Waiter[] = [];
  // Items put into #batch so far, and items sent out of it.
  #queued = 0;
  #sent = 0;
  #scheduled = false;
  #sending = false;
  /** Learnt from the first acknowledged batch; 0: unbounded, so puts resolve early. */
  #maxsize: number | undefined;
  #idle: Array<() => void> = [];
  #room: Array<() => void> = [];
  #untrack: (() => void) | undefined;
  #failure: unknown;

  constructor(call: RemoteCall) {
    this.#call = call;
  }

  put(
    item: unknown,
    timeout: number | undefined,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#takeFailure());
    let entry: unknown = item;
    try {
      if (timeout !== undefined || signal) {
        // Exact semantics asked for: its own acknowledged call, after earlier puts.
        const args = prepareArgs(
          this.#call,
          [item, { timeout }],
          uncloneableItem,
        );
        return this.invoke("put", args, signal) as Promise<void>;
      }
      if (!isPrimitive(item)) {
        const args = prepareArgs(this.#call, [[item]], uncloneableItem);
        entry = args instanceof Payload ? args : (args[0] as unknown[])[0];
      }
    } catch (error) {
      return Promise.reject(error);
    }
    this.#batch.push(entry);
    const at = this.#queued++;
    this.#schedule();
    if (this.#maxsize === 0) {
      return this.#batch.length < WINDOW ? RESOLVED : this.#waitRoom();
    }
    return new Promise((resolve, reject) =>
      this.#batchWaiters.push({ resolve, reject, at })
    );
  }

  /**
   * One acknowledged call, issued after every put this process made before
   * it (to any queue) was delivered: a "ready" put with a timeout, or a get,
   * never overtakes earlier early-resolved puts.
   */
  async invoke(
    method: string,
    args: unknown[] | Payload,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const earlier = deliveredSoFar(this.#call.channel);
    if (earlier !== DELIVERED) await earlier;
    if (this.#failure !== undefined) throw this.#takeFailure();
    return await this.#call(method, args, signal ? { signal } : undefined);
  }

  /** A call nobody awaits (close, taskDone), after earlier puts; a failure surfaces at the next call. */
  send(method: string, args: unknown[]): void {
    // Taken before tracking this call, so it does not wait for itself.
    const earlier = deliveredSoFar();
    const done: Promise<void> = earlier
      .then(() => this.#call(method, args))
      .then(() => {}, (error: unknown) => {
        this.#failure ??= error;
      });
    const untrack = trackUndelivered(() => done);
    done.finally(untrack);
  }

  #takeFailure(): unknown {
    const failure = this.#failure;
    this.#failure = undefined;
    return failure;
  }

  // First batch: sent in a microtask, so every put made before the caller
  // next awaits goes in it. Later ones: when the previous is acknowledged.
  #schedule(): void {
    this.#untrack ??= trackUndelivered(() => this.#delivered(), {
      channel: this.#call.channel,
      // A batch waiting for its microtask goes out before any later call.
      sent: () => this.#batch.length === 0 || !this.#sending,
    });
    if (this.#scheduled || this.#sending) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      if (!this.#sending) this.#send();
    });
  }

  // Sends the plain items up to the next Payload in one putMany, or that
  // Payload (one item's putMany args, encoded at put) on its own.
  #send(): void {
    const batch = this.#batch;
    if (batch.length === 0) return this.#becameIdle();
    let n = batch[0] instanceof Payload
      ? 1
      : batch.findIndex((entry) => entry instanceof Payload);
    if (n < 0) n = batch.length;
    const args = batch[0] instanceof Payload
      ? batch[0]
      : [n === batch.length ? batch : batch.slice(0, n)];
    this.#batch = n === batch.length ? [] : batch.slice(n);
    this.#sent += n;
    let taken = 0;
    while (
      taken < this.#batchWaiters.length &&
      this.#batchWaiters[taken].at < this.#sent
    ) taken++;
    const waiters = this.#batchWaiters.splice(0, taken);
    const early = taken < n;
    this.#sending = true;
    for (const wake of this.#room.splice(0)) wake();
    this.#call("putMany", args).then(
      (maxsize) => {
        this.#maxsize = maxsize as number;
        for (const w of waiters) w.resolve();
      },
      (error) => {
        // Early-resolved puts have no one to tell: the next call reports it.
        if (early) this.#failure ??= error;
        for (const w of waiters) w.reject(error);
      },
    ).finally(() => {
      this.#sending = false;
      this.#send();
    });
  }

  #becameIdle(): void {
    this.#untrack?.();
    this.#untrack = undefined;
    for (const wake of this.#idle.splice(0)) wake();
  }

  /** Resolves once every put made so far is acknowledged (or failed). */
  #delivered(): Promise<void> {
    if (!this.#sending && !this.#scheduled && this.#batch.length === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #waitRoom(): Promise<void> {
    return new Promise((resolve) => this.#room.push(resolve));
  }
}

// Items a handle fetches per round trip while iterating.
const ITERATION_BATCH = 256;

/**
 * `for await` on a handle in another process: items come in batches (see
 * getMany), and those fetched but not consumed when the loop stops early go
 * back to the front of the queue.
 */
export async function* remoteItems(
  remote: RemoteSide,
): AsyncGenerator<unknown> {
  let batch: unknown[] = [];
  let next = 0;
  try {
    for (;;) {
      if (next === batch.length) {
        try {
          batch = await remote.invoke("getMany", [
            ITERATION_BATCH,
          ]) as unknown[];
        } catch (error) {
          if (error instanceof QueueClosed) return;
          throw error;
        }
        next = 0;
      }
      yield batch[next++];
    }
  } finally {
    if (next < batch.length) remote.send("unget", [batch.slice(next)]);
  }
}

function uncloneableItem(reason: string): string {
  return `Cannot put the item into the queue as it cannot be cloned (${reason}). Send plain data (objects, arrays, Map, Date, typed arrays...), not functions or symbols. Nothing was queued.`;
}
