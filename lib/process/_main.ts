// Entry module of a child Deno started by lib/_process_child.ts. It takes the
// handover variables out of its environment, connects back to the parent's
// control socket, proves it holds the key, and then serves:
//   "invoke" [spec, args] → Outcomes, staying up for more (process pools);
//   "run"    [spec, args] → acknowledges, runs the target, prints its error
//            (Python-style "Process Process-1:" + stack) and exits 0 or 1
//            once its own non-daemon children finished (Process).
// When the control socket closes (parent exited or died), the child exits at
// once unless it is a non-daemon Process still running its target, which
// finishes its work first, as in Python.

import { CHILD_ENVIRONMENT, liveChildren } from "./_child.ts";
// It rebuilds errors, which needs every library error class loaded.
import "../errors/_registry.ts";
import type { RemoteSession } from "../_crossing/session.ts";
import { ReceivedTargets, type TargetSpec } from "../_crossing/target.ts";
import {
  capture,
  errorAt,
  invoke,
  type Outcomes,
  returnedAt,
} from "../_crossing/outcome.ts";
import {
  decodeArgs,
  type InstanceInit,
  rebuildInstance,
} from "../_crossing/rebuild.ts";
import { adoptRebuilt } from "./_state.ts";
import { drainUndelivered } from "../_crossing/codec.ts";
import { exitNow, onEscape, setParentChannel } from "../_crossing/entry.ts";
import { openSession } from "../_crossing/opener.ts";

const [KEY, SOCKET, NAME, DAEMON, FRAME] = CHILD_ENVIRONMENT.map((name) => {
  const value = Deno.env.get(name);
  Deno.env.delete(name);
  return value;
});

if (!KEY || !SOCKET || !NAME) {
  Deno.stderr.writeSync(
    new TextEncoder().encode(
      "This module is started by multitask's Process and Pool; it cannot be run directly.\n",
    ),
  );
  Deno.exit(2);
}

const daemon = DAEMON === "1";
// An error that escapes the target (thrown from a timer, a rejection nobody
// handled) ends the child as one it threw does (a pool child replaces this).
onEscape((error) => {
  report((error as Error)?.stack ?? String(error));
  exitNow(1);
});
(globalThis as Record<symbol, unknown>)[Symbol.for("multitask.process")] = {
  name: NAME,
  daemon,
};

let running = false;
const key = Uint8Array.from(KEY.match(/../g)!, (byte) => parseInt(byte, 16));
// If the parent is already gone there is nobody to report to.
const conn = await Deno.connect({ transport: "unix", path: SOCKET }).catch(
  () => {
    // Leave no socket dir behind a parent that died before we connected.
    try {
      Deno.removeSync(SOCKET.slice(0, SOCKET.lastIndexOf("/")), {
        recursive: true,
      });
    } catch {
      // Not ours to remove (narrowed permissions) or already gone.
    }
    return Deno.exit(1);
  },
);
const session: RemoteSession = await openSession(conn, key, {
  side: "client",
  maxFrameSize: Number(FRAME) || undefined,
  rawMethods: ["run", "invoke"],
  handler(method, params) {
    if (method === "invoke") {
      const [ref, args] = params as [number | [number, TargetSpec], unknown];
      return serveInvoke(specFor(ref), args);
    }
    if (method === "run") {
      const [spec, args, instance] = params as [
        TargetSpec | null,
        unknown,
        InstanceInit | null,
      ];
      return start(spec, args, instance ?? null);
    }
    throw new Error(`Unknown request '${method}' from the parent process.`);
  },
}).catch(() => Deno.exit(1));
setParentChannel({
  exporter: session.table,
  written: () => session.peer.frames.flush(),
  notify: (method, params) =>
    session.peer.notify(
      method,
      session.prepare(params, (reason) => `Cannot send '${method}': ${reason}`),
    ),
});

// Targets the parent defined, by id (see Child.invoke). Raw params reach
// the handler synchronously, in arrival order, so a definition is always
// registered before a later call names it.
const targets = new ReceivedTargets();

function specFor(ref: number | [number, TargetSpec]): TargetSpec {
  if (typeof ref !== "number") targets.define(ref);
  return targets.get(typeof ref === "number" ? ref : ref[0])!.spec;
}

async function serveInvoke(
  spec: TargetSpec,
  args: unknown,
): Promise<Outcomes> {
  const decoded = Array.isArray(args) && !hasObjects(args)
    ? args
    : await session.decode(args);
  return await invoke(spec, decoded as unknown[]);
}

// Plain arguments (numbers, strings) need no decoding walk.
function hasObjects(args: unknown[]): boolean {
  for (const arg of args) {
    if (arg !== null && typeof arg === "object") return true;
  }
  return false;
}

session.closed.then(() => {
  if (!running || daemon) Deno.exit(0);
});

function start(
  spec: TargetSpec | null,
  args: unknown,
  instance: InstanceInit | null,
): void {
  running = true;
  // Acknowledge first; the target's whole life is the child's.
  setTimeout(() => runToExit(spec, args, instance));
}

// The target with its args, or a Process subclass's run() on the instance
// rebuilt here, as a Thread subclass is in its worker.
async function runTarget(
  spec: TargetSpec | null,
  args: unknown,
  instance: InstanceInit | null,
): Promise<Outcomes> {
  if (!instance) {
    const module = spec!.kind === "export" ? spec!.module : undefined;
    return invoke(spec!, await decodeArgs(args, module, session.importer));
  }
  const [self, decoded] = await rebuildInstance(
    instance,
    args,
    session.importer,
  );
  adoptRebuilt(self, spec, decoded, daemon);
  return capture(() => (self as { run(): unknown }).run());
}

async function runToExit(
  spec: TargetSpec | null,
  args: unknown,
  instance: InstanceInit | null,
): Promise<void> {
  let code = 0;
  try {
    const out = await runTarget(spec, args, instance);
    if (!returnedAt(out, 0)) {
      code = 1;
      const error = errorAt(out, 0);
      report(error.stack || `${error.name}: ${error.message}`);
    }
  } catch (error) {
    code = 1;
    report((error as Error)?.stack ?? String(error));
  }
  await Promise.all(
    liveChildren().filter((c) => !c.daemon).map((c) => c.status),
  );
  // Like Python's queue feeder threads joined at exit: what the target sent
  // (a Queue handle's batched puts) reaches the parent before we go.
  await drainUndelivered();
  await session.peer.frames.flush().catch(() => {});
  Deno.exit(code);
}

function report(text: string): void {
  Deno.stderr.writeSync(
    new TextEncoder().encode(`Process ${NAME}:\n${text}\n`),
  );
}
