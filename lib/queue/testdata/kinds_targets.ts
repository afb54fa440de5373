// Thread and child-process targets for lib/queue/queue_kinds_test.ts.

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

/** Puts each item with the blocking twin. */
export function putAll(q: Queue<unknown>, items: unknown[]): void {
  for (const item of items) q.putSync(item);
}

/** Takes `count` items with the blocking twin, marking each done if the queue is joinable; returns them in the order taken. */
export function takeSome(q: Queue<unknown>, count: number): unknown[] {
  const taken: unknown[] = [];
  for (let i = 0; i < count; i++) {
    taken.push(q.getSync({ timeout: 60_000 }));
    if ("taskDone" in q) (q as JoinableQueue<unknown>).taskDone();
  }
  return taken;
}

/** Reports the class this thread received the queue as. */
export function className(q: object): string {
  return q.constructor.name;
}

/** In a child process: puts each item, then waits until the owner has them all. */
export async function putAllRemotely(
  q: RemoteJoinableQueue<unknown>,
  items: unknown[],
  done: RemoteQueue<string>,
): Promise<void> {
  for (const item of items) await q.put(item);
  await done.put("put");
}

/** In a child process: takes `count` items, marking each done, and reports them in the order taken. */
export async function takeSomeRemotely(
  q: RemoteJoinableQueue<unknown>,
  count: number,
  out: RemoteQueue<unknown[]>,
): Promise<void> {
  const taken: unknown[] = [];
  for (let i = 0; i < count; i++) {
    taken.push(await q.get({ timeout: 60_000 }));
    q.taskDone();
  }
  await out.put(taken);
}

/** In a child process: takes `count` items from a SimpleQueue handle. */
export async function takeSimpleRemotely(
  q: RemoteQueue<unknown>,
  count: number,
  out: RemoteQueue<unknown[]>,
): Promise<void> {
  const taken: unknown[] = [];
  for (let i = 0; i < count; i++) taken.push(await q.get({ timeout: 60_000 }));
  await out.put(taken);
}

/** In a child process: iterates with `for await` and stops after the first item, which it reports. */
export async function firstOfLoop(
  q: RemoteQueue<unknown>,
  out: RemoteQueue<unknown>,
): Promise<void> {
  for await (const item of q) {
    await out.put(item);
    break;
  }
}
