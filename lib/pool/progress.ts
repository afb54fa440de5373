// progress(): a task's way to tell its caller how far it got. The pool
// worker running the task installs the reporter under a global symbol (so
// that a second copy of this module, loaded by another URL, finds it too).

const REPORTER = Symbol.for("@multitask/core/pool.progress");

type ProgressReporter = (value: unknown) => void;

/**
 * Reports `value` from inside a pool task to the caller's
 * `apply(fn, args, { onProgress })`, which receives every value in order,
 * before the task's promise settles. Thread and process pools; values cross
 * like results (plain data, library objects), and one that cannot throws a
 * TypeError here. Where nobody listens it does nothing: outside a pool
 * worker, in a task applied without `onProgress` (a map's items too), and on
 * a redis pool's workers. The task's function must be an export of a module
 * (a self-contained function shipped as source cannot import it).
 *
 * @param value What to tell the caller: a number, a string, an object...
 *
 * @example Report how far a long task got
 * ```ts
 * import { progress } from "@multitask/core";
 *
 * export function countTo(n: number): number {
 *   for (let i = 1; i <= n; i++) progress(i / n); // 0.25, 0.5, 0.75, 1
 *   return n;
 * }
 *
 * console.log(countTo(4)); // 4 (outside a pool, progress() does nothing)
 * ```
 */
export function progress(value: unknown): void {
  const report = (globalThis as { [REPORTER]?: ProgressReporter })[REPORTER];
  if (report !== undefined) report(value);
}
