// Thread targets for bench/sync_bench.ts. Each loops on a start Barrier
// (parties: the bench's threads + the main thread) so one set of threads
// serves every bench iteration; a set `stop` Event ends the loop.

import type { Barrier, Condition, Event, Lock, SharedArray } from "../mod.ts";

// Runs `iteration` once per bench iteration, between the start and finish
// barriers, until `stop` is set.
function serveIterations(
  start: Barrier,
  finish: Barrier,
  stop: Event,
  iteration: () => void,
): void {
  for (;;) {
    start.waitSync();
    if (stop.isSet()) return;
    iteration();
    finish.waitSync();
  }
}

/** Per iteration: `times` acquireSync/increment/release on a shared lock. */
export function lockHandOff(
  lock: Lock,
  start: Barrier,
  finish: Barrier,
  stop: Event,
  counter: SharedArray<"i32">,
  times: number,
): void {
  const array = counter.array as Int32Array;
  serveIterations(start, finish, stop, () => {
    for (let i = 0; i < times; i++) {
      lock.acquireSync();
      array[0]++;
      lock.release();
    }
  });
}

/** Per iteration: answers `rounds` pings with pongs (Event.waitSync). */
export function pongEvents(
  ping: Event,
  pong: Event,
  start: Barrier,
  finish: Barrier,
  stop: Event,
  rounds: number,
): void {
  serveIterations(start, finish, stop, () => {
    for (let i = 0; i < rounds; i++) {
      ping.waitSync();
      ping.clear();
      pong.set();
    }
  });
}

/** Per iteration: sends `rounds` pings and waits for each pong (Event.waitSync). */
export function pingEvents(
  ping: Event,
  pong: Event,
  start: Barrier,
  finish: Barrier,
  stop: Event,
  rounds: number,
): void {
  serveIterations(start, finish, stop, () => {
    for (let i = 0; i < rounds; i++) {
      ping.set();
      pong.waitSync();
      pong.clear();
    }
  });
}

/**
 * Per iteration: `rounds` turns of a two-thread hand-off on a Condition
 * (wait for my turn, pass it on, notify), as Python code over
 * threading.Condition does.
 */
export function conditionTurns(
  cond: Condition,
  turn: SharedArray<"i32">,
  me: number,
  start: Barrier,
  finish: Barrier,
  stop: Event,
  rounds: number,
): void {
  serveIterations(start, finish, stop, () => {
    for (let i = 0; i < rounds; i++) {
      cond.acquireSync();
      while (turn.get(0) !== me) cond.waitSync();
      turn.set(0, 1 - me);
      cond.notify();
      cond.release();
    }
  });
}
