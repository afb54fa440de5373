// Targets run in worker threads and child processes by lib/queue_test.ts
// and lib/pipe_test.ts.

import {
  Empty,
  type JoinableQueue,
  type Queue,
  QueueClosed,
} from "../queue.ts";
import type { Connection } from "../pipe.ts";
import { RemoteQueue } from "../remote_queue.ts";

/** Puts 0..n-1 with the blocking twin, then `"end"`. */
export function produceSync(q: Queue<number | string>, n: number): void {
  for (let i = 0; i < n; i++) q.putSync(i);
  q.putSync("end");
}

/** Takes items with getSync until `"end"` and reports what it saw on `out`. */
export function consumeSync(
  q: Queue<number | string>,
  out: Queue<number[]>,
): void {
  const seen: number[] = [];
  for (;;) {
    const item = q.getSync();
    if (item === "end") break;
    seen.push(item as number);
  }
  out.putSync(seen);
}

/** Takes n items, marking each done. */
export function workSync(q: JoinableQueue<number>, n: number): void {
  for (let i = 0; i < n; i++) {
    q.getSync();
    q.taskDone();
  }
}

/** Tries getSync on the main thread of the worker's own view: reports the error name. */
export function tryBlocking(q: Queue<number>, out: Queue<string>): void {
  try {
    q.getSync({ timeout: 0 });
    out.putSync("no error");
  } catch (error) {
    out.putSync((error as Error).name);
  }
}

/** Async producer for child processes: 0..n-1 in order. */
export async function produce(q: Queue<number>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await q.put(i);
}

/** Puts `count` items, announces it on `status`, then hangs (to be killed). */
export async function putThenHang(
  q: Queue<string>,
  status: Queue<string>,
  count: number,
): Promise<void> {
  for (let i = 0; i < count; i++) await q.put(`item ${i}`);
  await status.put("ready", { timeout: 10_000 });
  await new Promise(() => setInterval(() => {}, 1000));
}

/** Waits on q.get() for an item that never comes (to be killed while waiting). */
export async function getForever(
  q: Queue<string>,
  status: Queue<string>,
): Promise<void> {
  // The get is issued before the announcement, on the same ordered channel.
  const pending = q.get();
  await status.put("waiting", { timeout: 10_000 });
  await pending;
}

/** Reports how the library's errors look on a queue handle in a child process. */
export async function remoteErrors(
  q: RemoteQueue<unknown>,
  out: RemoteQueue<string>,
): Promise<void> {
  const report: string[] = [];
  try {
    await q.put(() => 1);
  } catch (error) {
    report.push(`put: ${(error as Error).name}`);
  }
  try {
    await q.get({ timeout: 10 });
  } catch (error) {
    report.push(`get: ${error instanceof Empty} ${(error as Error).name}`);
  }
  report.push(`handle: ${q instanceof RemoteQueue} ${"qsize" in q}`);
  await out.put(report.join("; "));
}

/** Takes one job from a JoinableQueue in a child process and marks it done. */
export async function takeJob(
  q: JoinableQueue<string>,
  done: Queue<string>,
): Promise<void> {
  const job = await q.get();
  q.taskDone();
  await done.put(`took ${job}`);
}

/** Echoes what arrives on a connection, upper-cased, until EOF (blocking twins). */
export function echoSync(conn: Connection<string>): void {
  for (;;) {
    let message: string;
    try {
      message = conn.recvSync();
    } catch {
      break;
    }
    conn.send(message.toUpperCase());
  }
  conn.close();
}

/** Async echo for child processes. */
export async function echo(conn: Connection<string>): Promise<void> {
  for (;;) {
    let message: string;
    try {
      message = await conn.recv();
    } catch {
      break;
    }
    conn.send(message.toUpperCase());
  }
  conn.close();
}

/** Sends n numbers then closes. */
export function sendNumbers(conn: Connection<number>, n: number): void {
  for (let i = 0; i < n; i++) conn.send(i);
  conn.close();
}

/** Puts into a queue its owner already closed; reports the error's class name. */
export async function putIntoClosed(
  q: Queue<string>,
  out: Queue<string>,
): Promise<void> {
  try {
    await q.put("too late");
    await out.put("no error");
  } catch (error) {
    await out.put(`${error instanceof QueueClosed} ${(error as Error).name}`);
  }
}

/** Iterates a queue until it is closed; reports how many items came and whether in order. */
export async function iterateAll(
  q: Queue<number>,
  out: Queue<string>,
): Promise<void> {
  let n = 0, ordered = true;
  for await (const item of q) {
    if (item !== n) ordered = false;
    n++;
  }
  await out.put(`${n} ${ordered}`);
}

/** Takes three items with for await, then stops early. */
export async function takeThree(
  q: Queue<number>,
  out: Queue<string>,
): Promise<void> {
  const seen: number[] = [];
  for await (const item of q) {
    seen.push(item);
    if (seen.length === 3) break;
  }
  await out.put(seen.join(","));
}

/** Waits in recv() on the parent's end, announcing it on `status` (to be killed). */
export async function recvForever(
  conn: Connection<string>,
  status: Queue<string>,
): Promise<void> {
  // The recv is issued before the announcement, on the same ordered channel.
  const pending = conn.recv();
  await status.put("waiting", { timeout: 10_000 });
  await pending;
}
