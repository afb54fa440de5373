// Which error classes are the library's, by key. Each file of lib/errors/
// registers its classes as it loads, so telling a library error apart
// (serializeError, in any isolate) needs only the classes that isolate has
// loaded: an error's class is loaded wherever one of its errors exists. A
// thread pool worker, which only describes errors, so loads none of the
// others (they were a third of its module graph). Rebuilding an error from
// its key needs every class: _registry.ts loads them all, and the modules
// that rebuild errors import it.

/** A library error class (constructors differ; the registry never calls them). */
// deno-lint-ignore no-explicit-any
export type ErrorClass = abstract new (...args: any[]) => Error;

const byKey = new Map<string, ErrorClass>();
const keyOf = new Map<unknown, string>();

/** Registers library error classes under their names. */
export function registerErrorClasses(...classes: ErrorClass[]): void {
  for (const c of classes) {
    byKey.set(c.name, c);
    keyOf.set(c, c.name);
  }
}

/** The registry key of `error`'s class when it is one of the library's, else undefined. */
export function libraryErrorKey(error: Error): string | undefined {
  return keyOf.get(error.constructor);
}

/** The library error class registered under `key`, if it is loaded. */
export function registeredErrorClass(key: string): ErrorClass | undefined {
  return byKey.get(key);
}
