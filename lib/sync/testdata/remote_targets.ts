// A target for lib/sync/remote_test.ts run in a child process: the library
// objects arrive as stand-ins whose async methods call the parent.

import type { Barrier } from "../barrier.ts";
import type { Event } from "../event.ts";
import type { Lock } from "../lock.ts";
import type { Semaphore } from "../semaphore.ts";
import type { Value } from "../value.ts";

export async function useFromAnotherProcess(
  lock: Lock,
  done: Event,
  sem: Semaphore,
  value: Value<"i32">,
  barrier: Barrier,
): Promise<void> {
  const held = await lock.acquire({ timeout: 10 }); // the parent holds it
  await value.add(held ? 100 : 5);
  await sem.release();
  await barrier.wait();
  await done.set();
}
