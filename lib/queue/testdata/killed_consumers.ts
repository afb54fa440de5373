// Consumers for lib/queue/killed_consumers_test.ts, run in child processes
// the test kills while they are blocked in get(): one takes the parent's
// queue passed to it, the other the same queue through a Manager.

import { Manager } from "../../manager/manager.ts";
import { QueueClosed } from "../queue.ts";
import type { RemoteJoinableQueue, RemoteQueue } from "../remote_queue.ts";

/** What a consumer tells the parent: who, and the item it took last (-1: none yet). */
export type Report = [who: string, last: number];

/**
 * Takes items until the queue closes. Each report goes out after the next
 * get() on the same ordered channel, and is acknowledged by the owner, so
 * once the parent has a report, that get is at the owner and the item
 * reported is recorded there (nothing but the report records it).
 */
async function consume(
  items: RemoteJoinableQueue<number>,
  status: RemoteQueue<Report>,
  who: string,
): Promise<void> {
  let last = -1;
  for (;;) {
    const next = items.get();
    next.catch(() => {}); // awaited below; it may settle while the report travels
    await status.put([who, last], { timeout: 60_000 });
    try {
      last = await next;
    } catch (error) {
      if (error instanceof QueueClosed) return;
      throw error;
    }
    items.taskDone();
  }
}

/** A child process's consumer of its parent's queue. */
export async function consumeFromParent(
  items: RemoteJoinableQueue<number>,
  status: RemoteQueue<Report>,
  who: string,
): Promise<void> {
  await consume(items, status, who);
}

/** A manager client's consumer of the manager's "items" queue. */
export async function consumeFromManager(
  port: number,
  authkey: string,
  who: string,
): Promise<void> {
  await using client = await Manager.connect({ port, authkey });
  await consume(
    client.joinableQueue<number>("items"),
    client.queue<Report>("status"),
    who,
  );
}
