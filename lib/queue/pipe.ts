/**
 * Two connected ends that pass messages [multiprocessing.Pipe]: between
 * threads over shared memory, or with a child process through the end its
 * parent owns.
 *
 * @example
 * ```ts
 * import { Pipe } from "@multitask/core/pipe";
 *
 * const [left, right] = Pipe<string>();
 * left.send("ping");
 * console.log(await right.recv()); // "ping"
 * ```
 *
 * @module
 */

import { MAX_RING_BYTES, onMainThread, Ring, type RingState } from "./_ring.ts";
import { checkTimeout, keepAlive, remaining } from "../_common/waiting.ts";
import { checkOptions } from "../_common/validate.ts";
import { Adoption } from "../_crossing/adopt.ts";
import { RemoteConn } from "./_remote_conn.ts";
import { takeAsync, type TakeErrors, takeSync } from "./_ring_take.ts";
import { registerCodec } from "../_crossing/codec.ts";
import { lend } from "../_crossing/rpc.ts";
import { BrokenPipeError, Empty, EOFError } from "../errors/queue.ts";

export { BrokenPipeError, EOFError };

/** Options of {@linkcode Pipe}. */
export interface PipeOptions {
  /** Both ends send and receive (default true); false: the first end only receives, the second only sends. */
  duplex?: boolean;
}

/** Options of {@linkcode Connection.recv}. */
export interface RecvOptions {
  /** Milliseconds to wait before rejecting with {@linkcode Empty}; default: forever. */
  timeout?: number;
  /** Stops waiting; no message is taken after it aborts. */
  signal?: AbortSignal;
}

/**
 * Creates a pipe and returns its two ends. Each end passes to a
 * {@linkcode Thread} (shared memory) or a child `Process` (the child's end
 * stays with the parent and the child's handle calls it) as an argument.
 *
 * @example Two ends, both ways
 * ```ts
 * import { Pipe } from "@multitask/core/pipe";
 *
 * const [parent, child] = Pipe<number[]>();
 * child.send([42, 7]);
 * console.log(await parent.recv()); // [42, 7]
 * parent.send([1]);
 * console.log(await child.poll(), await child.recv()); // true [1]
 * ```
 */
export function Pipe<T = unknown>(
  options?: PipeOptions,
): [Connection<T>, Connection<T>] {
  const duplex = checkOptions(options, "create pipe").duplex ?? true;
  if (typeof duplex !== "boolean") {
    throw new TypeError(
      `Cannot create pipe as 'duplex' must be a boolean: received ${
        String(duplex)
      }`,
    );
  }
  const forward = Ring.create(0, MAX_RING_BYTES);
  if (!duplex) return [adopt({ in: forward }), adopt({ out: forward })];
  const backward = Ring.create(0, MAX_RING_BYTES);
  return [
    adopt({ in: forward, out: backward }),
    adopt({ in: backward, out: forward }),
  ];
}

interface Ends {
  in?: Ring;
  out?: Ring;
}

// The ends (or the remote link) lent to the constructor, which Pipe() and
// the codec are the only ones to call.
const adoption = new Adoption<Ends | RemoteConn>();
// Module-private access to an end's rings, for the codec.
let ends: (c: Connection) => { in?: RingState; out?: RingState };

/**
 * One end of a {@linkcode Pipe} [multiprocessing.connection.Connection].
 * `send` never waits (the pipe is unbounded); `recv` waits for the next
 * message and rejects with {@linkcode EOFError} once the other end is closed
 * and drained. Messages cross by structured clone.
 *
 * @example
 * ```ts
 * import { Pipe } from "@multitask/core/pipe";
 *
 * const [a, b] = Pipe<string>();
 * a.send("hello");
 * a.close();
 * console.log(await b.recv()); // "hello"
 * console.log(await b.poll()); // true: EOF is readable too
 * ```
 */
export class Connection<T = unknown> {
  #in: Ring | undefined;
  #out: Ring | undefined;
  #remote: RemoteConn | undefined;
  #closed = false;
  readonly #found = { found: false };

  /** Not for direct use: create connections with {@linkcode Pipe}. */
  constructor() {
    const adopted = adoption.state;
    if (!adopted) {
      throw new TypeError(
        "Create connections with Pipe(), not new Connection().",
      );
    }
    if (adopted instanceof RemoteConn) this.#remote = adopted;
    else {
      this.#in = adopted.in;
      this.#out = adopted.out;
    }
  }

  /** Whether this end can receive. */
  get readable(): boolean {
    return this.#remote ? this.#remote.readable : this.#in !== undefined;
  }

  /** Whether this end can send. */
  get writable(): boolean {
    return this.#remote ? this.#remote.writable : this.#out !== undefined;
  }

  /** Whether `close()` was called on this end. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends a message to the other end without waiting. Throws
   * {@linkcode BrokenPipeError} if either end is closed, a TypeError if the
   * message cannot be cloned (nothing is sent).
   */
  send(message: T): void {
    if (this.#closed) {
      throw new BrokenPipeError("Cannot send on a closed connection.");
    }
    if (this.#remote) return this.#remote.send(message);
    const out = this.#writer();
    const prepared = out.prepare(message);
    if (out.tryPut(prepared, false) !== "ok") {
      if (out.closed) {
        throw new BrokenPipeError(
          "Cannot send: the other end of the pipe is closed.",
        );
      }
      throw new RangeError(
        "Cannot send: the message does not fit in the pipe's 1 GiB buffer. Send it in pieces.",
      );
    }
  }

  /**
   * The next message. Rejects with {@linkcode EOFError} when the other end is
   * closed and nothing is left, with {@linkcode Empty} after `timeout` ms.
   */
  recv(options?: RecvOptions): Promise<T> {
    try {
      const timeout = checkTimeout(options?.timeout, "receive");
      if (this.#remote) {
        return this.#remote.recv(options?.timeout, options?.signal) as Promise<
          T
        >;
      }
      const ring = this.#reader();
      const value = ring.tryGet(this.#found);
      if (this.#found.found) return Promise.resolve(value as T);
      return takeAsync(ring, timeout, options?.signal, RECV_ERRORS) as Promise<
        T
      >;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Blocking `recv` for workers; throws the same errors. */
  recvSync(options?: { timeout?: number }): T {
    const ring = this.#blocking("recvSync()");
    const timeout = checkTimeout(options?.timeout, "receive");
    return takeSync(ring, timeout, this.#found, RECV_ERRORS) as T;
  }

  /**
   * Whether a message (or EOF) is ready to receive, waiting up to `timeout`
   * ms (default 0: just look) [poll].
   */
  async poll(timeout = 0): Promise<boolean> {
    const ms = checkTimeout(timeout, "poll");
    if (this.#remote) return await this.#remote.poll(timeout) as boolean;
    const ring = this.#reader();
    const deadline = performance.now() + ms;
    for (;;) {
      const seq = ring.putSeq;
      if (ring.count > 0 || ring.closed) return true;
      const left = remaining(deadline);
      if (left === 0) return false;
      await keepAlive(ring.waitAsync("put", seq, left));
    }
  }

  /** Blocking `poll` for workers. */
  pollSync(timeout = 0): boolean {
    const ring = this.#blocking("pollSync()");
    const deadline = performance.now() + checkTimeout(timeout, "poll");
    for (;;) {
      const seq = ring.putSeq;
      if (ring.count > 0 || ring.closed) return true;
      const left = remaining(deadline);
      if (left === 0) return false;
      ring.waitSync("put", seq, left);
    }
  }

  /**
   * Closes this end: the other end receives what was already sent, then
   * {@linkcode EOFError}; its `send` throws {@linkcode BrokenPipeError}.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#remote) return this.#remote.close();
    this.#in?.close();
    this.#out?.close();
  }

  /** Closes this end (`using conn = ...`). */
  [Symbol.dispose](): void {
    this.close();
  }

  #reader(): Ring {
    if (this.#closed) {
      throw new EOFError("Cannot receive on a closed connection.");
    }
    if (!this.#in) {
      throw new TypeError(
        "This end of a one-way pipe only sends: receive on the other end.",
      );
    }
    return this.#in;
  }

  #writer(): Ring {
    if (!this.#out) {
      throw new TypeError(
        "This end of a one-way pipe only receives: send on the other end.",
      );
    }
    return this.#out;
  }

  #blocking(who: string): Ring {
    if (this.#remote) {
      throw new TypeError(
        `Connection.${who} is not available on a connection owned by another process. Use await conn.recv() / await conn.poll().`,
      );
    }
    if (onMainThread()) {
      throw new TypeError(
        `Connection.${who} would block the main thread, whose event loop delivers messages from other processes, timers and I/O. Use await conn.recv() / await conn.poll() here; the Sync methods are for workers.`,
      );
    }
    return this.#reader();
  }

  static {
    ends = (c) => {
      if (c.#remote) {
        throw new TypeError(
          "Cannot pass on a connection handle that itself reaches a pipe end in another process. Pass the end from the process that created the pipe.",
        );
      }
      return { in: c.#in?.state, out: c.#out?.state };
    };
  }
}

function adopt<T>(side: Ends | RemoteConn): Connection<T> {
  return adoption.lend(side, () => new Connection<T>());
}

function eof(): EOFError {
  return new EOFError(
    "The other end of the pipe is closed and every message it sent was received.",
  );
}

function recvTimeout(timeout: number): Empty {
  return new Empty(
    `Connection.recv() waited ${timeout} ms and no message arrived.`,
  );
}

const RECV_ERRORS: TakeErrors = { closed: eof, timedOut: recvTimeout };

// ---- owner side: what a handle in another process calls ------------------------

// A message answered to a handle that never received it (its process died)
// is the next one received again.
function giveBack(c: Connection, message: unknown): void {
  const state = ends(c).in;
  if (!state) return;
  const ring = new Ring(state);
  ring.unget([ring.prepare(message)]);
}

function sendMany(c: Connection, messages: unknown[]): void {
  for (const m of messages) c.send(m);
}

/** What a thread receives for a connection. */
interface ConnectionShare {
  in?: RingState;
  out?: RingState;
}

registerCodec<Connection, ConnectionShare>({
  tag: "Connection",
  type: Connection,
  share: (c) => ends(c),
  revive: (state) =>
    adopt({
      in: state.in ? new Ring(state.in) : undefined,
      out: state.out ? new Ring(state.out) : undefined,
    }),
  remote: ["sendMany", "recv", "poll", "close"],
  serve: (c, method, args, signal) => {
    switch (method) {
      case "recv":
        // Lent, as a Queue's get is (see lend in lib/_crossing/rpc.ts).
        return c.recv({ ...(args[0] as RecvOptions), signal }).then((
          message,
        ) => lend(message, () => giveBack(c, message)));
      case "poll":
        return c.poll(args[0] as number);
      case "sendMany":
        return sendMany(c, args[0] as unknown[]);
      case "close":
        return c.close();
    }
    throw new TypeError(
      `Connection has no remotely callable method '${method}'.`,
    );
  },
  proxy: (call) => adopt(new RemoteConn(call)),
});
