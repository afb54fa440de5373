// The Python tutorial's `balance` race: two threads each deposit and withdraw the same
// amount a million times (balance += n; balance -= n). Without a lock their
// read-modify-write steps interleave and updates are lost, so the balance
// that should end at 0 drifts; with a Lock around change_it it is exact.
//
//   deno run -A examples/bank_race.ts
//
// Unlike CPython, Deno has no GIL: the two workers really run at the same
// time on two cores. A Barrier releases them together, so they overlap for
// the whole loop rather than one finishing before the other has started.
import { Thread } from "@multitask/core/thread";
import { Barrier, Lock, Value } from "@multitask/core/sync";

// The shared balance is a Value: an i32 in shared memory. Each `.value`
// read or write is atomic on its own, but `balance = balance + n` is a read
// then a write, and another thread can write in between.
export function changeIt(balance: Value<"i32">, n: number): void {
  balance.value = balance.value + n;
  balance.value = balance.value - n;
}

export function runThread(
  balance: Value<"i32">,
  n: number,
  start: Barrier,
  times: number,
): void {
  start.waitSync();
  for (let i = 0; i < times; i++) changeIt(balance, n);
}

export function runThreadLocked(
  balance: Value<"i32">,
  n: number,
  start: Barrier,
  times: number,
  lock: Lock,
): void {
  start.waitSync();
  for (let i = 0; i < times; i++) {
    lock.acquireSync(); // first get the lock
    try {
      changeIt(balance, n); // change it safely
    } finally {
      lock.release(); // and always release it
    }
  }
}

async function race(locked: boolean, times: number): Promise<number> {
  const balance = new Value("i32", 0);
  const start = new Barrier(2);
  const lock = new Lock();
  const threads = [5, 8].map((n) =>
    new Thread({
      target: locked ? runThreadLocked : runThread,
      module: import.meta.url,
      args: [balance, n, start, times, lock],
    })
  );
  for (const t of threads) t.start();
  for (const t of threads) await t.join();
  return balance.value;
}

if (import.meta.main) {
  const unlocked = await race(false, 1_000_000);
  console.log(
    `without a lock: balance = ${unlocked}` +
      (unlocked === 0
        ? " (no update was lost this time)"
        : " (should be 0: updates were lost)"),
  );
  const locked = await race(true, 100_000);
  console.log(`with a lock: balance = ${locked}`);
}
