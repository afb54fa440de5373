// The Python tutorial's daemon thread: `sing` would sing 5 times, one second apart, but
// it is a daemon, so when the main module ends after one second the program
// exits and the daemon thread is stopped with it.
//
//   deno run -A examples/daemon_thread.ts
//
// A thread created with { daemon: false } (the default) would keep the
// program alive until it finished, as in Python.
import { delay } from "@std/async/delay";
import { Thread } from "@multitask/core/thread";

export async function sing(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    console.log("sing");
    await delay(1000);
  }
}

if (import.meta.main) {
  const singThread = new Thread({ target: sing, module: import.meta.url });
  singThread.daemon = true; // Python's setDaemon(True)
  singThread.start();
  await delay(1000);
  console.log("main thread ended");
}
