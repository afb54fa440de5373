// Child-process side of bench/queue_bench.ts.
import type { Queue } from "../lib/queue/queue.ts";

/** For each n taken from ctrl, puts 0..n-1 into q; stops at a negative n. */
export async function serveBatches(
  ctrl: Queue<number>,
  q: Queue<number>,
): Promise<void> {
  for (;;) {
    const n = await ctrl.get();
    if (n < 0) return;
    for (let i = 0; i < n; i++) await q.put(i);
  }
}

/** For each n taken from ctrl, gets n items from q (one call each) and reports on done. */
export async function drainBatches(
  ctrl: Queue<number>,
  q: Queue<number>,
  done: Queue<number>,
): Promise<void> {
  for (;;) {
    const n = await ctrl.get();
    if (n < 0) return;
    for (let i = 0; i < n; i++) await q.get();
    await done.put(n);
  }
}

/** Like drainBatches, but takes the n items with `for await` (batched fetches). */
export async function drainIterating(
  ctrl: Queue<number>,
  q: Queue<number>,
  done: Queue<number>,
): Promise<void> {
  for (;;) {
    const n = await ctrl.get();
    if (n < 0) return;
    let seen = 0;
    for await (const _ of q) if (++seen === n) break;
    await done.put(n);
  }
}
