// Length-prefixed frames over any Deno.Conn (Unix socket, TCP, TLS): a
// u32 big-endian payload length, then the payload (see payload.ts). Writes
// are batched: every frame produced while the previous write is in flight,
// or in the same tick, goes out in one write call.

import { ConnectionClosedError, FrameError } from "../errors/connection.ts";
import {
  encodeEnvelope,
  encodePayload,
  JSON_TAG,
  jsonTextOf,
  trailingPayload,
} from "./payload.ts";

/** Default largest frame accepted or sent: 8 MiB. */
export const DEFAULT_MAX_FRAME_SIZE: number = 8 * 1024 * 1024;

const encoder = new TextEncoder();
/** Size of the read and write buffers of a connection in use. */
export const BUFFER_SIZE: number = 64 * 1024;
const MAX_KEPT_OUT = 1024 * 1024;
// Microtasks a trailing frame waits for the next message: more than the
// awaits between an RPC answer and the call its caller makes next.
const TRAILING_HOPS = 16;

/** Options of a framed connection. */
export interface FrameOptions {
  /** Largest frame accepted or sent, in bytes (default 8 MiB). */
  maxFrameSize?: number;
  /**
   * Bytes of each buffer to start with, and to grow the read buffer by
   * (default BUFFER_SIZE). A connection that must prove its key first starts
   * small and calls grow() once it did (see openSession).
   */
  bufferSize?: number;
}

/**
 * A Deno.Conn carrying length-prefixed frames, with batched writes and a
 * buffered reader that the handshake and then the RPC loop share.
 */
export class FramedConn {
  readonly conn: Deno.Conn;
  readonly maxFrameSize: number;
  #chunk: number;
  #buf: Uint8Array;
  #start = 0;
  #end = 0;
  // Frames are encoded straight into #out; while it is being written the
  // next frames go to the other buffer (one write is in flight at a time).
  #out: Uint8Array;
  #spare: Uint8Array | undefined;
  #outLength = 0;
  #flushing: Promise<void> | null = null;
  #scheduled = false;
  // Microtasks still to wait before the write starts (see sendTrailing).
  #trailing = 0;
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
    this.#chunk = options.bufferSize ?? BUFFER_SIZE;
    this.#buf = new Uint8Array(this.#chunk);
    this.#out = new Uint8Array(this.#chunk);
  }

  /** Enlarges the buffers for regular traffic (after a handshake on small ones). */
  grow(bufferSize: number = BUFFER_SIZE): void {
    if (bufferSize <= this.#chunk) return;
    this.#chunk = bufferSize;
    this.#reserve(bufferSize);
    if (this.#out.length < bufferSize && this.#outLength === 0) {
      this.#out = new Uint8Array(bufferSize);
    }
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

  /**
   * Encodes and queues one value (throws DataCloneError / FrameError). A
   * message whose spine ends in a Payload (encoded beforehand) is sent as an
   * envelope: the Payload's bytes are not encoded again.
   */
  send(value: unknown): void {
    this.#checkOpen();
    if (trailingPayload(value)) {
      return this.sendPayload(encodeEnvelope(value as unknown[]));
    }
    const text = jsonTextOf(value);
    if (text === undefined) return this.sendPayload(encodePayload(value));
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const at = this.#reserveOut(5 + text.length * 3);
    this.#out[at + 4] = JSON_TAG;
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

  /**
   * Queues one value like send(), but starts the write a few microtasks
   * later, so that what the code it wakes sends at once (the next request)
   * goes out in the same write. It is still written in this turn of the
   * event loop: for a small notice (a receipt) that must not hold up the
   * next message behind a write of its own.
   */
  sendTrailing(value: unknown): void {
    if (!this.#scheduled && !this.#flushing) this.#trailing = TRAILING_HOPS;
    this.send(value);
  }

  #schedule(): void {
    if (this.#scheduled || this.#flushing) return;
    this.#scheduled = true;
    queueMicrotask(this.#startDrain);
  }

  // A bound method: the microtask #schedule queues, again while hops are left.
  readonly #startDrain = (): void => {
    if (this.#trailing > 0) {
      this.#trailing--;
      queueMicrotask(this.#startDrain);
      return;
    }
    this.#scheduled = false;
    this.#flushing ??= this.#drain();
  };

  async #drain(): Promise<void> {
    try {
      while (this.#outLength > 0 && !this.#closed) {
        const data = this.#out.subarray(0, this.#outLength);
        // Swap buffers; a buffer grown for one huge frame is not kept.
        this.#out = !this.#spare || this.#spare.length > MAX_KEPT_OUT
          ? new Uint8Array(this.#chunk)
          : this.#spare;
        this.#outLength = 0;
        let written = 0;
        while (written < data.length) {
          written += await this.conn.write(data.subarray(written));
        }
        this.#spare = data.buffer.byteLength > MAX_KEPT_OUT
          ? undefined
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
      this.#reserve(this.#end - this.#start + this.#chunk);
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
