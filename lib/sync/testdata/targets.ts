// Exported thread targets for the lib/sync tests: each Thread's worker
// imports this module and calls one of these with live handles.

import { Thread } from "../../thread/thread.ts";
import type { Barrier } from "../barrier.ts";
import type { Condition } from "../condition.ts";
import type { Event } from "../event.ts";
import type { Lock } from "../lock.ts";
import type { RLock } from "../rlock.ts";
import type { Semaphore } from "../semaphore.ts";
import type { SharedArray, Value } from "../value.ts";
import type { Local } from "../../thread/local.ts";

/** Starts one thread per argument list on an export of this module and returns their results. */
export function runAll(
  target: (...args: never[]) => unknown,
  argLists: unknown[][],
): Promise<unknown[]> {
  return runAllIn(import.meta.url, target, argLists);
}

/** runAll for a target exported by `module` (other folders' testdata use it). */
export async function runAllIn(
  module: string,
  target: (...args: never[]) => unknown,
  argLists: unknown[][],
): Promise<unknown[]> {
  const threads = argLists.map((args) =>
    new Thread({
      target: target as (...a: unknown[]) => unknown,
      module,
      args,
    })
  );
  for (const t of threads) t.start();
  await Promise.all(threads.map((t) => t.join()));
  return threads.map((t) => {
    if (t.error) throw t.error;
    return t.result;
  });
}

/** Runs one thread and returns its error (or undefined). */
export async function errorOf(
  target: (...args: never[]) => unknown,
  args: unknown[],
): Promise<Error | undefined> {
  const t = new Thread({
    target: target as (...a: unknown[]) => unknown,
    module: import.meta.url,
    args,
  });
  const hook = Thread.excepthook;
  Thread.excepthook = () => {};
  try {
    t.start();
    await t.join();
  } finally {
    Thread.excepthook = hook;
  }
  return t.error;
}

// A read-modify-write that loses updates unless the caller excludes others:
// the read and the write are separate plain accesses.
function bump(counter: SharedArray<"i32">): void {
  const array = counter.array as Int32Array;
  const seen = array[0];
  array[0] = seen + 1;
}

export function countWithLock(
  lock: Lock,
  start: Barrier,
  counter: SharedArray<"i32">,
  times: number,
): void {
  start.waitSync();
  for (let i = 0; i < times; i++) {
    lock.acquireSync();
    bump(counter);
    lock.release();
  }
}

export async function countWithLockAsync(
  lock: Lock,
  start: Barrier,
  counter: SharedArray<"i32">,
  times: number,
): Promise<void> {
  await start.wait();
  for (let i = 0; i < times; i++) {
    await lock.acquire();
    bump(counter);
    lock.release();
  }
}

export function countWithSemaphore(
  sem: Semaphore,
  start: Barrier,
  counter: SharedArray<"i32">,
  times: number,
): void {
  start.waitSync();
  for (let i = 0; i < times; i++) {
    using _ = sem.holdSync();
    bump(counter);
  }
}

export function countWithRLock(
  rlock: RLock,
  start: Barrier,
  counter: SharedArray<"i32">,
  times: number,
): void {
  start.waitSync();
  for (let i = 0; i < times; i++) {
    rlock.acquireSync();
    rlock.acquireSync();
    bump(counter);
    rlock.release();
    rlock.release();
  }
}

/** Reports whether the lock was held, then blocks until it can take it. */
export function tryThenAcquire(
  lock: Lock | RLock,
  trying: Event,
): [boolean, boolean] {
  const first = lock.tryAcquire();
  trying.set();
  const second = lock.acquireSync();
  lock.release();
  return [first, second];
}

export function acquireWithTimeout(
  lock: Lock | RLock | Semaphore,
  timeout: number,
): boolean {
  return lock.acquireSync({ timeout });
}

/** Takes the lock, says so, and releases it when told to. */
export function holdUntil(lock: Lock | RLock, held: Event, go: Event): void {
  lock.acquireSync();
  held.set();
  go.waitSync();
  lock.release();
}

export function release(lock: Lock | RLock | Semaphore): void {
  lock.release();
}

export function waitEvent(
  event: Event,
  waiting: Semaphore,
  timeout?: number,
): boolean {
  waiting.release();
  return event.waitSync(timeout);
}

export function setEvent(event: Event): void {
  event.set();
}

/** Semaphore(n) with a gate: counts who got in, then waits for the gate. */
export function enterAndWait(
  sem: Semaphore,
  entered: Semaphore,
  gate: Event,
  inside: Value<"i32">,
): number {
  sem.acquireSync();
  const now = inside.add(1) + 1;
  entered.release();
  gate.waitSync();
  inside.add(-1);
  sem.release();
  return now;
}

/** Returns the most threads this one ever saw inside the semaphore at once. */
export function measureConcurrency(
  sem: Semaphore,
  start: Barrier,
  inside: Value<"i32">,
  rounds: number,
): number {
  start.waitSync();
  let most = 0;
  for (let i = 0; i < rounds; i++) {
    sem.acquireSync();
    most = Math.max(most, inside.add(1) + 1);
    for (let spin = 0; spin < 100; spin++) most = Math.max(most, inside.value);
    inside.add(-1);
    sem.release();
  }
  return most;
}

/** Producer of `count` numbers into a bounded shared ring guarded by a Condition. */
export function produce(
  cond: Condition,
  ring: SharedArray<"i32">,
  state: SharedArray<"i32">,
  count: number,
): void {
  const capacity = ring.length;
  for (let n = 1; n <= count; n++) {
    using _ = cond.holdSync();
    cond.waitForSync(() => state.get(1) < capacity); // state: [head, size]
    ring.set((state.get(0) + state.get(1)) % capacity, n);
    state.add(1, 1);
    cond.notifyAll();
  }
}

/** Consumes `count` numbers from the ring and returns their sum. */
export function consume(
  cond: Condition,
  ring: SharedArray<"i32">,
  state: SharedArray<"i32">,
  count: number,
): number {
  const capacity = ring.length;
  let sum = 0;
  for (let i = 0; i < count; i++) {
    using _ = cond.holdSync();
    cond.waitForSync(() => state.get(1) > 0);
    sum += ring.get(state.get(0));
    state.set(0, (state.get(0) + 1) % capacity);
    state.add(1, -1);
    cond.notifyAll();
  }
  return sum;
}

export function conditionWaitUnheld(cond: Condition): boolean {
  return cond.waitSync(1);
}

export function barrierRounds(barrier: Barrier, rounds: number): number[] {
  const indexes = [];
  for (let i = 0; i < rounds; i++) indexes.push(barrier.waitSync());
  return indexes;
}

export function barrierWait(barrier: Barrier, timeout?: number): number {
  return barrier.waitSync(timeout);
}

export function addFloats(
  value: Value<"f64">,
  start: Barrier,
  times: number,
): void {
  start.waitSync();
  for (let i = 0; i < times; i++) value.add(0.5);
}

export function addToArray(
  array: SharedArray<"i32">,
  start: Barrier,
  times: number,
): void {
  start.waitSync();
  for (let i = 0; i < times; i++) {
    for (let j = 0; j < array.length; j++) array.add(j, 1);
  }
}

export function compoundUnderValueLock(
  value: Value<"i32">,
  start: Barrier,
  times: number,
): void {
  start.waitSync();
  for (let i = 0; i < times; i++) {
    using _ = value.lock.holdSync();
    value.value = value.value + 1;
  }
}

export function localInThread(
  local: Local<string>,
  name: string,
): [string | undefined, string | undefined] {
  const before = local.get();
  local.set(name);
  return [before, local.get()];
}

/**
 * One side of an Event ping-pong. The pinger checks that each pong answers
 * its own ping (a stale set() must not count as the next one); on a
 * mismatch it records the failure and frees the ponger before throwing.
 */
export function pingPong(
  role: "ping" | "pong",
  ping: Event,
  pong: Event,
  turn: Value<"i32">,
  failed: Value<"i32">,
  rounds: number,
): void {
  for (let round = 1; round <= rounds; round++) {
    if (role === "pong") {
      ping.waitSync();
      ping.clear();
      if (failed.value) return;
      turn.value = round;
      pong.set();
      continue;
    }
    ping.set();
    pong.waitSync();
    pong.clear();
    if (turn.value !== round) {
      failed.value = 1;
      ping.set();
      throw new Error(`round ${round} got the pong of round ${turn.value}`);
    }
  }
}

/** Bounded buffer on two Conditions over one Lock, each change announced with notify(1). */
export function boundedPut(
  notFull: Condition,
  notEmpty: Condition,
  ring: SharedArray<"i32">,
  state: SharedArray<"i32">,
  from: number,
  count: number,
): void {
  for (let n = from; n < from + count; n++) {
    using _ = notFull.holdSync();
    while (state.get(1) === ring.length) notFull.waitSync();
    ring.set((state.get(0) + state.get(1)) % ring.length, n);
    state.add(1, 1);
    notEmpty.notify();
  }
}

/** Takes `count` items from the bounded buffer and returns their sum. */
export function boundedTake(
  notFull: Condition,
  notEmpty: Condition,
  ring: SharedArray<"i32">,
  state: SharedArray<"i32">,
  count: number,
): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    using _ = notEmpty.holdSync();
    while (state.get(1) === 0) notEmpty.waitSync();
    sum += ring.get(state.get(0));
    state.set(0, (state.get(0) + 1) % ring.length);
    state.add(1, -1);
    notFull.notify();
  }
  return sum;
}

/** Waits `rounds` times and returns how many times the action had run after each wait. */
export function barrierActionRounds(
  barrier: Barrier,
  runs: Value<"i32">,
  rounds: number,
): number[] {
  const seen = [];
  for (let i = 0; i < rounds; i++) {
    barrier.waitSync();
    seen.push(runs.value);
  }
  return seen;
}

/** Waits once and names how it ended: "passed", or the error's name. */
export function barrierOutcome(barrier: Barrier): string {
  try {
    barrier.waitSync();
    return "passed";
  } catch (error) {
    return (error as Error).name;
  }
}

/** Takes a Condition's lock twice, waits (so it lets go of both), and reports the lock afterwards. */
export function conditionReenter(cond: Condition): [boolean, boolean, boolean] {
  cond.acquireSync();
  const again = cond.acquireSync({ timeout: 0 });
  const notified = cond.waitSync(1);
  cond.release();
  const stillHeld = cond.lock.locked();
  cond.release();
  return [again, notified, stillHeld];
}

/** Takes the condition's lock and wakes one waiter. */
export function notifyCondition(cond: Condition): void {
  using _ = cond.holdSync();
  cond.notify();
}
