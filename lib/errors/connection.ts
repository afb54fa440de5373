// Errors of the crossing's transport: a connection that broke the framing
// rules, or closed while a call waited for its answer.

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
