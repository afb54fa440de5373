// How an error crosses into another isolate, process or machine and comes
// back with its class name, message, stack and cause intact. Structured clone
// keeps only built-in error classes, so a user's `class NotFound extends
// Error` would arrive as a plain `Error`; this keeps its name.

import { isSendable } from "./payload.ts";

/** The cloneable form of an error. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  cause?: SerializedError | { value: unknown };
  /** Own enumerable properties (e.g. `code`), when they are cloneable. */
  props?: Record<string, unknown>;
}

const BUILTIN: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
};

/** Turns anything thrown into a cloneable description. */
export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) {
    return {
      name: "Error",
      message: `A non-Error value was thrown: ${describe(error)}`,
      props: { thrown: isSendable(error) ? error : describe(error) },
    };
  }
  const out: SerializedError = {
    name: error.name || error.constructor?.name || "Error",
    message: error.message,
    stack: error.stack,
  };
  if (error.cause !== undefined) {
    out.cause = error.cause instanceof Error ? serializeError(error.cause) : {
      value: isSendable(error.cause) ? error.cause : describe(error.cause),
    };
  }
  const props: Record<string, unknown> = {};
  let any = false;
  for (const key of Object.keys(error)) {
    if (key === "name" || key === "message" || key === "stack") continue;
    const value = (error as unknown as Record<string, unknown>)[key];
    if (isSendable(value)) {
      props[key] = value;
      any = true;
    }
  }
  if (any) out.props = props;
  return out;
}

/** Rebuilds an error from its description; the class name survives as `name`. */
export function deserializeError(data: SerializedError): Error {
  const Ctor = BUILTIN[data.name] ?? Error;
  const error = new Ctor(data.message);
  if (!(data.name in BUILTIN)) {
    Object.defineProperty(error, "name", {
      value: data.name,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  if (data.stack !== undefined) error.stack = data.stack;
  if (data.cause !== undefined) {
    error.cause = "value" in data.cause && !("message" in data.cause)
      ? data.cause.value
      : deserializeError(data.cause as SerializedError);
  }
  if (data.props) Object.assign(error, data.props);
  return error;
}

function describe(value: unknown): string {
  try {
    return typeof value === "string" ? JSON.stringify(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * Raised when an object is used in a state that does not allow it, e.g. a
 * thread started twice or joined before it was started (Python's
 * `RuntimeError`).
 *
 * @example
 * ```ts
 * import { RuntimeError, Thread } from "@multitask/core/thread";
 *
 * const t = new Thread({ target: () => {} });
 * t.start();
 * try {
 *   t.start();
 * } catch (error) {
 *   console.log(error instanceof RuntimeError); // true
 * }
 * await t.join();
 * ```
 */
export class RuntimeError extends Error {
  /** Always "RuntimeError". */
  override name = "RuntimeError";
}

/** A library error class, rebuilt from a message. */
export type ErrorClass = new (message: string) => Error;

/**
 * Makes a function that gives a remote error its library class back: only
 * its name crossed, so `instanceof` would fail without it.
 */
export function reviver(
  classes: Record<string, ErrorClass>,
): (error: unknown) => unknown {
  return (error) => {
    if (!(error instanceof Error)) return error;
    const Ctor = classes[error.name];
    if (!Ctor || (error as object) instanceof Ctor) return error;
    const local = new Ctor((error as Error).message);
    local.stack = (error as Error).stack;
    return local;
  };
}
