// Entry point of every Thread's worker. It receives one ThreadInit, becomes
// that thread (currentThread() reports its name and ident), revives the
// arguments' library handles, runs the target or the subclass's run(), and
// reports the outcome. Once the thread's own non-daemon threads have
// finished too, it says "idle" and the parent terminates the worker.

import { beforeExit, onEscape } from "../_crossing/entry.ts";
import { connectParent } from "../_crossing/parent_port.ts";
import {
  capture,
  type Outcomes,
  repairUnsendable,
  setThrew,
} from "../_crossing/outcome.ts";
import { resolveTarget } from "../_crossing/target.ts";
import { decodeArgs, rebuildInstance } from "../_crossing/rebuild.ts";
import {
  alive,
  enterThread,
  records,
  type ThreadInit,
  type ThreadReport,
} from "./_state.ts";

const port = await connectParent();
let reported = false;

// An error the target did not await (a throwing timer, a rejected promise
// nobody handled) ends the thread like an error it threw, unless the thread
// has already finished.
onEscape((error) => {
  if (reported) return;
  const out: Outcomes = [];
  setThrew(out, 0, error);
  report(out);
  post({ t: "idle" });
});
// Deno.exit in a thread ends the thread only (the port tells the parent).
beforeExit(() => (reported = true));

port.listen(async (message) => {
  const init = message as ThreadInit;
  enterThread(init.identity, init.counters);
  const out = await run(init);
  if (reported) return;
  report(out);
  await nonDaemonChildren();
  post({ t: "idle" });
});

// The target with its args, or a subclass's run() on the instance rebuilt
// here (as a Process subclass is in its child).
function run(init: ThreadInit): Promise<Outcomes> {
  return capture(async () => {
    if (!init.subclass) {
      const spec = init.spec!;
      const module = spec.kind === "export" ? spec.module : undefined;
      const args = await decodeArgs(init.args, module);
      return (await resolveTarget(spec))(...args);
    }
    const [self, args] = await rebuildInstance(init.subclass, init.args);
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
    return (self as { run(): unknown }).run();
  }, init.spec);
}

async function nonDaemonChildren(): Promise<void> {
  while (true) {
    const waiting = [...alive].map((thread) => records.get(thread)!)
      .filter((record) => !record.daemon);
    if (waiting.length === 0) return;
    await Promise.all(waiting.map((record) => record.finished.promise));
  }
}

// A value that cannot be cloned back fails the thread with the error every
// kind of worker gives for it (Thread.excepthook reports it).
function report(out: Outcomes): void {
  reported = true;
  try {
    post({ t: "done", out });
  } catch {
    repairUnsendable(out);
    post({ t: "done", out });
  }
}

function post(report: ThreadReport): void {
  port.post(report);
}
