// Run as a subprocess by thread_test.ts: a daemon thread that never ends must
// not keep the program alive; a non-daemon thread that finishes after the main
// module's last line must still be waited for.
import { Thread } from "../thread.ts";
import { keepAlive } from "../../_common/waiting.ts";

// Handshakes over `flag`, not polls: [0] the main module printed its last
// line, [1] the daemon printed its first. Atomics.waitAsync alone does not
// keep the event loop alive, hence keepAlive.
async function until(flag: Int32Array, index: number): Promise<void> {
  await keepAlive(Promise.resolve(Atomics.waitAsync(flag, index, 0).value));
}

export function forever(flag: Int32Array): void {
  console.log("daemon started");
  Atomics.store(flag, 1, 1);
  Atomics.notify(flag, 1);
  while (true) Atomics.wait(flag, 2, 0, 100);
}

export async function late(flag: Int32Array): Promise<void> {
  // Wait until the main module has printed its last line.
  await until(flag, 0);
  console.log("non-daemon finished");
}

export function briefly(flag: Int32Array): void {
  Atomics.wait(flag, 2, 0, 200);
  console.log("daemon joined");
}

if (import.meta.main && Deno.args[0] === "join") {
  // Joining a daemon thread waits for it, even though it alone would not
  // keep the program alive.
  const flag = new Int32Array(new SharedArrayBuffer(12));
  const t = new Thread({
    target: briefly,
    module: import.meta.url,
    args: [flag],
    daemon: true,
  });
  t.start();
  await t.join();
  console.log(`main ended, alive: ${t.isAlive()}`);
} else if (import.meta.main) {
  const flag = new Int32Array(new SharedArrayBuffer(12));
  const daemon = new Thread({
    target: forever,
    module: import.meta.url,
    args: [flag],
    daemon: true,
  });
  daemon.start();
  if (Deno.args[0] === "late") {
    new Thread({ target: late, module: import.meta.url, args: [flag] }).start();
  }
  // Let the daemon print its first line, then end the main module.
  await until(flag, 1);
  console.log("main ended");
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
