// Small pieces of the client's calls: how a call's arguments are trimmed for
// the wire, how long it may wait, and the errors a handle gives.

import type { RemoteCall, TransferCodec } from "../_crossing/codec.ts";
import { FACTORY_KIND, OBJECT_KIND } from "./_served.ts";

export function released(method: string): ReferenceError {
  return new ReferenceError(
    `Cannot call ${method}() as this handle was released (client.release): the master has forgotten its instance. Make another with client.create().`,
  );
}

/** The error for a name the master does not serve. */
export function notRegistered(
  name: unknown,
  where: string,
  registered: string[],
): ReferenceError {
  const known = registered.map((n) => `'${n}'`).join(", ") || "none";
  return new ReferenceError(
    `No object is registered under the name ${
      JSON.stringify(name)
    } on the manager at ${where} (registered: ${known}). Register it on the master before clients connect: manager.register(${
      JSON.stringify(String(name))
    }, object).`,
  );
}

/** The error for a typed accessor (client.queue(), event()...) used on another kind. */
export function wrongKind(
  name: string,
  where: string,
  kind: string,
  wanted: string,
  method: string,
): TypeError {
  return new TypeError(
    `'${name}' on the manager at ${where} is ${
      describeKind(kind)
    }, not a ${wanted}: client.${method}() cannot reach it.${
      kind === FACTORY_KIND
        ? ` Make an instance with client.create(${
          JSON.stringify(name)
        }, ...args).`
        : ` Use client.proxy(${JSON.stringify(name)}).`
    }`,
  );
}

export function describeKind(kind: string): string {
  if (kind === FACTORY_KIND) return "a factory";
  if (kind === OBJECT_KIND) return "an object served by its methods";
  return /^[AEIOU]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

// Methods that may wait for other processes; close() does not wait for them.
export const WAITING = new Set(["get", "getMany", "wait", "join"]);

export function methodsOf(
  codec: TransferCodec,
  call: RemoteCall,
): Record<string, unknown> {
  const handle: Record<string, unknown> = {};
  for (const method of codec.remote ?? []) {
    handle[method] = (...args: unknown[]) => call(method, args);
  }
  return handle;
}

// Drops trailing undefined arguments and undefined option values (get()
// sends { timeout: undefined }): the same call to the owner, but plain JSON
// on the wire instead of the several-times slower v8 serializer.
export function compact(args: unknown[]): unknown[] {
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  const out = end === args.length ? args : args.slice(0, end);
  const last = out.at(-1);
  if (
    typeof last !== "object" || last === null ||
    Object.getPrototypeOf(last) !== Object.prototype
  ) return out;
  let defined: Record<string, unknown> | undefined;
  for (const key in last) {
    const value = (last as Record<string, unknown>)[key];
    if (value === undefined) defined ??= { ...last };
  }
  if (!defined) return out;
  for (const key in defined) {
    if (defined[key] === undefined) delete defined[key];
  }
  return [...out.slice(0, -1), defined];
}

// The call's own wait (`{ timeout }` options, or Event.wait's number), so a
// long get({ timeout }) is not cut short by callTimeout.
export function ownTimeout(args: unknown[] | undefined): number {
  const last = args?.at(-1);
  const own = typeof last === "number"
    ? last
    : typeof last === "object" && last !== null
    ? (last as { timeout?: unknown }).timeout
    : undefined;
  return typeof own === "number" && Number.isFinite(own) && own > 0 ? own : 0;
}
