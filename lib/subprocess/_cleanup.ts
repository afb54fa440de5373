// Commands started with `cleanup` (the default) die with this process.
//
// What Deno does by itself (Deno 2.9, measured by _cleanup_test.ts): when the
// program ends or calls Deno.exit(), its children keep running; when an
// uncaught error ends it, Deno SIGKILLs the children it started without
// `detached` (dropping their resources), but not the `detached` ones, which
// is how a command in its own session is started. A signal that kills this
// process gives no JavaScript a chance to run.
//
// So the library rests on the `unload` event, which Deno dispatches when the
// program ends and on Deno.exit() from any thread: it SIGKILLs every tracked
// command that still runs, and its group when it leads one. No process is
// started for this and no signal handler installed (a handler would change
// what SIGINT and SIGTERM do to the user's program).

/** What is needed to kill a command: the child, and whether it leads a group. */
export interface Killable {
  child: Deno.ChildProcess;
  group: boolean;
}

interface Registry {
  live: Set<Killable>;
  listening: boolean;
}

// Shared across copies of this module (an import map may load two), so that
// one listener sees every command.
const registry: Registry = ((globalThis as Record<symbol, unknown>)[
  Symbol.for("multitask.subprocess.cleanup")
] ??= { live: new Set(), listening: false }) as Registry;

/** Kills `started` if this process exits before it does. */
export function track(started: Killable): void {
  if (!registry.listening) {
    registry.listening = true;
    globalThis.addEventListener("unload", killAll);
  }
  registry.live.add(started);
  started.child.status.then(
    () => registry.live.delete(started),
    () => registry.live.delete(started),
  );
}

function killAll(): void {
  for (const started of registry.live) {
    try {
      if (started.group) Deno.kill(-started.child.pid, "SIGKILL");
      else started.child.kill("SIGKILL");
    } catch {
      // Exited meanwhile: nothing left to kill.
    }
  }
  registry.live.clear();
}
