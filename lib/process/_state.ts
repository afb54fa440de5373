// What a Process object knows about itself. It lives in a WeakMap keyed by
// the object rather than in #private fields because a Process subclass is
// rebuilt inside its child with Object.create (its constructor must not run
// twice), and #private fields cannot be added to an object after
// construction; the child's entry fills the map for the rebuilt instance.

import type { Child } from "./_child.ts";
import type { Target, TargetSpec } from "../_crossing/target.ts";
import type { ProcessPermissions } from "./process.ts";

/** Everything a Process object knows about itself. */
export interface ProcessRecord {
  /** The target as given (parent side). */
  target?: Target;
  spec?: TargetSpec;
  /** The module exporting the target or the subclass. */
  module?: string;
  args: unknown[];
  permissions: ProcessPermissions;
  daemon: boolean;
  child: Child | null;
  exitCode: number | null;
  failure: Error | null;
  /** This is the copy a subclass's child rebuilt of it, running its run(). */
  rebuilt?: boolean;
}

export const records: WeakMap<object, ProcessRecord> = new WeakMap();

/** Makes `self`, rebuilt in its child, the Process it was in the parent. */
export function adoptRebuilt(
  self: object,
  spec: TargetSpec | null,
  args: unknown[],
  daemon: boolean,
): void {
  records.set(self, {
    spec: spec ?? undefined,
    args,
    permissions: "inherit",
    daemon,
    child: null,
    exitCode: null,
    failure: null,
    rebuilt: true,
  });
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSTKFLT: 16,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGXCPU: 24,
  SIGXFSZ: 25,
  SIGVTALRM: 26,
  SIGPROF: 27,
  SIGWINCH: 28,
  SIGIO: 29,
  SIGPWR: 30,
  SIGSYS: 31,
};

/** Python's exitcode: the code, or minus the number of the signal that killed it. */
export function exitCodeOf(status: Deno.CommandStatus): number {
  return status.signal ? -(SIGNALS[status.signal] ?? 128) : status.code;
}
