// The Python tutorial's ThreadLocal: one global `localSchool`, and each thread sees its
// own `student` in it, so the functions a thread calls need not pass the
// student along.
//
//   deno run -A examples/thread_local.ts
//
// Each thread's worker imports this module afresh, so `localSchool` below is
// a separate Local in every thread; Local also separates async call chains
// within one thread (see `Local.run`).
import { currentThread, Thread } from "@multitask/core/thread";
import { Local } from "@multitask/core/local";

// Create the global ThreadLocal object:
const localSchool = new Local<string>();

function processStudent(): void {
  // Get the student bound to the current thread:
  const std = localSchool.get();
  console.log(`Hello, ${std} (in ${currentThread().name})`);
}

export function processThread(name: string): void {
  // Bind the ThreadLocal's student:
  localSchool.set(name);
  processStudent();
}

if (import.meta.main) {
  const t1 = new Thread({
    target: processThread,
    module: import.meta.url,
    args: ["Alice"],
    name: "Thread-A",
  });
  const t2 = new Thread({
    target: processThread,
    module: import.meta.url,
    args: ["Bob"],
    name: "Thread-B",
  });
  t1.start();
  t2.start();
  await t1.join();
  await t2.join();
}
