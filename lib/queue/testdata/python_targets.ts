// Thread and child-process targets for lib/queue/from_python_test.ts.

import { runAllIn } from "../../sync/testdata/targets.ts";
import type { JoinableQueue, Queue } from "../queue.ts";
import type { RemoteJoinableQueue, RemoteQueue } from "../remote_queue.ts";

/** Starts one thread per argument list on an export of this module and returns their results. */
export function runAll(
  target: (...args: never[]) => unknown,
  argLists: unknown[][],
): Promise<unknown[]> {
  return runAllIn(import.meta.url, target, argLists);
}

/** Puts with the blocking twin and names the outcome: "put", or the error's name. */
export function putOutcome(q: Queue<unknown>, item: unknown): string {
  try {
    q.putSync(item, { timeout: 60_000 });
    return "put";
  } catch (error) {
    return (error as Error).name;
  }
}

/** Gets with the blocking twin and names the outcome: "got <item>", or the error's name. */
export function getOutcome(q: Queue<unknown>): string {
  try {
    return `got ${q.getSync({ timeout: 60_000 })}`;
  } catch (error) {
    return (error as Error).name;
  }
}

/** Sets the queue's item limit from this thread (or process). */
export function setMaxsize(q: Queue<unknown>, maxsize: number): void {
  q.maxsize = maxsize;
}

/** Puts `count` numbers from `from` on, with the blocking twin. */
export function putRange(q: Queue<number>, from: number, count: number): void {
  for (let i = from; i < from + count; i++) q.putSync(i);
}

/** Takes `count` items, marking each done; returns their sum. */
export function takeAndMarkDone(
  q: JoinableQueue<number>,
  count: number,
): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    sum += q.getSync();
    q.taskDone();
  }
  return sum;
}

/** Waits in joinSync() and says so. */
export function joinOutcome(q: JoinableQueue<unknown>): string {
  q.joinSync();
  return "joined";
}

/** In a child process: closes the parent's queue at once, dropping what is left. */
export function closeImmediately(q: RemoteQueue<unknown>): void {
  q.close({ immediate: true });
}

/** In a child process: changes the item limit of the parent's queue, and reports how it went. */
export async function changeMaxsize(
  q: RemoteQueue<unknown>,
  maxsize: number,
  report: RemoteQueue<string>,
): Promise<void> {
  const outcome = await q.setMaxsize(maxsize).then(
    () => "set",
    (error: Error) => `${error.name}: ${error.message}`,
  );
  await report.put(outcome);
}

/** In a child process: takes `count` items, marking each done. */
export async function takeAndMarkDoneRemotely(
  q: RemoteJoinableQueue<number>,
  count: number,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    await q.get();
    q.taskDone();
  }
}

/** In a child process: a put that waits on a full queue; reports how it ended. */
export async function putAndReport(
  q: RemoteQueue<string>,
  report: RemoteQueue<string>,
  item: string,
): Promise<void> {
  const outcome = await q.put(item).then(
    () => "put",
    (error: Error) => error.name,
  );
  await report.put(outcome);
}
