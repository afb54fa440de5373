// Request/response RPC over a FramedConn, symmetric: both sides may call,
// notify and serve. Used by the Process control channel and the Manager.
//
// RPC messages (arrays, to keep them small; the value comes last, so it may
// be a Payload encoded beforehand, see payload.ts):
//   [0, id, method, params]   request
//   [1, id, value]            response, ok
//   [2, id, SerializedError]  response, error
//   [3, method, params]       notification (no response)
//   [4, id]                   cancel a request (the handler's signal aborts)
//   [5, id, value]            response, ok, lent: the caller confirms receipt
//   [6, id]                   receipt of a lent response: the value is the caller's
//   [7, id]                   a lent response nobody waited for any more: take it back
//
// A lent response (a handler returning lend(value, onLost)) is how a remote
// Queue.get hands an item over without losing it: the owner keeps
// `onLost` until the receipt arrives, and calls it if the caller refuses the
// value or the connection closes first (the caller died with the item in
// flight), so the item goes back to the front of the queue. The caller
// queues the receipt before anything of its own sees the value, so a live
// caller never gets an item twice (a closing caller flushes first: see
// ManagerClient.close and the child's exit).

import {
  deserializeError,
  type SerializedError,
  serializeError,
} from "./errors.ts";
import { ConnectionClosedError, FrameError } from "../errors/connection.ts";
import { AbortError, TimeoutError } from "../errors/base.ts";
// It rebuilds errors, which needs every library error class loaded.
import "../errors/_registry.ts";

export { TimeoutError };
import { FramedConn, type FrameOptions } from "./frames.ts";
import { decodePayload } from "./payload.ts";

/** Serves one request; the signal aborts when the caller cancels or the connection closes. */
export type RequestHandler = (
  method: string,
  params: unknown,
  signal: AbortSignal,
) => unknown;

/** Options of an RPC peer. */
export interface RpcOptions extends FrameOptions {
  /** Serves requests from the other side; absent: every request is refused. */
  handler?: RequestHandler;
  /** Receives notifications from the other side. */
  onNotify?: (method: string, params: unknown) => void;
  /**
   * When true the connection does not keep the process alive while no call
   * is outstanding and no request is being served (daemon channels).
   */
  unrefWhenIdle?: boolean;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborting rejects the call and cancels it on the other side. */
  signal?: AbortSignal;
  /** Milliseconds before the call rejects with TimeoutError (and is cancelled remotely). */
  timeout?: number;
}

/**
 * A handler's answer that stays the owner's until the caller confirms it
 * received it; see {@linkcode lend}.
 */
export class LentReply {
  readonly value: unknown;
  readonly onLost: () => void;

  constructor(value: unknown, onLost: () => void) {
    this.value = value;
    this.onLost = onLost;
  }
}

/**
 * Answers a request with `value`, taken back by `onLost` (called once, at
 * most) unless the caller confirms receipt: called when the caller had
 * stopped waiting, when the answer cannot be sent, or when the connection
 * closes before the receipt arrives.
 */
export function lend(value: unknown, onLost: () => void): LentReply {
  return new LentReply(value, onLost);
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  cleanup?: () => void;
}

/**
 * Symmetric request/response peer over one connection: both sides may call,
 * notify and serve. Requests are pipelined; answers match by id.
 */
export class RpcPeer {
  readonly frames: FramedConn;
  /** Resolves when the connection is closed, with the reason (undefined for a clean close). */
  readonly closed: Promise<Error | undefined>;
  #resolveClosed!: (reason: Error | undefined) => void;
  #nextId = 1;
  #pending = new Map<number, Pending>();
  #serving = new Map<number, AbortController>();
  // Lent answers sent and not yet confirmed: how to take each back.
  #lent = new Map<number, () => void>();
  #handler?: RequestHandler;
  #onNotify?: (method: string, params: unknown) => void;
  #unrefWhenIdle: boolean;
  #busy = 0;
  #closeReason: Error | undefined;
  #isClosed = false;

  constructor(conn: Deno.Conn | FramedConn, options: RpcOptions = {}) {
    this.frames = conn instanceof FramedConn
      ? conn
      : new FramedConn(conn, options);
    this.#handler = options.handler;
    this.#onNotify = options.onNotify;
    this.#unrefWhenIdle = options.unrefWhenIdle ?? false;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    if (this.#unrefWhenIdle) this.frames.unref();
    this.frames.readLoop((payload) => this.#onFrame(payload)).then(
      () => this.close(),
      (error) => this.close(error),
    );
  }

  /** True once the connection is closed. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Number of calls waiting for an answer. */
  get pendingCalls(): number {
    return this.#pending.size;
  }

  /** Calls `method` on the other side and resolves with its answer. */
  call(
    method: string,
    params: unknown,
    options: CallOptions = {},
  ): Promise<unknown> {
    if (this.#isClosed) {
      return Promise.reject(this.#closedError(`Cannot call '${method}'`));
    }
    const { signal, timeout } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.#nextId++;
    try {
      this.frames.send([0, id, method, params]);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#enter();
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    const pending: Pending = { resolve, reject };
    this.#pending.set(id, pending);
    if (signal || timeout !== undefined) {
      this.#watch(id, method, pending, signal, timeout);
    }
    return promise;
  }

  // Cancellation and timeout cost closures; plain calls skip them.
  #watch(
    id: number,
    method: string,
    pending: Pending,
    signal: AbortSignal | undefined,
    timeout: number | undefined,
  ): void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cancel = (reason: unknown) => {
      if (this.#pending.get(id) !== pending) return;
      this.#pending.delete(id);
      pending.cleanup?.();
      this.#leave();
      if (!this.#isClosed) {
        try {
          this.frames.send([4, id]);
        } catch { /* closing */ }
      }
      pending.reject(reason);
    };
    const onAbort = () => cancel(signal!.reason);
    pending.cleanup = () => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    if (timeout !== undefined) {
      timer = setTimeout(
        () =>
          cancel(
            new TimeoutError(`'${method}' got no answer within ${timeout} ms.`),
          ),
        timeout,
      );
    }
  }

  /** Sends a one-way message; throws if it cannot be serialized or the connection is closed. */
  notify(method: string, params: unknown): void {
    this.frames.send([3, method, params]);
  }

  /** Closes the connection: pending calls reject, handlers' signals abort. */
  close(reason?: unknown): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#closeReason = reason === undefined
      ? undefined
      : reason instanceof Error
      ? reason
      : new Error(String(reason));
    this.frames.close();
    const error = this.#closedError("The call");
    for (const pending of this.#pending.values()) {
      pending.cleanup?.();
      this.#leave();
      pending.reject(error);
    }
    this.#pending.clear();
    for (const controller of this.#serving.values()) controller.abort(error);
    this.#serving.clear();
    // No receipt will come: whatever was lent goes back to its owner.
    const lent = [...this.#lent.values()];
    this.#lent.clear();
    for (const takeBack of lent) giveBack(takeBack);
    this.#resolveClosed(this.#closeReason);
  }

  #closedError(what: string): ConnectionClosedError {
    return new ConnectionClosedError(
      `${what} failed: the connection to the other process closed${
        this.#closeReason ? ` (${this.#closeReason.message})` : ""
      }.`,
      { cause: this.#closeReason },
    );
  }

  #enter(): void {
    if (this.#busy++ === 0 && this.#unrefWhenIdle) this.frames.ref();
  }

  #leave(): void {
    if (--this.#busy === 0 && this.#unrefWhenIdle) this.frames.unref();
  }

  #onFrame(payload: Uint8Array): void {
    const message = decodePayload(payload);
    if (!Array.isArray(message) || typeof message[0] !== "number") {
      throw new FrameError("Received a message that is not an RPC message.");
    }
    switch (message[0]) {
      case 0:
        return this.#serve(
          message[1] as number,
          message[2] as string,
          message[3],
        );
      case 1:
        return this.#settle(message[1] as number, true, message[2]);
      case 2:
        return this.#settle(message[1] as number, false, message[2]);
      case 3:
        this.#onNotify?.(message[1] as string, message[2]);
        return;
      case 4:
        this.#serving.get(message[1] as number)?.abort(
          new AbortError("The caller cancelled this call."),
        );
        return;
      case 5:
        return this.#receive(message[1] as number, message[2]);
      case 6:
        this.#lent.delete(message[1] as number);
        return;
      case 7: {
        const takeBack = this.#lent.get(message[1] as number);
        this.#lent.delete(message[1] as number);
        if (takeBack) giveBack(takeBack);
        return;
      }
      default:
        throw new FrameError(
          `Received an RPC message of unknown kind ${message[0]}.`,
        );
    }
  }

  #settle(id: number, ok: boolean, value: unknown): void {
    const pending = this.#pending.get(id);
    if (!pending) return; // cancelled or timed out already
    this.#pending.delete(id);
    pending.cleanup?.();
    this.#leave();
    if (ok) pending.resolve(value);
    else pending.reject(deserializeError(value as SerializedError));
  }

  // A lent answer: its receipt is queued before the caller's code can see
  // it, ahead of anything the caller sends next, and written in this turn
  // of the event loop (trailing: in the same write as the caller's next
  // request, when it makes one at once); refused when nobody waits any more.
  #receive(id: number, value: unknown): void {
    const waited = this.#pending.has(id);
    try {
      this.frames.sendTrailing([waited ? 6 : 7, id]);
    } catch {
      // Closing: the owner takes it back when it sees the connection close,
      // and the call rejects then.
      return;
    }
    if (waited) this.#settle(id, true, value);
  }

  #serve(id: number, method: string, params: unknown): void {
    if (typeof id !== "number" || typeof method !== "string") {
      throw new FrameError("Received a malformed request.");
    }
    if (!this.#handler) {
      this.#reply(
        id,
        false,
        serializeError(
          new Error(`This side serves no requests ('${method}').`),
        ),
      );
      return;
    }
    const controller = new AbortController();
    this.#serving.set(id, controller);
    this.#enter();
    let result: unknown;
    try {
      result = this.#handler(method, params, controller.signal);
    } catch (error) {
      this.#finish(id, false, error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (v) => this.#finish(id, true, v),
        (e) => this.#finish(id, false, e),
      );
    } else {
      this.#finish(id, true, result);
    }
  }

  #finish(id: number, ok: boolean, value: unknown): void {
    this.#leave();
    if (value instanceof LentReply) return this.#lend(id, value);
    if (!this.#serving.delete(id)) return; // connection closed meanwhile
    this.#reply(id, ok, ok ? value : serializeError(value));
  }

  #lend(id: number, reply: LentReply): void {
    // Closed meanwhile, or the caller cancelled: nobody will confirm it.
    const controller = this.#serving.get(id);
    this.#serving.delete(id);
    if (!controller || controller.signal.aborted || this.#isClosed) {
      return giveBack(reply.onLost);
    }
    try {
      this.frames.send([5, id, reply.value]);
    } catch (error) {
      giveBack(reply.onLost);
      if (this.#isClosed || error instanceof ConnectionClosedError) return;
      this.frames.send([2, id, serializeError(error)]);
      return;
    }
    this.#lent.set(id, reply.onLost);
  }

  #reply(id: number, ok: boolean, value: unknown): void {
    if (this.#isClosed) return;
    try {
      this.frames.send(ok ? [1, id, value] : [2, id, value]);
    } catch (error) {
      // The peer went away while we worked on its request: nobody to answer.
      if (this.#isClosed || error instanceof ConnectionClosedError) return;
      // The answer itself could not be sent (not cloneable, too large): say so.
      this.frames.send([2, id, serializeError(error)]);
    }
  }
}

// One failed take-back (the owner's queue has no room left for the item)
// must not stop the others.
function giveBack(takeBack: () => void): void {
  try {
    takeBack();
  } catch { /* the owner could not take it back: nothing else to do here */ }
}
