// Errors of the crossing's transport: a peer that did not prove the key, a
// connection that broke the framing rules, or closed while a call waited.

import { registerErrorClasses } from "./_keys.ts";

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

/**
 * The peer did not prove it holds the same key (Python's multiprocessing.AuthenticationError).
 *
 * @example
 * ```ts
 * import { AuthenticationError, Manager } from "@multitask/core";
 *
 * export async function connect(port: number): Promise<void> {
 *   try {
 *     await using _client = await Manager.connect({ port, authkey: "abc" });
 *   } catch (error) {
 *     if (error instanceof AuthenticationError) console.log("wrong authkey");
 *     else throw error;
 *   }
 * }
 * ```
 */
export class AuthenticationError extends Error {
  /** Always "AuthenticationError". */
  override name = "AuthenticationError";
}

registerErrorClasses(FrameError, ConnectionClosedError, AuthenticationError);
