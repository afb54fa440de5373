// Which functions a Redis pool worker agrees to run: exports of the modules
// it was started with (--module), and shipped source only with
// --allow-source. A task names its module by the caller's URL; on another
// machine the same file usually lives elsewhere, so a module the worker does
// not have under that URL is matched by file name among its own. Either way
// the worker imports only its own modules: the task chooses among them, it
// never adds one.

import type { TargetSpec } from "../_crossing/target.ts";

/** What the worker was started with. */
export interface TargetRules {
  id: string;
  modules: string[];
  allowSource: boolean;
}

/** The worker's allow-list. */
export class Targets {
  readonly #rules: TargetRules;
  readonly #exact: Set<string>;
  readonly #byFile = new Map<string, string[]>();

  constructor(rules: TargetRules) {
    this.#rules = rules;
    this.#exact = new Set(rules.modules);
    for (const module of rules.modules) {
      const file = fileName(module);
      this.#byFile.set(file, [...this.#byFile.get(file) ?? [], module]);
    }
  }

  /** Imports each module once, so that a wrong --module fails at start, not at the first task. */
  static async check(modules: string[]): Promise<void> {
    for (const module of modules) {
      try {
        await import(module);
      } catch (error) {
        throw new TypeError(
          `Cannot start the worker as its --module ${module} cannot be imported: ${
            (error as Error).message
          }`,
          { cause: error },
        );
      }
    }
  }

  /** The spec to run (on this worker's own module), or why it is refused. */
  resolve(spec: TargetSpec): TargetSpec | string {
    const { id, modules, allowSource } = this.#rules;
    if (spec.kind === "source") {
      if (allowSource) return spec;
      return `Worker ${id} refuses to run a function shipped as source: it runs only exports of its --module (${
        modules.join(", ")
      }). Export the function from one of them and pass { module } to the pool, or start the worker with --allow-source (then anyone holding the authkey may run any code on it).`;
    }
    if (this.#exact.has(spec.module)) return spec;
    const same = this.#byFile.get(fileName(spec.module)) ?? [];
    if (same.length === 1) return { ...spec, module: same[0] };
    return `Worker ${id} refuses to run '${spec.name}' of ${spec.module}: it runs only exports of the modules it was started with (${
      modules.join(", ")
    }). Start the worker with --module pointing at that file${
      same.length > 1 ? " (several of its modules have that file name)" : ""
    }.`;
  }
}

function fileName(module: string): string {
  return new URL(module).pathname.split("/").pop() ?? module;
}

/** A refused task's error, as the caller rebuilds it: a TargetError with `message`. */
export function targetRefusal(
  message: string,
): { name: string; message: string } {
  return { name: "TargetError", message };
}
