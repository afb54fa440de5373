// The Python tutorial's join(): starting all threads and then joining them lets them
// run together; joining each one right after starting it runs them one
// after another.
//
//   deno run -A examples/thread_join.ts
//
// Each thread prints itself and sleeps; the Python tutorial's 5 s sleep is shortened
// to 300 ms.
import { delay } from "@std/async/delay";
import { currentThread, Thread } from "@multitask/core/thread";

export async function test(): Promise<void> {
  const me = currentThread();
  console.log(`<Thread(${me.name}, started ${me.ident})>`);
  await delay(300);
}

async function joinAfterStartingAll(): Promise<void> {
  const threadList: Thread[] = [];
  for (let i = 0; i < 5; i++) {
    const th = new Thread({ target: test, module: import.meta.url });
    th.start();
    threadList.push(th);
  }
  for (const th of threadList) await th.join();
}

async function joinInTheLoop(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const th = new Thread({ target: test, module: import.meta.url });
    th.start();
    await th.join(); // the loop stops here until this thread is done
  }
}

async function timed(label: string, fn: () => Promise<void>): Promise<void> {
  console.log(`${label}:`);
  const start = performance.now();
  await fn();
  console.log(`took ${((performance.now() - start) / 1000).toFixed(1)} s`);
}

if (import.meta.main) {
  await timed(
    "join after starting all (they run together)",
    joinAfterStartingAll,
  );
  await timed("join inside the loop (one after another)", joinInTheLoop);
  console.log("main thread ended");
}
