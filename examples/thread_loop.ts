// The Python tutorial's first thread: a function run by a Thread named LoopThread, which
// counts to 5 while the main thread waits for it with join().
//
//   deno run -A examples/thread_loop.ts
//
// The target is exported and found by module (import.meta.url), so it can
// call currentThread() from the library: a shipped function could not see
// the import (the closure rule).
import { delay } from "@std/async/delay";
import { currentThread, Thread } from "@multitask/core/thread";

// Code run by the new thread:
export async function loop(): Promise<void> {
  console.log(`thread ${currentThread().name} is running...`);
  let n = 0;
  while (n < 5) {
    n = n + 1;
    console.log(`thread ${currentThread().name} >>> ${n}`);
    await delay(200); // the Python tutorial sleeps 1 s; shortened to keep the demo quick
  }
  console.log(`thread ${currentThread().name} ended.`);
}

if (import.meta.main) {
  console.log(`thread ${currentThread().name} is running...`);
  const t = new Thread({
    target: loop,
    module: import.meta.url,
    name: "LoopThread",
  });
  t.start();
  await t.join();
  console.log(`thread ${currentThread().name} ended.`);
}
