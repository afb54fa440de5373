import { assert, assertEquals } from "@std/assert";
import { Process } from "../process/process.ts";
import { Value } from "./value.ts";
import { Barrier } from "./barrier.ts";
import { Event } from "./event.ts";
import { Lock } from "./lock.ts";
import { Semaphore } from "./semaphore.ts";
import { useFromAnotherProcess } from "./testdata/remote_targets.ts";

Deno.test("Lock, Event, Semaphore, Value and Barrier work from another process through their owner", async () => {
  const lock = new Lock(), done = new Event(), sem = new Semaphore(0);
  const value = new Value("i32", 1), barrier = new Barrier(2);
  await lock.acquire();
  const child = new Process({
    target: useFromAnotherProcess,
    module: new URL("./testdata/remote_targets.ts", import.meta.url).href,
    args: [lock, done, sem, value, barrier],
  });
  child.start();
  assertEquals(await sem.acquire(), true, "the child released the semaphore");
  assertEquals(
    value.value,
    6,
    "the child's acquire timed out on the held lock, then it added 5",
  );
  assert([0, 1].includes(await barrier.wait()));
  assertEquals(await done.wait(), true);
  await child.join();
  assertEquals(child.exitCode, 0);
  lock.release();
});
