/**
 * Python's `concurrent.futures` helpers over any promises:
 * {@linkcode asCompleted} yields them in the order they settle, and
 * {@linkcode wait} returns once the first, the first failing, or all of them
 * have, with the `done` and `pending` Sets. Pool tasks are promises, so both
 * work on them; cancelling the pending ones stays their `signal`'s job.
 *
 * @example Results of pool tasks as they complete
 * ```ts
 * import { asCompleted, wait } from "@multitask/core/futures";
 * import { Pool } from "@multitask/core/pool";
 *
 * await using pool = new Pool({ size: 2 });
 * const tasks = [3, 1, 2].map((n) => pool.apply((x: number) => x * x, [n]));
 * for await (const done of asCompleted(tasks)) {
 *   if (done.status === "fulfilled") console.log(done.value); // 9, 1, 4 in the order they finish
 * }
 *
 * const { done, pending } = await wait(tasks, { returnWhen: "ALL_COMPLETED" });
 * console.log(done.size, pending.size); // 3 0
 * ```
 *
 * @module
 */

export {
  asCompleted,
  type AsCompletedOptions,
  type Completed,
} from "./as_completed.ts";
export {
  type DoneAndPending,
  type FuturesWaitOptions,
  type ReturnWhen,
  wait,
} from "./wait.ts";
