// Objects the Manager serves that are not library types: a Map, an instance
// of the user's class, what a factory made [BaseManager.register's proxies].
// Each gets a codec of its own (never registered, so nothing else encodes
// these objects by type): its allow-list is the object's public methods,
// found once, the way Python's managers list `public_methods` (callables not
// starting with "_"). The session dispatches remote calls through it like any
// library type's (callExported); the client builds one async function per
// listed name.

import type { TransferCodec } from "../_crossing/codec.ts";

/** Stands for "the method returned its own object" (a Map's set): the client answers its handle. */
export const SELF = "__multitask_self__";

/** The kind a catalog entry or a created instance has when it is served by its methods. */
export const OBJECT_KIND = "$object";

/** The kind of a catalog entry that is a factory (create one per call). */
export const FACTORY_KIND = "$factory";

// Never callable remotely: the constructor, `then` (a handle with it would be
// awaited as a promise) and anything marked private by convention.
const HIDDEN = new Set(["constructor", "then"]);

/**
 * The public methods of `object`, own and inherited (up to Object.prototype):
 * function-valued data properties whose names do not start with "_".
 * Accessors are left out: reading one would run it.
 */
export function publicMethods(object: object): string[] {
  const found = new Set<string>();
  for (
    let level: object | null = object;
    level !== null && level !== Object.prototype;
    level = Object.getPrototypeOf(level)
  ) {
    for (const name of Object.getOwnPropertyNames(level)) {
      if (found.has(name) || HIDDEN.has(name) || name.startsWith("_")) {
        continue;
      }
      const descriptor = Object.getOwnPropertyDescriptor(level, name)!;
      if (typeof descriptor.value === "function") found.add(name);
    }
  }
  return [...found];
}

/** The name shown for an object in messages: its class, or "object". */
export function kindName(object: object): string {
  const name = (object as { constructor?: { name?: unknown } }).constructor
    ?.name;
  return typeof name === "string" && name !== "" && name !== "Object"
    ? name
    : "object";
}

/**
 * A codec serving `object` by its public methods. Results cross by the
 * payload rule; an iterator (a Map's keys()) is spread into an array, since an
 * iterator cannot cross, and the object itself comes back as SELF.
 */
export function servedCodec(
  object: object,
  methods: readonly string[] = publicMethods(object),
): TransferCodec {
  const tag = kindName(object);
  const refuse = () => {
    throw new TypeError(
      `Cannot pass the manager's ${tag} to a thread: it is served by the manager, to its clients only.`,
    );
  };
  return {
    tag,
    type: Object,
    share: refuse,
    revive: refuse,
    remote: methods,
    notRemote: undefined,
    serve: async (target, method, args) => {
      const fn = (target as Record<string, unknown>)[method] as (
        ...a: unknown[]
      ) => unknown;
      const result = await fn.apply(target, args);
      if (result === target) return SELF;
      return isIterator(result) ? [...result] : result;
    },
  };
}

function isIterator(value: unknown): value is IterableIterator<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as Iterator<unknown>).next === "function" &&
    typeof (value as Iterable<unknown>)[Symbol.iterator] === "function";
}
