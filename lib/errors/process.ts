// The errors of running a target elsewhere: a child process that could not
// be started, a target that could not be described or found.

import { registerErrorClasses } from "./_keys.ts";

/**
 * A child process could not be started or did not connect back: Deno could
 * not be spawned (missing `--allow-run`), the child died before connecting,
 * or its control channel failed to authenticate. The message says which and
 * what to grant or check.
 *
 * @example
 * ```ts
 * import { ChildStartError } from "@multitask/core";
 *
 * export function couldNotStart(error: unknown): boolean {
 *   return error instanceof ChildStartError;
 * }
 * ```
 */
export class ChildStartError extends Error {
  /** Always "ChildStartError". */
  override name = "ChildStartError";
}

/**
 * A target could not be found or run on the other side: its module does not
 * export it, or a self-contained function's source does not evaluate there.
 * The message names the module, the name and the fix.
 *
 * @example
 * ```ts
 * import { TargetError } from "@multitask/core";
 *
 * export function badTarget(error: unknown): boolean {
 *   return error instanceof TargetError;
 * }
 * ```
 */
export class TargetError extends Error {
  /** Always "TargetError". */
  override name = "TargetError";
}

registerErrorClasses(ChildStartError, TargetError);
