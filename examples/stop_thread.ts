// The Python tutorial's two ways to stop a thread from outside.
//
//   deno run -A examples/stop_thread.ts
//
// 1. A stop flag the thread checks (the clean way): the Python tutorial's global
//    `stop_flag` becomes an Event shared with the thread; the thread finishes
//    its current step and leaves its loop.
// 2. Forced: the Python tutorial raises SystemExit inside the thread through ctypes;
//    here `terminate()` stops the thread's worker wherever it is. Nothing
//    after that point runs in it (no finally blocks), so prefer the flag.
//
// The Python tutorial's 1 s steps are shortened to 100 ms.
import { delay } from "@std/async/delay";
import { Thread } from "@multitask/core/thread";
import { Event } from "@multitask/core/sync";

// The child thread's function:
export async function childThread(stopFlag: Event): Promise<void> {
  console.log("child thread started");
  while (!stopFlag.isSet()) {
    console.log("child thread running");
    await delay(100);
  }
  console.log("child thread exiting");
}

export async function testThread(started: Event): Promise<void> {
  let i = 0;
  while (true) {
    i += 1;
    console.log(i);
    started.set(); // tell the main thread it is counting
    await delay(100);
  }
}

async function stopWithAFlag(): Promise<void> {
  // The shared flag that tells the child thread to exit:
  const stopFlag = new Event();
  // Create and start the child thread:
  const thread = new Thread({
    target: childThread,
    module: import.meta.url,
    args: [stopFlag],
  });
  thread.start();
  // Let it work for a while in the main thread:
  await delay(500);
  // Raise the flag to ask the child thread to exit:
  stopFlag.set();
  // Wait for it to finish:
  await thread.join();
  console.log("main thread: the child stopped by itself");
}

async function stopByForce(): Promise<void> {
  const started = new Event();
  const t = new Thread({
    target: testThread,
    module: import.meta.url,
    args: [started],
  });
  t.start();
  await started.wait();
  await delay(250);
  await t.terminate();
  console.log(`main thread: terminated the thread, isAlive() = ${t.isAlive()}`);
}

if (import.meta.main) {
  await stopWithAFlag();
  await stopByForce();
  console.log("main thread ended");
}
