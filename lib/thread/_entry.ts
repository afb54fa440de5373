// Entry point of every Thread's worker. It receives one ThreadInit, becomes
// that thread (currentThread() reports its name and ident), revives the
// arguments' library handles, runs the target or the subclass's run(), and
// reports the outcome. Once the thread's own non-daemon threads have
// finished too, it says "idle" and the parent terminates the worker.

import { serializeError } from "../_crossing/errors.ts";
import { invoke, type Outcome, TargetError } from "../_crossing/target.ts";
import {
  type DecodeOptions,
  decodeValue,
  loadCodecs,
} from "../_crossing/codec.ts";
import {
  alive,
  enterThread,
  records,
  type ThreadInit,
  type ThreadReport,
} from "./_state.ts";

interface ParentPort {
  once(listener: (message: unknown) => void): void;
  post(message: unknown): void;
}

// A Web Worker has `self`; a node:worker_threads Worker (the fallback, see
// _worker_port.ts) talks through parentPort instead.
async function connect(): Promise<ParentPort> {
  if (typeof globalThis.self !== "undefined") {
    const scope = globalThis as unknown as {
      addEventListener(
        type: "message",
        listener: (event: MessageEvent) => void,
        options: AddEventListenerOptions,
      ): void;
      postMessage(message: unknown): void;
    };
    return {
      once: (listener) =>
        scope.addEventListener("message", (event) => listener(event.data), {
          once: true,
        }),
      post: (message) => scope.postMessage(message),
    };
  }
  const { parentPort } = await import("node:worker_threads");
  return {
    once: (listener) => parentPort!.once("message", listener),
    post: (message) => parentPort!.postMessage(message),
  };
}

const port = await connect();
let reported = false;

// An error the target did not await (a throwing timer, a rejected promise
// nobody handled) ends the thread like an error it threw, unless the thread
// has already finished.
globalThis.addEventListener("error", (event) => {
  event.preventDefault();
  fail(event.error);
});
globalThis.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  fail(event.reason);
});

function fail(error: unknown): void {
  if (reported) return;
  post({ kind: "done", outcome: { ok: false, error: serializeError(error) } });
  post({ kind: "idle" });
}

port.once(async (message) => {
  const init = message as ThreadInit;
  enterThread(init.identity, init.counters);
  const outcome = await run(init);
  if (reported) return;
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
  if (report.kind === "done") reported = true;
  try {
    port.post(report);
  } catch {
    // The result cannot be cloned: like Python, a thread's return value is
    // not the point; report success without it.
    port.post({ kind: "done", outcome: { ok: true, value: undefined } });
  }
}
