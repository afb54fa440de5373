// A manager client in its own process, for lib/manager/proxy_test.ts:
// `deno run -A proxy_client.ts <port> <authkey> <mode>`.
//   kinds      uses every kind the test master registered, prints one JSON line
//   lock       blocks in acquire() of the held lock "lock", after setting "blocked"
//   barrier    waits on the barrier "barrier", after setting "blocked"
import type {
  Barrier,
  Event,
  Lock,
  Semaphore,
  SharedArray,
  Value,
} from "../../sync/mod.ts";
import type { JoinableQueue, Queue } from "../../queue/mod.ts";
import { Manager } from "../manager.ts";
import type { Tally } from "./proxy_objects.ts";

const [port, authkey, mode] = Deno.args;
await using client = await Manager.connect({ port: Number(port), authkey });

if (mode === "kinds") {
  const out: Record<string, unknown> = {};
  const value = client.proxy<Value<"i32">>("value");
  out.valueAdd = await value.add(3);
  out.valueGet = await value.get();
  await value.set(10);
  const array = client.proxy<SharedArray<"i32">>("array");
  await array.add(1, 4);
  await array.set(2, 9);
  out.array = await array.toArray();
  const lock = client.proxy<Lock>("lock");
  out.lock = [
    await lock.acquire(),
    await lock.locked(),
    await lock.tryAcquire(),
  ];
  await lock.release();
  const sem = client.proxy<Semaphore>("sem");
  out.sem = [
    await sem.acquire(),
    await sem.tryAcquire(),
    await sem.tryAcquire(),
  ];
  await sem.release(2);
  const barrier = client.proxy<Barrier>("barrier");
  out.barrier = await barrier.wait(30_000); // the master waits too
  await client.proxy<Event>("event").set();
  await client.proxy<Queue<string>>("queue").put("from the child");
  const jobs = client.proxy<JoinableQueue<number>>("jobs");
  out.job = await jobs.get({ timeout: 30_000 });
  await jobs.taskDone();
  const map = client.proxy<Map<string, number>>("map");
  await map.set("child", 1);
  out.mapKeys = await map.keys();
  out.mapHas = await map.has("master");
  const tally = client.proxy<Tally>("tally");
  out.tally = await tally.add(5);
  const mine = await client.create<Tally>("Tally", 100);
  out.created = await mine.add(1);
  console.log(JSON.stringify(out));
} else if (mode === "lock") {
  const pending = client.proxy<Lock>("lock").acquire();
  await client.proxy<Event>("blocked").set();
  await pending;
  console.log("unexpected: took the lock");
} else if (mode === "barrier") {
  const pending = client.proxy<Barrier>("barrier").wait();
  await client.proxy<Event>("blocked").set();
  await pending;
  console.log("unexpected: passed the barrier");
}
