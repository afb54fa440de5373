// Framed messages and request/response RPC over any Deno.Conn (Unix socket,
// TCP, TLS). Used by the Process control channel and by the network Manager.
//
// Frame: u32 big-endian payload length, then the payload. Payload: one tag
// byte, then either JSON text ("J") or node:v8 serialize output ("V"). Both
// decode without eval. node:v8 in Deno costs ~12 µs per call even for tiny
// values, which would cap a process pool far below its bar, so values whose
// JSON round trip is exact (plain data: no undefined, NaN, -0, Map, Date,
// shared references...) take the JSON path and everything else keeps full
// structured-clone semantics through v8.
//
// Writes are batched: every frame produced while the previous write is in
// flight, or in the same tick, goes out in one write call.
//
// RPC messages (arrays, to keep them small):
//   [0, id, method, params]   request
//   [1, id, value]            response, ok
//   [2, id, SerializedError]  response, error
//   [3, method, params]       notification (no response)
//   [4, id]                   cancel a request (the handler's signal aborts)

import { deserialize, serialize } from "node:v8";
import {
  deserializeError,
  type SerializedError,
  serializeError,
} from "./errors.ts";

/** Default largest frame accepted or sent: 8 MiB. */
export const DEFAULT_MAX_FRAME_SIZE: number = 8 * 1024 * 1024;

/**
 * A peer broke the framing rules (oversized length, undecodable payload), or
 * a message to send is over the maximum frame size.
 *
 * @example
 * ```ts
 * import { FrameError } from "@multitask/core";
 *
 * const error: Error = new FrameError("over the limit");
 * console.log(error instanceof FrameError, error.name); // true "FrameError"
 * ```
 */
export class FrameError extends Error {
  /** Always "FrameError". */
  override name = "FrameError";
}

/**
 * The connection closed while a call was waiting for its answer.
 *
 * @example
 * ```ts
 * import { ConnectionClosedError } from "@multitask/core";
 *
 * export function masterIsGone(error: unknown): boolean {
 *   return error instanceof ConnectionClosedError;
 * }
 * ```
 */
export class ConnectionClosedError extends Error {
  /** Always "ConnectionClosedError". */
  override name = "ConnectionClosedError";
}

/** A call did not get its answer within its timeout. */
export class TimeoutError extends Error {
  override name = "TimeoutError";
}

const TAG_JSON = 0x4a; // "J"
const TAG_V8 = 0x56; // "V"
const encoder = new TextEncoder();
const INITIAL_OUT = 64 * 1024;
const MAX_KEPT_OUT = 1024 * 1024;
const decoder = new TextDecoder("utf-8", { fatal: true });

// True when JSON.parse(JSON.stringify(value)) rebuilds an equal value with
// the same structure, i.e. JSON is an exact stand-in for structured clone.
function jsonExact(value: unknown, seen: Set<object>, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object":
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth > 64 || seen.has(value)) return false;
  seen.add(value);
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    for (let i = 0; i < value.length; i++) {
      if (!jsonExact(value[i], seen, depth + 1)) return false;
    }
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype) return false;
  for (const key in value) {
    if (key === "__proto__" || key === "toJSON") return false;
    if (!jsonExact((value as Record<string, unknown>)[key], seen, depth + 1)) {
      return false;
    }
  }
  return true;
}

/**
 * Serializes one value to a payload (tag byte + body). Throws a DataCloneError
 * for values structured clone refuses (functions, symbols...).
 */
export function encodePayload(value: unknown): Uint8Array {
  if (jsonExact(value, new Set(), 0)) {
    const body = encoder.encode(JSON.stringify(value));
    const out = new Uint8Array(body.length + 1);
    out[0] = TAG_JSON;
    out.set(body, 1);
    return out;
  }
  let body: Uint8Array;
  try {
    body = serialize(value);
  } catch (error) {
    throw new DOMException(
      `${
        (error as Error).message
      } Only structured-cloneable values (plain data, Map, Set, Date, typed arrays, Error... and the library's own objects) can be sent to another process.`,
      "DataCloneError",
    );
  }
  const out = new Uint8Array(body.length + 1);
  out[0] = TAG_V8;
  out.set(body, 1);
  return out;
}

/** Undoes encodePayload; throws FrameError on anything malformed. */
export function decodePayload(payload: Uint8Array): unknown {
  try {
    if (payload[0] === TAG_JSON) {
      return JSON.parse(decoder.decode(payload.subarray(1)));
    }
    if (payload[0] === TAG_V8) return deserialize(payload.subarray(1));
  } catch (error) {
    throw new FrameError(
      `Received a malformed message: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  throw new FrameError(
    `Received a message with unknown type byte ${
      payload[0] ?? "(empty)"
    }; the peer does not speak this protocol.`,
  );
}

/** Options of a framed connection. */
export interface FrameOptions {
  /** Largest frame accepted or sent, in bytes (default 8 MiB). */
  maxFrameSize?: number;
}

/**
 * A Deno.Conn carrying length-prefixed frames, with batched writes and a
 * buffered reader that the handshake and then the RPC loop share.
 */
export class FramedConn {
  readonly conn: Deno.Conn;
  readonly maxFrameSize: number;
  #buf = new Uint8Array(64 * 1024);
  #start = 0;
  #end = 0;
  // Frames are encoded straight into #out; while it is being written the
  // next frames go to the other buffer (one write is in flight at a time).
  #out = new Uint8Array(INITIAL_OUT);
  #spare = new Uint8Array(INITIAL_OUT);
  #outLength = 0;
  #flushing: Promise<void> | null = null;
  #scheduled = false;
  #closed = false;
  #writeError: Error | null = null;

  constructor(conn: Deno.Conn, options: FrameOptions = {}) {
    const max = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    if (!Number.isInteger(max) || max < 64 || max > 0xffffffff) {
      throw new RangeError(
        `Cannot open a connection as 'maxFrameSize' must be an integer between 64 and 4294967295 bytes: received ${max}`,
      );
    }
    this.conn = conn;
    this.maxFrameSize = max;
  }

  /** True once close() ran or the connection failed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Queues one raw payload; it is written with the others of this tick. */
  sendPayload(payload: Uint8Array): void {
    this.#checkOpen();
    this.#checkSize(payload.length);
    const at = this.#reserveOut(4 + payload.length);
    this.#out.set(payload, at + 4);
    this.#commit(at, payload.length);
  }

  /** Serializes and queues one value (throws DataCloneError / FrameError). */
  send(value: unknown): void {
    this.#checkOpen();
    if (!jsonExact(value, new Set(), 0)) {
      return this.sendPayload(encodePayload(value));
    }
    const text = JSON.stringify(value);
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const at = this.#reserveOut(5 + text.length * 3);
    this.#out[at + 4] = TAG_JSON;
    const { written } = encoder.encodeInto(text, this.#out.subarray(at + 5));
    this.#checkSize(written + 1);
    this.#commit(at, written + 1);
  }

  #checkOpen(): void {
    if (this.#closed) {
      throw new ConnectionClosedError("Cannot send: the connection is closed.");
    }
  }

  #checkSize(length: number): void {
    if (length > this.maxFrameSize) {
      throw new FrameError(
        `Cannot send a message of ${length} bytes: the maximum frame size is ${this.maxFrameSize} bytes. Send smaller items or raise 'maxFrameSize' on both sides.`,
      );
    }
  }

  // Room for `need` more bytes at the end of #out; returns where they start.
  #reserveOut(need: number): number {
    const at = this.#outLength;
    if (this.#out.length - at < need) {
      const grown = new Uint8Array(Math.max(at + need, this.#out.length * 2));
      grown.set(this.#out.subarray(0, at));
      this.#out = grown;
    }
    return at;
  }

  #commit(at: number, length: number): void {
    const out = this.#out;
    out[at] = length >>> 24;
    out[at + 1] = (length >>> 16) & 0xff;
    out[at + 2] = (length >>> 8) & 0xff;
    out[at + 3] = length & 0xff;
    this.#outLength = at + 4 + length;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled || this.#flushing) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#flushing ??= this.#drain();
    });
  }

  async #drain(): Promise<void> {
    try {
      while (this.#outLength > 0 && !this.#closed) {
        const data = this.#out.subarray(0, this.#outLength);
        // Swap buffers; a buffer grown for one huge frame is not kept.
        this.#out = this.#spare.length > MAX_KEPT_OUT
          ? new Uint8Array(INITIAL_OUT)
          : this.#spare;
        this.#outLength = 0;
        let written = 0;
        while (written < data.length) {
          written += await this.conn.write(data.subarray(written));
        }
        this.#spare = data.buffer.byteLength > MAX_KEPT_OUT
          ? new Uint8Array(INITIAL_OUT)
          : new Uint8Array(data.buffer);
      }
    } catch (error) {
      this.#writeError = error as Error;
      this.close();
    } finally {
      this.#flushing = null;
    }
  }

  /** Resolves when everything queued so far has been written. */
  async flush(): Promise<void> {
    while (this.#flushing || this.#scheduled) {
      if (this.#flushing) await this.#flushing;
      else await Promise.resolve();
    }
    if (this.#writeError) throw this.#writeError;
  }

  /**
   * Reads the next whole frame (a view valid until the next read), or null
   * at end of stream. `limit` lowers the size limit (handshakes use it).
   */
  async readFrame(
    limit: number = this.maxFrameSize,
  ): Promise<Uint8Array | null> {
    while (true) {
      const frame = this.#takeFrame(limit);
      if (frame) return frame;
      if (!(await this.#fill())) {
        if (this.#end > this.#start) {
          throw new FrameError(
            "The connection closed in the middle of a message.",
          );
        }
        return null;
      }
    }
  }

  /**
   * Reads frames until end of stream, handing each to `onFrame`
   * synchronously; every frame already received is dispatched before the
   * next read, so a burst of requests is served in one turn.
   */
  async readLoop(onFrame: (payload: Uint8Array) => void): Promise<void> {
    while (true) {
      let frame;
      while ((frame = this.#takeFrame(this.maxFrameSize))) onFrame(frame);
      if (!(await this.#fill())) {
        if (this.#end > this.#start) {
          throw new FrameError(
            "The connection closed in the middle of a message.",
          );
        }
        return;
      }
    }
  }

  #takeFrame(limit: number): Uint8Array | null {
    const available = this.#end - this.#start;
    if (available < 4) return null;
    const b = this.#buf, s = this.#start;
    const length = ((b[s] << 24) >>> 0) + (b[s + 1] << 16) + (b[s + 2] << 8) +
      b[s + 3];
    if (length > limit) {
      throw new FrameError(
        `Received a frame announcing ${length} bytes, over the limit of ${limit} bytes; closing this connection (the peer is not speaking this protocol, or 'maxFrameSize' differs between the two sides).`,
      );
    }
    if (available < 4 + length) {
      this.#reserve(4 + length);
      return null;
    }
    this.#start = s + 4 + length;
    return b.subarray(s + 4, s + 4 + length);
  }

  // Makes room for `need` contiguous bytes from #start.
  #reserve(need: number): void {
    if (this.#buf.length - this.#start >= need) return;
    const live = this.#buf.subarray(this.#start, this.#end);
    const target = need > this.#buf.length
      ? new Uint8Array(Math.max(need, this.#buf.length * 2))
      : this.#buf;
    target.set(live, 0);
    this.#buf = target;
    this.#end = live.length;
    this.#start = 0;
  }

  async #fill(): Promise<boolean> {
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#end === this.#buf.length) {
      this.#reserve(this.#end - this.#start + 64 * 1024);
    }
    let n: number | null;
    try {
      n = await this.conn.read(this.#buf.subarray(this.#end));
    } catch (error) {
      if (this.#closed) return false;
      throw error;
    }
    if (n === null) return false;
    this.#end += n;
    return true;
  }

  /** Lets the process exit while this connection is idle. */
  unref(): void {
    try {
      this.conn.unref();
    } catch { /* closed */ }
  }

  /** Keeps the process alive while this connection is open. */
  ref(): void {
    try {
      this.conn.ref();
    } catch { /* closed */ }
  }

  /** Closes the socket (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }
}

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
          new DOMException("The caller cancelled this call.", "AbortError"),
        );
        return;
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
    if (!this.#serving.delete(id)) return; // connection closed meanwhile
    this.#reply(id, ok, ok ? value : serializeError(value));
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
