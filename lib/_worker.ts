// Entry point of every Thread's worker. It receives one ThreadInit, becomes
// that thread (currentThread() reports its name and ident), revives the
// arguments' library handles, runs the target or the subclass's run(), and
// reports the outcome. Once the thread's own non-daemon threads have
// finished too, it says "idle" and the parent terminates the worker.

import { parentPort } from "node:worker_threads";
import { serializeError } from "./_errors.ts";
import { invoke, type Outcome, TargetError } from "./_target.ts";
import { type DecodeOptions, decodeValue, loadCodecs } from "./_transfer.ts";
import {
  alive,
  enterThread,
  records,
  type ThreadInit,
  type ThreadReport,
} from "./_thread_state.ts";

const port = parentPort!;

port.once("message", async (init: ThreadInit) => {
  enterThread(init.identity, init.counters);
  const outcome = await run(init);
  post({ kind: "done", outcome });
  await nonDaemonChildren();
  post({ kind: "idle" });
});

async function run(init: ThreadInit): Promise<Outcome> {
  try {
    await loadCodecs([init.args, init.subclass?.fields]);
    const module = init.subclass?.module ??
      (init.spec?.kind === "export" ? init.spec.module : undefined);
    const options = module
      ? { classes: await import(module), module }
      : undefined;
    const args = decodeValue(init.args, undefined, options) as unknown[];
    if (!init.subclass) return await invoke(init.spec!, args);
    const self = rebuild(init, args, options!);
    return { ok: true, value: await (self as { run(): unknown }).run() };
  } catch (error) {
    return { ok: false, error: serializeError(error) };
  }
}

// The subclass instance is rebuilt from its module's export without running
// its constructor again; its data fields arrive structured-cloned.
function rebuild(
  init: ThreadInit,
  args: unknown[],
  options: DecodeOptions,
): object {
  const { module, className, fields } = init.subclass!;
  const Cls = findClass(options.classes!, className, module);
  const self = Object.create(Cls.prototype);
  Object.assign(self, decodeValue(fields, undefined, options));
  records.set(self, {
    name: init.identity.name,
    daemon: init.identity.daemon,
    ident: init.identity.ident,
    spec: init.spec,
    args,
    phase: "running",
    joiners: 0,
    finished: Promise.withResolvers<void>(),
  });
  return self;
}

// deno-lint-ignore no-explicit-any
type Class = { prototype: any };

function findClass(
  mod: Record<string, unknown>,
  className: string,
  module: string,
): Class {
  const direct = mod[className];
  if (typeof direct === "function") return direct as unknown as Class;
  const renamed = Object.values(mod).find((value) =>
    typeof value === "function" && value.name === className
  );
  if (renamed) return renamed as unknown as Class;
  throw new TargetError(
    `Cannot run ${className}: ${module} has no exported class named '${className}'. A Thread subclass runs in a worker that imports its module and looks the class up by name: write 'export class ${className} extends Thread', and call super({ module: import.meta.url }) in its constructor.`,
  );
}

async function nonDaemonChildren(): Promise<void> {
  while (true) {
    const waiting = [...alive].map((thread) => records.get(thread)!)
      .filter((record) => !record.daemon);
    if (waiting.length === 0) return;
    await Promise.all(waiting.map((record) => record.finished.promise));
  }
}

function post(report: ThreadReport): void {
  try {
    port.postMessage(report);
  } catch {
    // The result cannot be cloned: like Python, a thread's return value is
    // not the point; report success without it.
    port.postMessage({ kind: "done", outcome: { ok: true, value: undefined } });
  }
}
