// The error every Redis-backed object (RedisQueue, the Redis pool and its
// workers) rejects with when the server cannot be reached. It lives apart
// from the code that loads npm:redis so that the root module can export it
// without making anyone pay for the client.

import { registerErrorClasses } from "../errors/_keys.ts";

/**
 * A Redis server could not be reached, or stopped answering, for longer than
 * the call allowed (its `timeout`, or the `reconnectWindow` of a call without
 * one). The message names the queue, the URL (without its password) and what
 * to check. Nothing was lost: a job or task the call had not handed over is
 * still where it was, and a connection that comes back later is used again.
 *
 * @example
 * ```ts
 * import { RedisConnectionError } from "@multitask/core/redis";
 *
 * export function serverIsDown(error: unknown): boolean {
 *   return error instanceof RedisConnectionError;
 * }
 * ```
 */
export class RedisConnectionError extends Error {
  /** Always "RedisConnectionError". */
  override name = "RedisConnectionError";
  /** The stream key of the queue (or of the pool's tasks) the call was about. */
  readonly queue: string;
  /** The server's URL, its password replaced by `***`. */
  readonly url: string;

  /**
   * Describes a server that could not be reached for a call about `queue`.
   *
   * @param message What failed and what to check.
   * @param queue The stream key the call was about.
   * @param url The server's URL, already without its password.
   * @param options Standard error options (`cause`: the last socket error).
   *
   * @example
   * ```ts
   * import { RedisConnectionError } from "@multitask/core/redis";
   *
   * const error = new RedisConnectionError("down", "jobs", "redis://127.0.0.1:6379");
   * console.log(error.queue, error.url); // "jobs" "redis://127.0.0.1:6379"
   * ```
   */
  constructor(
    message: string,
    queue: string,
    url: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.queue = queue;
    this.url = url;
  }
}

/** `url` with its password (if any) replaced by `***`, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === "") return url;
    parsed.password = "***";
    return parsed.href;
  } catch {
    return url.replace(/\/\/([^@/]*):[^@/]*@/, "//$1:***@");
  }
}

registerErrorClasses(RedisConnectionError);
