// An event lets threads wait for a signal (the Python tutorial's "事件" section): three
// runners wait at the start line until the main thread fires the pistol.
// Then the main thread clears the event and a late runner waits for it with
// a timeout, which runs out.
//
//   deno run -A examples/event.ts
import { delay } from "@std/async/delay";
import { currentThread, Thread } from "@multitask/core/thread";
import { Event } from "@multitask/core/sync";

export function runner(pistol: Event): void {
  const name = currentThread().name;
  console.log(`${name} is waiting at the start line`);
  pistol.waitSync(); // blocks this thread until the event is set
  console.log(`${name} runs`);
}

export async function lateRunner(pistol: Event): Promise<void> {
  const fired = await pistol.wait(300); // false when the timeout runs out first
  console.log(`late runner: pistol fired? ${fired}`);
}

if (import.meta.main) {
  const pistol = new Event();
  const runners = [1, 2, 3].map(() =>
    new Thread({ target: runner, module: import.meta.url, args: [pistol] })
  );
  for (const t of runners) t.start();
  await delay(500);
  console.log(`main: is the pistol fired? ${pistol.isSet()}`);
  console.log("main: bang!");
  pistol.set(); // wakes every waiting thread
  for (const t of runners) await t.join();

  pistol.clear();
  const late = new Thread({
    target: lateRunner,
    module: import.meta.url,
    args: [pistol],
  });
  late.start();
  await late.join();
  console.log("main: race over");
}
