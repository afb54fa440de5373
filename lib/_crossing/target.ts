// How a target function is named so that another isolate (a Worker, a child
// Deno, a pool worker) can find it, and how that side runs it. Used by
// Thread, Process and Pool alike.

import { TargetError } from "../errors/process.ts";

export { TargetError };

/** A function that runs somewhere else. */
// deno-lint-ignore no-explicit-any
export type Target = (...args: any[]) => unknown;

/** The cloneable description of a target. */
export type TargetSpec =
  | { kind: "export"; module: string; name: string }
  | { kind: "source"; source: string };

/**
 * Describes `target` for another isolate. With `module`, the other side
 * imports it and calls the export named `target.name`; without, the
 * function's source is shipped and must not close over outer variables.
 */
export function describeTarget(
  target: unknown,
  module: string | URL | undefined,
  who: string,
): TargetSpec {
  if (typeof target !== "function") {
    throw new TypeError(
      `Cannot create ${who} as 'target' must be a function: received ${typeof target}`,
    );
  }
  if (module !== undefined) {
    const name = target.name;
    if (!name || name.startsWith("bound ")) {
      throw new TypeError(
        `Cannot create ${who} as 'target' has no usable name (${
          JSON.stringify(name)
        }) to look up in ${module}. Pass a named exported function, e.g. { target: work, module: import.meta.url } with "export function work() {...}".`,
      );
    }
    return { kind: "export", module: normalizeModule(module, who), name };
  }
  return {
    kind: "source",
    source: functionSource(target as (...args: never[]) => unknown, who),
  };
}

/** `module` as an absolute URL; throws a TypeError naming `who` otherwise. */
export function normalizeModule(module: string | URL, who: string): string {
  const text = String(module);
  try {
    return new URL(text).href;
  } catch {
    throw new TypeError(
      `Cannot create ${who} as 'module' must be an absolute URL: received ${
        JSON.stringify(text)
      }. Pass import.meta.url.`,
    );
  }
}

function functionSource(
  fn: (...args: never[]) => unknown,
  who: string,
): string {
  const source = Function.prototype.toString.call(fn);
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new TypeError(
      `Cannot create ${who} as its target is a native or bound function whose source cannot be shipped. Wrap it in a self-contained function, or export it and pass { module: import.meta.url }.`,
    );
  }
  if (/^class\b/.test(source)) {
    throw new TypeError(
      `Cannot create ${who} as 'target' is a class, not a function.`,
    );
  }
  return parsesAsExpression(source) ? source : methodAsFunction(source, who);
}

function parsesAsExpression(source: string): boolean {
  try {
    new Function(`return (${source});`);
    return true;
  } catch {
    return false;
  }
}

// Method shorthand (`{ async work(x) {...} }`) is not an expression by itself.
function methodAsFunction(source: string, who: string): string {
  const method = /^(async\s+)?(\*\s*)?([A-Za-z_$][\w$]*)\s*\(/.exec(source);
  const rewritten = method &&
    `${method[1] ?? ""}function${method[2] ?? ""} ${method[3]}(${
      source.slice(method[0].length)
    }`;
  if (!rewritten || !parsesAsExpression(rewritten)) {
    throw new TypeError(
      `Cannot create ${who} as the source of its target does not parse on its own. Export the function and pass { module: import.meta.url }.`,
    );
  }
  return rewritten;
}

/** A target's description with the process-wide id it is known by once sent. */
export interface TargetDef {
  readonly id: number;
  readonly spec: TargetSpec;
}

/** What identifies a spec: its module and export, or its source. */
export function targetKey(spec: TargetSpec): string {
  return spec.kind === "export" ? `${spec.module}#${spec.name}` : spec.source;
}

const defined = new Map<string, TargetDef>();

/** The one definition of `spec` in this isolate (same spec, same id). */
export function defineTarget(spec: TargetSpec): TargetDef {
  const key = targetKey(spec);
  let def = defined.get(key);
  if (!def) defined.set(key, def = { id: defined.size, spec });
  return def;
}

const described = new WeakMap<Target, Map<string, TargetDef>>();

/**
 * describeTarget + defineTarget, once per function and module: describing
 * costs a parse, which a pool calling the same function a million times
 * must not pay each time.
 */
export function targetOf(
  target: Target,
  module: string | URL | undefined,
  who: string,
): TargetDef {
  const moduleKey = module === undefined ? "" : String(module);
  let byModule = typeof target === "function"
    ? described.get(target)
    : undefined;
  const hit = byModule?.get(moduleKey);
  if (hit) return hit;
  const def = defineTarget(describeTarget(target, module, who));
  if (!byModule) described.set(target, byModule = new Map());
  byModule.set(moduleKey, def);
  return def;
}

/** A spec being found on this side: its function once found, or why not. */
export interface Resolution {
  readonly spec: TargetSpec;
  /** Set once found. */
  fn?: Target;
  /** Set once finding it failed. */
  failed?: { error: unknown };
  /** Settles (never rejects) once `fn` or `failed` is set. */
  readonly ready: Promise<void>;
}

const resolutions = new Map<string, Resolution>();

/**
 * The one resolution of `spec` in this isolate, started on first use:
 * a module is imported, a source evaluated, once, whoever asks.
 */
export function resolution(spec: TargetSpec): Resolution {
  const key = targetKey(spec);
  let found = resolutions.get(key);
  if (!found) {
    const started: { -readonly [K in keyof Resolution]: Resolution[K] } = {
      spec,
      ready: Promise.resolve(),
    };
    started.ready = find(spec).then(
      (fn) => void (started.fn = fn),
      (error) => void (started.failed = { error }),
    );
    resolutions.set(key, found = started);
  }
  return found;
}

/** Finds the function a spec names (see resolution). */
export async function resolveTarget(spec: TargetSpec): Promise<Target> {
  const found = resolution(spec);
  if (!found.fn && !found.failed) await found.ready;
  if (found.failed) throw found.failed.error;
  return found.fn!;
}

function find(spec: TargetSpec): Promise<Target> {
  if (spec.kind === "export") return importExport(spec);
  try {
    return Promise.resolve(evaluate(spec.source));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The receiving side of definitions (TargetDef): the targets a peer sent,
 * by the ids it gave them, over this isolate's one resolution of each.
 */
export class ReceivedTargets {
  #byId = new Map<number, Resolution>();

  /** Takes definitions as sent: [id, spec, id, spec...]. */
  define(defs: readonly unknown[]): void {
    for (let i = 0; i < defs.length; i += 2) {
      this.#byId.set(defs[i] as number, resolution(defs[i + 1] as TargetSpec));
    }
  }

  /** The target the peer defined as `id`, if it did. */
  get(id: number): Resolution | undefined {
    return this.#byId.get(id);
  }
}

/**
 * The sending side: which definitions one peer was sent, so that each
 * crosses once and later calls name it by id.
 */
export class SentTargets {
  #known = new Set<number>();

  /** `def.id` if the peer has it; else [id, spec] to send along (now counted as sent). */
  ref(def: TargetDef): number | [number, TargetSpec] {
    if (this.#known.has(def.id)) return def.id;
    this.#known.add(def.id);
    return [def.id, def.spec];
  }

  /** The definition never reached the peer (its message failed): send it again. */
  forget(id: number): void {
    this.#known.delete(id);
  }
}

async function importExport(
  spec: { module: string; name: string },
): Promise<Target> {
  const mod = await import(spec.module);
  const fn = mod[spec.name];
  if (typeof fn !== "function") {
    const exports = Object.keys(mod).filter((k) =>
      typeof mod[k] === "function"
    );
    throw new TargetError(
      `Cannot run target '${spec.name}': ${spec.module} has no exported function named '${spec.name}'` +
        (exports.length
          ? ` (its exported functions: ${exports.join(", ")})`
          : "") +
        `. Add 'export' to its declaration, or pass a self-contained function without 'module'.`,
    );
  }
  return fn as Target;
}

function evaluate(source: string): Target {
  try {
    return new Function(`"use strict";\nreturn (${source});`)() as Target;
  } catch (error) {
    throw new TargetError(
      `Cannot rebuild the target function from its source: ${
        (error as Error).message
      }. Export the function and pass { module: import.meta.url } instead.`,
      { cause: error },
    );
  }
}

/**
 * Explains a ReferenceError thrown by a shipped function: the usual cause is
 * a variable it closed over, which does not exist in the other isolate.
 */
export function explainClosure(error: unknown, spec: TargetSpec): unknown {
  if (spec.kind !== "source" || !(error instanceof ReferenceError)) {
    return error;
  }
  const name = /^(\S+) is not defined/.exec(error.message)?.[1] ?? "a variable";
  const explained = new ReferenceError(
    `${error.message}. The target was shipped as source to run in a fresh isolate, so it cannot see ${name} from the scope it was written in: it may use its parameters, globals and await import(), nothing it closes over. Pass ${name} as an argument, move it inside the function, or export the function and pass { module: import.meta.url }.`,
    { cause: error },
  );
  explained.stack = `ReferenceError: ${explained.message}\n${
    error.stack?.split("\n").slice(1).join("\n") ?? ""
  }`;
  return explained;
}
