// One connection to a Redis server whose every call settles: it answers, or
// it rejects with RedisConnectionError once the call's own deadline or the
// reconnect window has passed. RedisQueue, the Redis pool and its workers all
// talk to Redis through it.
//
// node-redis keeps commands of a lost connection in an offline queue and
// retries forever, so a call made while the server is down would wait for
// ever; and a reply that never comes (a hung server, a silent network) is
// waited for forever too. Here the client never reconnects by itself: a call
// that meets a dead connection opens a new one, with backoff, until its time
// is up, and a command that outlives its time is dropped with its connection.

import { createClient, ErrorReply, RESP_TYPES } from "npm:redis@^5";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { abortable, deadline, retry } from "jsr:@std/async@^1.5.0";
import { redactUrl, RedisConnectionError } from "./errors.ts";

/** A node-redis client. */
export type Client = ReturnType<typeof createClient>;
/** One argument of a Redis command. */
export type Arg = string | Buffer;

/** Bytes as a Buffer argument, without a copy. */
export function bytesArg(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Bulk strings as Buffers, for replies that carry payloads. */
const BINARY = { [RESP_TYPES.BLOB_STRING]: Buffer };
/** How long past its BLOCK a healthy server may take to answer. */
const GRACE = 1_000;

/** Settings of a link. */
export interface LinkOptions {
  url: string;
  /** Stream key named in errors. */
  queue: string;
  /** What the link serves, completing "Cannot put on <subject>". */
  subject: string;
  connectTimeout: number;
  /** Milliseconds a call waits for a lost server before it rejects. */
  reconnectWindow: number;
}

/** One call's needs. */
export interface SendOptions {
  /** Completes "Cannot <action> <subject>", e.g. "put on". */
  action: string;
  /** Date.now() by which the caller wants an answer (its own timeout). */
  deadline?: number;
  /** Milliseconds the server holds the command before answering (BLOCK). */
  block?: number;
  /** Bulk strings in the reply as Buffers. */
  binary?: boolean;
}

/**
 * A Lua script, sent as EVALSHA; a server that does not know it yet (or
 * lost it in a restart) gets its source once.
 */
export class Script {
  static readonly #known = new Map<string, string>();
  readonly source: string;
  readonly sha: string;
  constructor(source: string) {
    this.source = source;
    this.sha = createHash("sha1").update(source).digest("hex");
    Script.#known.set(this.sha, source);
  }

  /** The source of the script whose SHA1 is `sha`. */
  static source(sha: string): string | undefined {
    return Script.#known.get(sha);
  }
}

/** A command on a ready connection, and when it must have been answered. */
interface Watch {
  client: Client;
  limit: number;
  fail: (reason: unknown) => void;
}

// What a watched command fails with once past its limit.
const OVERDUE = Symbol("overdue");

// Marks a failed connect so that retries know it is the connection's fault.
class ConnectFailure extends Error {
  override name = "ConnectFailure";
}

/** A Redis reply error (WRONGTYPE, NOGROUP...), as opposed to a lost connection. */
export function isReplyError(error: unknown): error is Error {
  return error instanceof ErrorReply;
}

/** The connection to one server, for one queue or pool. */
export class Link {
  readonly #options: LinkOptions;
  readonly url: string;
  #client: Client | undefined;
  #connecting: Promise<Client> | undefined;
  #lastError: unknown;
  #closed = false;
  #refed = true;
  readonly #watches = new Set<Watch>();
  #watchdog: ReturnType<typeof setTimeout> | undefined;
  #watchdogAt = Infinity;

  private constructor(options: LinkOptions) {
    this.#options = options;
    this.url = redactUrl(options.url);
  }

  /** Connects once; a server that is not there (or refuses the password) is reported now. */
  static async open(options: LinkOptions): Promise<Link> {
    const link = new Link(options);
    try {
      await link.#connected();
    } catch (error) {
      throw link.#connectError((error as Error).cause ?? error);
    }
    return link;
  }

  /** A second link to the same server (a blocking reader needs its own connection). */
  static async twin(link: Link): Promise<Link> {
    return await Link.open(link.#options);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether the open connection keeps the program alive (it does unless told otherwise). */
  ref(on: boolean): void {
    this.#refed = on;
    if (on) this.#client?.ref();
    else this.#client?.unref();
  }

  /** Runs one command; see the file comment for when it rejects. */
  async send<T = unknown>(args: Arg[], options: SendOptions): Promise<T> {
    try {
      return await this.#send<T>(args, options);
    } catch (error) {
      const source = args[0] === "EVALSHA" && isReplyError(error) &&
        error.message.startsWith("NOSCRIPT") && Script.source(String(args[1]));
      if (!source) throw error;
      return await this.#send<T>(["EVAL", source, ...args.slice(2)], options);
    }
  }

  async #send<T>(args: Arg[], options: SendOptions): Promise<T> {
    const start = Date.now();
    const limit = Math.max(
      start + (options.block ?? 0) + GRACE,
      Math.min(
        options.deadline ?? Infinity,
        start + this.#options.reconnectWindow,
      ),
    );
    let last: unknown;
    // The usual case first: a ready connection, one attempt, watched by the
    // link's one watchdog instead of a timer and a signal of its own.
    const ready = this.#client;
    if (ready?.isReady) {
      try {
        return await this.#watched<T>(ready, args, options, limit);
      } catch (error) {
        if (this.#closed || isReplyError(error)) throw error;
        if (error === OVERDUE) {
          throw this.#unreachable(options.action, Date.now() - start, last);
        }
        last = error;
      }
    }
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), limit - Date.now());
    try {
      return await retry(async () => {
        try {
          return await this.#attempt<T>(args, options, stop.signal);
        } catch (error) {
          if (!stop.signal.aborted) last = error;
          throw error;
        }
      }, {
        isRetriable: (error) =>
          !this.#closed && !stop.signal.aborted && !isReplyError(error),
        signal: stop.signal,
        minTimeout: 50,
        maxTimeout: 1_000,
        jitter: 0.5,
        maxAttempts: Number.MAX_SAFE_INTEGER,
      });
    } catch (error) {
      if (this.#closed || isReplyError(error)) throw error;
      throw this.#unreachable(options.action, Date.now() - start, last);
    } finally {
      clearTimeout(timer);
    }
  }

  #watched<T>(
    client: Client,
    args: Arg[],
    options: SendOptions,
    limit: number,
  ): Promise<T> {
    const reply = client.sendCommand(args, {
      typeMapping: options.binary ? BINARY : undefined,
    }) as Promise<T>;
    return new Promise<T>((resolve, reject) => {
      const watch: Watch = { client, limit, fail: reject };
      this.#watches.add(watch);
      this.#armWatchdog(limit);
      reply.then((value) => {
        this.#watches.delete(watch);
        resolve(value);
      }, (error) => {
        this.#watches.delete(watch);
        reject(error);
      });
    });
  }

  #armWatchdog(limit: number): void {
    if (this.#watchdog !== undefined && limit >= this.#watchdogAt) return;
    clearTimeout(this.#watchdog);
    this.#watchdogAt = limit;
    this.#watchdog = setTimeout(() => this.#sniff(), limit - Date.now());
    Deno.unrefTimer(this.#watchdog as unknown as number);
  }

  // Commands past their limit fail, and their connection goes with them:
  // a reply that comes at last would be taken for a later command's.
  #sniff(): void {
    this.#watchdog = undefined;
    const now = Date.now();
    let next = Infinity;
    for (const watch of [...this.#watches]) {
      if (watch.limit > now) {
        next = Math.min(next, watch.limit);
        continue;
      }
      this.#watches.delete(watch);
      watch.fail(OVERDUE);
      if (this.#client === watch.client) this.#forget(watch.client);
    }
    if (next < Infinity && !this.#closed) this.#armWatchdog(next);
  }

  /**
   * Closes the connection once commands in flight are answered, or after
   * `wait` ms at most. Always resolves.
   */
  async close(wait = 1_000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#watchdog);
    const client = this.#client;
    this.#client = undefined;
    if (!client?.isReady) return drop(client);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      client.close().catch(() => {}),
      new Promise((resolve) => (timer = setTimeout(resolve, wait))),
    ]);
    clearTimeout(timer);
    drop(client);
  }

  /** Closes now; commands in flight reject. */
  destroy(): void {
    this.#closed = true;
    clearTimeout(this.#watchdog);
    drop(this.#client);
    this.#client = undefined;
  }

  async #attempt<T>(
    args: Arg[],
    options: SendOptions,
    stop: AbortSignal,
  ): Promise<T> {
    const client = await abortable(this.#connected(), stop);
    return await this.#on<T>(client, args, options, stop);
  }

  async #on<T>(
    client: Client,
    args: Arg[],
    options: SendOptions,
    stop: AbortSignal,
  ): Promise<T> {
    const reply = client.sendCommand(args, {
      abortSignal: stop,
      typeMapping: options.binary ? BINARY : undefined,
    }) as Promise<T>;
    try {
      // Once written, a command no longer listens to its signal: race it.
      return await abortable(reply, stop);
    } catch (error) {
      if (stop.aborted) {
        reply.catch(() => {});
        // Its reply would come before any later one's: the connection is
        // no use any more.
        if (this.#client === client) this.#forget(client);
      }
      throw error;
    }
  }

  #connected(): Promise<Client> {
    if (this.#closed) return Promise.reject(closedError());
    const client = this.#client;
    if (client?.isReady) return Promise.resolve(client);
    this.#connecting ??= this.#connect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #connect(): Promise<Client> {
    this.#forget(this.#client);
    const client = createClient({
      url: this.#options.url,
      socket: {
        connectTimeout: this.#options.connectTimeout,
        reconnectStrategy: false,
      },
    }) as Client;
    client.on("error", (error: unknown) => {
      this.#lastError = error;
      // A lost connection keeps the commands it had not written yet:
      // dropping it rejects them now, so that their calls try again.
      queueMicrotask(() => {
        if (!client.isOpen && this.#client === client) this.#forget(client);
      });
    });
    try {
      // connectTimeout bounds the TCP connect only; a server that accepts
      // and then says nothing would hold the handshake for ever.
      await deadline(client.connect(), this.#options.connectTimeout);
    } catch (error) {
      drop(client);
      const cause = (error as Error).name === "TimeoutError"
        ? new Error(
          `the server accepted the connection but did not answer its handshake within ${this.#options.connectTimeout} ms`,
        )
        : error;
      this.#lastError = cause;
      throw new ConnectFailure((cause as Error).message, { cause });
    }
    if (this.#closed) {
      drop(client);
      throw closedError();
    }
    if (!this.#refed) client.unref();
    this.#client = client;
    return client;
  }

  #forget(client: Client | undefined): void {
    if (this.#client === client) this.#client = undefined;
    drop(client);
  }

  #connectError(cause: unknown): RedisConnectionError {
    const { queue, subject } = this.#options;
    return new RedisConnectionError(
      `Cannot connect ${subject} to ${this.url}: ${describe(cause)}. ${
        hint(cause)
      }`,
      queue,
      this.url,
      { cause },
    );
  }

  #unreachable(
    action: string,
    waited: number,
    cause: unknown,
  ): RedisConnectionError {
    const { queue, subject, reconnectWindow } = this.#options;
    const known = cause instanceof ConnectFailure ? cause.cause : cause;
    const reason = known ?? this.#lastError;
    return new RedisConnectionError(
      `Cannot ${action} ${subject} as the Redis server at ${this.url} did not answer within ${waited} ms (${
        describe(reason)
      }). ${
        hint(reason)
      } A call waits up to its timeout, or reconnectWindow (${reconnectWindow} ms), for a lost server.`,
      queue,
      this.url,
      { cause: reason },
    );
  }
}

function drop(client: Client | undefined): void {
  try {
    client?.destroy();
  } catch { /* already closed */ }
}

function closedError(): Error {
  return new Error("The Redis connection was closed.");
}

function describe(error: unknown): string {
  if (error === undefined) return "no answer";
  const inner = error instanceof ConnectFailure ? error.cause : error;
  const text = inner instanceof Error
    ? inner.message || inner.name
    : String(inner);
  return text.replace(/\.$/, "") || "no answer";
}

function hint(error: unknown): string {
  const text = describe(error);
  if (/WRONGPASS|NOAUTH|NOPERM|invalid password|AUTH/i.test(text)) {
    return "The server refused the user name or password: put the right ones in the URL (redis://user:password@host:port, or redis://:password@host:port without an ACL user).";
  }
  if (/certificate|SSL|TLS|EPROTO|wrong version/i.test(text)) {
    return "The TLS handshake failed: use rediss:// only for a TLS port; if the server's certificate is signed by a CA this machine does not trust, give Deno that CA (DENO_CERT=ca.pem, or --cert ca.pem).";
  }
  return "Is redis-server running there and reachable from this machine? Check the host and port of the URL.";
}

/**
 * A pub/sub subscription on its own connection. node-redis reconnects it
 * (and subscribes again) by itself; messages sent while it was down are
 * missed, so what it carries must only ever be a hint.
 */
export class Subscription {
  #client: Client;

  private constructor(client: Client) {
    this.#client = client;
  }

  /** Subscribes to `channel`; `listener` gets each message's text. */
  static async open(
    url: string,
    channel: string,
    listener: (message: string) => void,
  ): Promise<Subscription> {
    const client = createClient({
      url,
      socket: {
        reconnectStrategy: (retries: number) =>
          Math.min(50 * 2 ** Math.min(retries, 5), 1_000),
      },
    }) as Client;
    client.on("error", () => {});
    try {
      await client.connect();
      await client.subscribe(channel, listener);
    } catch (error) {
      drop(client);
      throw error;
    }
    return new Subscription(client);
  }

  /** Whether it keeps the program alive. */
  ref(on: boolean): void {
    if (on) this.#client.ref();
    else this.#client.unref();
  }

  /** Unsubscribes and disconnects now. */
  close(): void {
    drop(this.#client);
  }
}
