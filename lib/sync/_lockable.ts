// What Condition needs from the lock it wraps, without reaching into its
// private fields: Lock and RLock each register these operations once.

import type { Steps } from "./_wait.ts";

/** The internal protocol a lock offers to Condition (Python's _release_save/_acquire_restore). */
export interface LockOps<L extends object = object> {
  /** True when the calling thread may wait/notify (held; for RLock: held by this thread). */
  owned(lock: L): boolean;
  /** Blocks until acquired (or the deadline passes: false). */
  acquireSteps(lock: L, deadline: number): Steps<boolean>;
  /** Releases completely and returns what restore needs (RLock: its recursion depth). */
  releaseSave(lock: L): number;
  /** After acquireSteps succeeded, puts the saved state back. */
  restore(lock: L, saved: number): void;
}

const byClass = new Map<abstract new (...args: never[]) => object, LockOps>();

/** Called once per lock class at module load. */
export function registerLockOps<L extends object>(
  type: abstract new (...args: never[]) => L,
  ops: LockOps<L>,
): void {
  byClass.set(type, ops as unknown as LockOps);
}

/** The operations for `lock`, or undefined when it is not a library lock. */
export function lockOpsOf(lock: object): LockOps | undefined {
  for (const [type, ops] of byClass) if (lock instanceof type) return ops;
  return undefined;
}
