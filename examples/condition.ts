// Producer/consumer with a condition variable: a producer thread puts 10
// numbers into a shared buffer of 3 slots, a consumer thread takes them out.
// The producer waits while the buffer is full, the consumer while it is
// empty, and each notifies the other after changing it.
//
//   deno run -A examples/condition.ts
import { Thread } from "@multitask/core/thread";
import { Condition, SharedArray } from "@multitask/core/sync";

const ITEMS = 10;

// The buffer lives in shared memory: `slots` holds the items, `state` its
// head index and how many items it holds.
export interface Buffer {
  cond: Condition;
  slots: SharedArray<"i32">;
  state: SharedArray<"i32">;
}

export function producer({ cond, slots, state }: Buffer): void {
  for (let item = 1; item <= ITEMS; item++) {
    using _ = cond.holdSync(); // Python: with cond:
    cond.waitForSync(() => state.get(1) < slots.length); // wait while full
    slots.set((state.get(0) + state.get(1)) % slots.length, item);
    state.add(1, 1);
    console.log(`produced ${item} (buffer holds ${state.get(1)})`);
    cond.notify();
  }
}

export function consumer({ cond, slots, state }: Buffer): void {
  for (let n = 0; n < ITEMS; n++) {
    using _ = cond.holdSync();
    cond.waitForSync(() => state.get(1) > 0); // wait while empty
    const item = slots.get(state.get(0));
    state.set(0, (state.get(0) + 1) % slots.length);
    state.add(1, -1);
    console.log(`consumed ${item} (buffer holds ${state.get(1)})`);
    cond.notify();
  }
}

if (import.meta.main) {
  const buffer: Buffer = {
    cond: new Condition(),
    slots: new SharedArray("i32", 3),
    state: new SharedArray("i32", 2),
  };
  const threads = [producer, consumer].map((target) =>
    new Thread({ target, module: import.meta.url, args: [buffer] })
  );
  for (const t of threads) t.start();
  for (const t of threads) await t.join();
  console.log("all items consumed");
}
