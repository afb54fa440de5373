// How a subclass instance that overrides run() (a Thread or a Process
// subclass) crosses: its own data fields travel encoded, and the other side
// imports the class's module, finds the class by name among its exports,
// creates the instance without running its constructor again (it ran once,
// where the object was made) and assigns the fields. Arguments decode with
// the same module's exports, so instances of the user's classes among them
// arrive with their prototype.

import {
  type DecodeOptions,
  decodeValue,
  encodeValue,
  loadCodecs,
  type ObjectImporter,
  type Route,
} from "./codec.ts";
import {
  resolveTarget,
  type Target,
  TargetError,
  type TargetSpec,
} from "./target.ts";

/** A subclass instance on its way: its module, class name and own fields. */
export interface InstanceInit {
  module: string;
  className: string;
  /** The library class it extends ("Thread", "Process"), for errors. */
  base: string;
  /** Encoded with encodeValue(..., { instances: true }). */
  fields: Record<string, unknown>;
}

/** Describes `self` (an instance of a class exported by `module`) for `route`. */
export function describeInstance(
  self: object,
  base: string,
  module: string,
  route: Route,
): InstanceInit {
  return {
    module,
    className: self.constructor.name,
    base,
    fields: encodeValue({ ...self }, route, { instances: true }) as Record<
      string,
      unknown
    >,
  };
}

/**
 * Decodes `args` (encoded with `{ instances: true }` when a module is known):
 * library handles revive, user class instances find their class in `module`.
 */
export async function decodeArgs(
  args: unknown,
  module: string | undefined,
  importer?: ObjectImporter,
): Promise<unknown[]> {
  await loadCodecs(args);
  const options = module ? await classesOf(module) : undefined;
  return decodeValue(args, importer, options) as unknown[];
}

/** Rebuilds the instance `init` describes and decodes its arguments. */
export async function rebuildInstance(
  init: InstanceInit,
  args: unknown,
  importer?: ObjectImporter,
): Promise<[object, unknown[]]> {
  await loadCodecs([args, init.fields]);
  const options = await classesOf(init.module);
  const Cls = findClass(options.classes!, init);
  const self = Object.create(Cls.prototype);
  Object.assign(self, decodeValue(init.fields, importer, options));
  return [self, decodeValue(args, importer, options) as unknown[]];
}

async function classesOf(module: string): Promise<DecodeOptions> {
  return { classes: await import(module), module };
}

// deno-lint-ignore no-explicit-any
type Class = { prototype: any };

function findClass(
  mod: Record<string, unknown>,
  { className, module, base }: InstanceInit,
): Class {
  const direct = mod[className];
  if (typeof direct === "function") return direct as unknown as Class;
  const renamed = Object.values(mod).find((value) =>
    typeof value === "function" && value.name === className
  );
  if (renamed) return renamed as unknown as Class;
  throw new TargetError(
    `Cannot run ${className}: ${module} has no exported class named '${className}'. A subclass that overrides run() is rebuilt on the other side from its module's exports, looked up by name: write 'export class ${className} extends ${base}', and pass { module: import.meta.url } to super().`,
  );
}

/** What a Thread's or a Process's default run() calls. */
export interface RunnableRecord {
  /** The target as given (where the object was made). */
  target?: Target;
  /** Its description (all a rebuilt copy knows of it). */
  spec?: TargetSpec;
  args: unknown[];
}

/**
 * The default run() of a Thread or a Process: the target with its
 * arguments. In a subclass's copy rebuilt on the other side (calling
 * super.run()), the target is known only by its description.
 */
export function runTarget(record: RunnableRecord): unknown {
  if (record.target) return record.target(...record.args);
  if (record.spec) {
    return resolveTarget(record.spec).then((fn) => fn(...record.args));
  }
  return undefined;
}
