// How an error crosses into another isolate, process or machine and comes
// back with its class name, message, stack and cause intact. Structured clone
// keeps only built-in error classes, so a user's `class NotFound extends
// Error` would arrive as a plain `Error`; this keeps its name. The library's
// own error classes come back as themselves (lib/errors/_registry.ts), so
// `instanceof` holds on the receiving side, which must have loaded them all:
// the modules that call deserializeError (or errorAt) import _registry.ts.

import { isSendable } from "./sendable.ts";
import { libraryErrorKey, registeredErrorClass } from "../errors/_keys.ts";

/** The cloneable form of an error. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  cause?: SerializedError | { value: unknown };
  /** Own enumerable properties (e.g. `code`), when they are cloneable. */
  props?: Record<string, unknown>;
  /** The registry key of its class, when it is one of the library's. */
  type?: string;
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
  const type = libraryErrorKey(error);
  if (type !== undefined) out.type = type;
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

/**
 * Rebuilds an error from its description: a library error as an instance of
 * its class, a built-in one as itself, any other as an Error keeping the
 * class name as `name`.
 */
export function deserializeError(data: SerializedError): Error {
  const Library = data.type === undefined
    ? undefined
    : registeredErrorClass(data.type);
  // A real Error (stack, inspection) with the library class's prototype;
  // its constructor, whose parameters differ per class, is not run.
  const error: Error = Library
    ? Reflect.construct(Error, [data.message], Library)
    : new (BUILTIN[data.name] ?? Error)(data.message);
  if (Library || !(data.name in BUILTIN)) {
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
