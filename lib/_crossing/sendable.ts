// The payload rule's walk: what can cross to another process, decided
// without serializing anything (see payload.ts, which encodes). Apart from
// payload.ts so that code every isolate loads (errors.ts, and through it
// every worker) does not load node:v8, which costs a Web Worker ~5 ms to
// start.

const JSON_DEPTH = 64;
const WALK_DEPTH = 64;

/** True when JSON is an exact stand-in for structured clone on `value`. */
export function isJsonExact(value: unknown): boolean {
  return jsonExact(value, new Set(), 0);
}

function jsonExact(value: unknown, seen: Set<object>, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object":
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth > JSON_DEPTH || seen.has(value)) return false;
  seen.add(value);
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    for (let i = 0; i < value.length; i++) {
      if (!jsonExact(value[i], seen, depth + 1)) return false;
    }
    return true;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const key in value) {
    if (key === "__proto__" || key === "toJSON") return false;
    if (!jsonExact((value as Record<string, unknown>)[key], seen, depth + 1)) {
      return false;
    }
  }
  return true;
}

// Built-in types node:v8 serializes by their internal slots; their own
// properties do not travel, so the walk does not look inside them.
const OPAQUE: readonly (abstract new (...args: never[]) => unknown)[] = [
  Date,
  RegExp,
  ArrayBuffer,
  Boolean,
  Number,
  String,
];

const REFUSED: ReadonlyMap<unknown, string> = new Map<unknown, string>([
  [
    Promise.prototype,
    "a Promise cannot be copied; await it and send its value",
  ],
  [WeakMap.prototype, "a WeakMap cannot be copied"],
  [WeakSet.prototype, "a WeakSet cannot be copied"],
  [WeakRef.prototype, "a WeakRef cannot be copied"],
  [
    SharedArrayBuffer.prototype,
    "a SharedArrayBuffer is memory shared by the threads of one process; another process cannot see it",
  ],
]);

/** What the walk found: vouched "json" or "clone", "unknown", or a refusal. */
export type Verdict = "json" | "clone" | "unknown" | { refused: string };

const CLONE: Verdict = "clone";
const UNKNOWN: Verdict = "unknown";

/**
 * Classifies `value` for another process (see the header). Never
 * serializes: "unknown" means only the encoding can tell.
 */
export function classify(value: unknown): Verdict {
  if (jsonExact(value, new Set(), 0)) return "json";
  return cloneWalk(value, new Set(), 0);
}

function cloneWalk(value: unknown, seen: Set<object>, depth: number): Verdict {
  switch (typeof value) {
    case "function":
      return { refused: `${describeFunction(value)} cannot be copied` };
    case "symbol":
      return { refused: `${String(value)} cannot be copied` };
    case "object":
      break;
    default:
      return CLONE;
  }
  if (value === null || seen.has(value)) return CLONE;
  if (depth > WALK_DEPTH) return UNKNOWN;
  seen.add(value);
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null || Array.isArray(value)) {
    return cloneEach(Object.values(value), seen, depth);
  }
  if (value instanceof Map) {
    return cloneEach([...value.keys(), ...value.values()], seen, depth);
  }
  if (value instanceof Set) return cloneEach([...value], seen, depth);
  if (ArrayBuffer.isView(value)) return CLONE; // copied, even over shared memory
  if (value instanceof Error) {
    return value.cause === undefined
      ? CLONE
      : cloneWalk(value.cause, seen, depth + 1);
  }
  for (const type of OPAQUE) if (value instanceof type) return CLONE;
  for (let p = proto; p !== null; p = Object.getPrototypeOf(p)) {
    const reason = REFUSED.get(p);
    if (reason) return { refused: reason };
  }
  return UNKNOWN;
}

function cloneEach(
  items: unknown[],
  seen: Set<object>,
  depth: number,
): Verdict {
  let verdict: Verdict = CLONE;
  for (const item of items) {
    const found = cloneWalk(item, seen, depth + 1);
    if (typeof found === "object") return found;
    if (found === UNKNOWN) verdict = UNKNOWN;
  }
  return verdict;
}

function describeFunction(fn: unknown): string {
  const name = (fn as { name?: unknown }).name;
  return typeof name === "string" && name
    ? `the function ${name}`
    : "a function";
}

/** True for the values that always cross and need no check: primitives other than symbols. */
export function isPrimitive(value: unknown): boolean {
  const type = typeof value;
  return value === null ||
    (type !== "object" && type !== "function" && type !== "symbol");
}

/**
 * Whether the walk vouches that `value` can be sent to another process
 * (nothing is serialized; what only encoding could tell counts as no).
 */
export function isSendable(value: unknown): boolean {
  const verdict = classify(value);
  return verdict === "json" || verdict === "clone";
}

/** The JSON text of `value` when JSON is exact for it, else undefined (the frame writer's fast path). */
export function jsonTextOf(value: unknown): string | undefined {
  return jsonExact(value, new Set(), 0) ? JSON.stringify(value) : undefined;
}
