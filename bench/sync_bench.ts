// Synchronisation benches: uncontended Lock (bar: <= 30 ns per
// acquire+release; Python's threading.Lock is 79 ns on this machine),
// contended hand-off between two threads, Event ping-pong latency between
// threads against a bare postMessage ping-pong, and Condition over its
// default RLock (as in Python) against a Condition over a Lock.
//
//   deno bench -A bench/sync_bench.ts

import { Worker as NodeWorker } from "node:worker_threads";
import {
  Barrier,
  Condition,
  Event,
  Lock,
  SharedArray,
  Thread,
} from "../mod.ts";
import {
  conditionTurns,
  lockHandOff,
  pingEvents,
  pongEvents,
} from "./_sync_targets.ts";

const TARGETS = new URL("./_sync_targets.ts", import.meta.url).href;

// --- uncontended -----------------------------------------------------------

const lock = new Lock();
const cells = new Int32Array(new SharedArrayBuffer(8));

Deno.bench({
  group: "lock uncontended",
  name: "floor: two bare Atomics.compareExchange",
  baseline: true,
  fn() {
    Atomics.compareExchange(cells, 0, 0, 1);
    Atomics.compareExchange(cells, 0, 1, 0);
  },
});

Deno.bench({
  group: "lock uncontended",
  name: "Lock.tryAcquire() + release()",
  fn() {
    lock.tryAcquire();
    lock.release();
  },
});

Deno.bench({
  group: "lock uncontended",
  name: "Lock.acquireSync() + release()",
  fn() {
    lock.acquireSync();
    lock.release();
  },
});

Deno.bench({
  group: "lock uncontended",
  name: "await Lock.acquire() + release()",
  async fn() {
    await lock.acquire();
    lock.release();
  },
});

Deno.bench({
  group: "lock uncontended",
  name: "using _ = await Lock.hold()",
  async fn() {
    using _ = await lock.hold();
  },
});

// The same in batches of 1000, so the harness's per-call cost is spread
// out: divide by 1000 for the cost of one acquire+release.
const BATCH = 1000;

Deno.bench({
  group: "lock uncontended ×1000",
  name: "floor: 1000 × two bare Atomics.compareExchange",
  baseline: true,
  fn() {
    for (let i = 0; i < BATCH; i++) {
      Atomics.compareExchange(cells, 0, 0, 1);
      Atomics.compareExchange(cells, 0, 1, 0);
    }
  },
});

Deno.bench({
  group: "lock uncontended ×1000",
  name: "1000 × Lock.tryAcquire() + release()",
  fn() {
    for (let i = 0; i < BATCH; i++) {
      lock.tryAcquire();
      lock.release();
    }
  },
});

Deno.bench({
  group: "lock uncontended ×1000",
  name: "1000 × Lock.acquireSync() + release()",
  fn() {
    for (let i = 0; i < BATCH; i++) {
      lock.acquireSync();
      lock.release();
    }
  },
});

// Condition's default lock is an RLock (Python's choice): its uncontended
// path must cost what a Condition over a Lock costs.
const overLock = new Condition(new Lock());
const overRLock = new Condition();

Deno.bench({
  group: "condition uncontended ×1000",
  name: "1000 × Condition(new Lock()): acquireSync, notify, release",
  baseline: true,
  fn() {
    for (let i = 0; i < BATCH; i++) {
      overLock.acquireSync();
      overLock.notify();
      overLock.release();
    }
  },
});

Deno.bench({
  group: "condition uncontended ×1000",
  name: "1000 × Condition() (RLock): acquireSync, notify, release",
  fn() {
    for (let i = 0; i < BATCH; i++) {
      overRLock.acquireSync();
      overRLock.notify();
      overRLock.release();
    }
  },
});

Deno.bench({
  group: "condition uncontended ×1000",
  name: "1000 × Condition(new Lock()): using _ = await hold(), notify",
  async fn() {
    for (let i = 0; i < BATCH; i++) {
      using _ = await overLock.hold();
      overLock.notify();
    }
  },
});

Deno.bench({
  group: "condition uncontended ×1000",
  name: "1000 × Condition() (RLock): using _ = await hold(), notify",
  async fn() {
    for (let i = 0; i < BATCH; i++) {
      using _ = await overRLock.hold();
      overRLock.notify();
    }
  },
});

// --- threads that serve every iteration --------------------------------------

function daemon(
  target: (...args: never[]) => unknown,
  args: unknown[],
): Thread {
  const thread = new Thread({
    target: target as (...a: unknown[]) => unknown,
    module: TARGETS,
    args,
    daemon: true,
  });
  thread.start();
  return thread;
}

const TIMES = 1000;
const handOff = {
  lock: new Lock(),
  start: new Barrier(3),
  finish: new Barrier(3),
  stop: new Event(),
  counter: new SharedArray("i32", 1),
};
for (let i = 0; i < 2; i++) {
  daemon(lockHandOff, [
    handOff.lock,
    handOff.start,
    handOff.finish,
    handOff.stop,
    handOff.counter,
    TIMES,
  ]);
}
const single = { ...handOff, start: new Barrier(2), finish: new Barrier(2) };
daemon(lockHandOff, [
  single.lock,
  single.start,
  single.finish,
  single.stop,
  single.counter,
  TIMES * 2,
]);

Deno.bench({
  group: "lock contended",
  name: `1 thread × ${TIMES * 2} acquireSync/release (no contention)`,
  baseline: true,
  async fn() {
    await single.start.wait();
    await single.finish.wait();
  },
});

Deno.bench({
  group: "lock contended",
  name: `2 threads × ${TIMES} acquireSync/release on one Lock`,
  async fn() {
    await handOff.start.wait();
    await handOff.finish.wait();
  },
});

// Two threads pass a turn back and forth with wait/notify.
const TURNS = 200;
function turnPair(cond: Condition) {
  const pair = {
    cond,
    turn: new SharedArray("i32", 1),
    start: new Barrier(3),
    finish: new Barrier(3),
    stop: new Event(),
  };
  for (const me of [0, 1]) {
    daemon(conditionTurns, [
      pair.cond,
      pair.turn,
      me,
      pair.start,
      pair.finish,
      pair.stop,
      TURNS,
    ]);
  }
  return pair;
}
const turnsOverLock = turnPair(new Condition(new Lock()));
const turnsOverRLock = turnPair(new Condition());

Deno.bench({
  group: "condition hand-off between threads",
  name: `Condition(new Lock()): 2 threads × ${TURNS} turns (wait/notify)`,
  baseline: true,
  async fn() {
    await turnsOverLock.start.wait();
    await turnsOverLock.finish.wait();
  },
});

Deno.bench({
  group: "condition hand-off between threads",
  name: `Condition() (RLock): 2 threads × ${TURNS} turns (wait/notify)`,
  async fn() {
    await turnsOverRLock.start.wait();
    await turnsOverRLock.finish.wait();
  },
});

// --- ping-pong -------------------------------------------------------------

const ROUNDS = 100;

// Bare postMessage: the main thread and a worker bounce a number.
const echo = new NodeWorker(
  `const { parentPort } = require("node:worker_threads");
   parentPort.on("message", (n) => parentPort.postMessage(n));`,
  { eval: true },
);
// Unref'd so the bench can exit; ref'd only while a bench waits on it.
echo.unref();
let answer: (() => void) | undefined;
echo.on("message", () => answer!());

Deno.bench({
  group: "ping-pong",
  name: `postMessage main ↔ thread × ${ROUNDS}`,
  baseline: true,
  async fn() {
    echo.ref();
    for (let i = 0; i < ROUNDS; i++) {
      const { promise, resolve } = Promise.withResolvers<void>();
      answer = resolve;
      echo.postMessage(i);
      await promise;
    }
    echo.unref();
  },
});

const mainPong = {
  ping: new Event(),
  pong: new Event(),
  start: new Barrier(2),
  finish: new Barrier(2),
  stop: new Event(),
};
daemon(pongEvents, [
  mainPong.ping,
  mainPong.pong,
  mainPong.start,
  mainPong.finish,
  mainPong.stop,
  ROUNDS,
]);

Deno.bench({
  group: "ping-pong",
  name: `Event main (await wait) ↔ thread (waitSync) × ${ROUNDS}`,
  async fn() {
    await mainPong.start.wait();
    for (let i = 0; i < ROUNDS; i++) {
      mainPong.ping.set();
      await mainPong.pong.wait();
      mainPong.pong.clear();
    }
    await mainPong.finish.wait();
  },
});

const pair = {
  ping: new Event(),
  pong: new Event(),
  start: new Barrier(3),
  finish: new Barrier(3),
  stop: new Event(),
};
daemon(pingEvents, [
  pair.ping,
  pair.pong,
  pair.start,
  pair.finish,
  pair.stop,
  ROUNDS,
]);
daemon(pongEvents, [
  pair.ping,
  pair.pong,
  pair.start,
  pair.finish,
  pair.stop,
  ROUNDS,
]);

// Every thread has loaded and finished one round before the first bench
// runs, so start-up does not land in the measurements.
for (
  const group of [
    handOff,
    single,
    turnsOverLock,
    turnsOverRLock,
    mainPong,
    pair,
  ]
) {
  await group.start.wait();
  if (group === mainPong) {
    for (let i = 0; i < ROUNDS; i++) {
      mainPong.ping.set();
      await mainPong.pong.wait();
      mainPong.pong.clear();
    }
  }
  await group.finish.wait();
}

Deno.bench({
  group: "ping-pong",
  name: `Event thread ↔ thread (waitSync) × ${ROUNDS}`,
  async fn() {
    await pair.start.wait();
    await pair.finish.wait();
  },
});
