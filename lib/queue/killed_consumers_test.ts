// Consumers killed while blocked in get() lose nothing: what the owner
// answers a taker that dies before receiving it goes back to the front of
// the queue (see lend in lib/_crossing/rpc.ts). Consumers are child
// processes holding the parent's queue and manager clients holding the same
// queue through a Manager.

import { assertEquals, fail } from "@std/assert";
import { deadline } from "@std/async/deadline";
import { Empty, JoinableQueue, Queue } from "./queue.ts";
import { Manager } from "../manager/manager.ts";
import { Process } from "../process/process.ts";
import {
  consumeFromManager,
  consumeFromParent,
  type Report,
} from "./testdata/killed_consumers.ts";

const targets = new URL("./testdata/killed_consumers.ts", import.meta.url)
  .href;
const ITEMS = 5_000;
const KILLS = 24;
const AUTHKEY = "killed consumers";
// A guard, not a measure: child start-up takes seconds on a loaded machine.
const GUARD = 60_000;

type Kind = "child" | "client";

Deno.test("consumers killed by SIGKILL while blocked in get(), child processes and manager clients, lose no item and get none twice", async () => {
  const items = new JoinableQueue<number>();
  const status = new Queue<Report>();
  await using manager = new Manager({ port: 0, authkey: AUTHKEY });
  manager.register("items", items).register("status", status);
  const { port } = await manager.start();

  const live = new Map<string, Process>();
  const reported = new Set<string>(); // live consumers heard from at least once
  const taken = new Map<number, string>(); // item -> the consumer that took it
  const twice: string[] = [];
  let serial = 0;
  const spawn = (kind: Kind) => {
    const who = `${kind} ${serial++}`;
    const p = new Process({
      target: kind === "child" ? consumeFromParent : consumeFromManager,
      module: targets,
      args: kind === "child" ? [items, status, who] : [port, AUTHKEY, who],
    });
    p.start();
    live.set(who, p);
  };
  let put = 0;
  const putItems = (n: number) => {
    for (let i = 0; i < n && put < ITEMS; i++) items.putNowait(put++);
  };
  // Reads reports until `done()`. A report says its consumer's next get()
  // is at the owner and names the item it took before (see consume()).
  const readReports = async (done: () => boolean) => {
    while (!done()) {
      let report: Report;
      try {
        report = await status.get({ timeout: GUARD });
      } catch (error) {
        if (!(error instanceof Empty)) throw error;
        const missing = [];
        for (let i = 0; i < put; i++) if (!taken.has(i)) missing.push(i);
        fail(
          `No consumer reported for ${GUARD} ms; items put and never taken: ${missing.length} (${
            missing.slice(0, 20).join(", ")
          })`,
        );
      }
      const [who, last] = report;
      if (last >= 0) {
        const first = taken.get(last);
        if (first !== undefined) twice.push(`${last}: ${first}, then ${who}`);
        taken.set(last, who);
      }
      if (live.has(who)) reported.add(who);
    }
  };
  // Every item put so far taken (so the queue is empty and nothing is in
  // flight), and every live consumer blocked in get() at the owner.
  const allBlocked = () =>
    taken.size === put && [...live.keys()].every((who) => reported.has(who));

  for (const kind of ["child", "child", "client", "client"] as const) {
    spawn(kind);
  }
  const perRound = Math.floor(ITEMS / KILLS);
  for (let k = 0; k < KILLS; k++) {
    await readReports(allBlocked);
    const kind: Kind = k % 2 === 0 ? "child" : "client";
    const victim = [...live.keys()].find((who) => who.startsWith(kind))!;
    const p = live.get(victim)!;
    live.delete(victim);
    reported.delete(victim);
    // Items for every blocked get, the victim's included, and the victim
    // dies in the same tick: the owner answers it after it is dead.
    putItems(live.size + 1);
    const dead = p.kill();
    spawn(kind);
    putItems(perRound - live.size);
    await deadline(dead, GUARD);
    assertEquals(p.exitCode, -9, `${victim} was not killed by SIGKILL`);
  }
  putItems(ITEMS - put);
  await readReports(() => taken.size === ITEMS);
  await deadline(items.join(), GUARD);
  assertEquals(items.unfinishedTasks, 0);
  items.close();
  for (const [who, p] of live) {
    await deadline(p.join(), GUARD);
    assertEquals(p.exitCode, 0, `${who} did not end cleanly`);
  }
  assertEquals(twice, [], "items delivered twice");
  assertEquals(taken.size, ITEMS);
});
