// The Python tutorial's Lock over a global counter: 5 threads each add 1 to `num`
// 10000 times, taking the lock around every increment; the total is exactly
// 50000.
//
//   deno run -A examples/lock_counter.ts
//
// Threads share no JavaScript variables, so the global `num` is a Value in
// shared memory, passed to each thread with the Lock.
import { currentThread, Thread } from "@multitask/core/thread";
import { Lock, Value } from "@multitask/core/sync";

export function calc(num: Value<"i32">, lock: Lock): void {
  console.log(`thread ${currentThread().name} is running...`);
  for (let i = 0; i < 10000; i++) {
    lock.acquireSync(); // take the lock
    num.value += 1;
    lock.release(); // release the lock
  }
  console.log(`thread ${currentThread().name} ended.`);
}

if (import.meta.main) {
  const num = new Value("i32", 0);
  const lock = new Lock();
  console.log(`thread ${currentThread().name} is running...`);
  const threads: Thread[] = [];
  for (let i = 0; i < 5; i++) {
    threads.push(
      new Thread({ target: calc, module: import.meta.url, args: [num, lock] }),
    );
    threads[i].start();
  }
  for (let i = 0; i < 5; i++) await threads[i].join();
  console.log(`global num: ${num.value}`);
  console.log(`thread ${currentThread().name} ended.`);
}
