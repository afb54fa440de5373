// The doorbell: a worker's fast lane for one small task at a time, in shared
// memory beside its port (worker_port.ts). A postMessage round trip wakes
// two event loops; a task rung here wakes one futex each way.
//
// How a wake-up works: an idle worker parks (parkFor) in Atomics.wait on
// RING for a bounded time, its event loop blocked; the caller claims a
// parked worker (PARKED -> CLAIMED, one compare-and-swap, so only one side
// wins a race with the worker's timeout), writes the task as JSON text into
// the slot, bumps RING and notifies: the worker wakes, reads, runs the task
// and answers into the same slot, bumps ANSWER and notifies, and the
// caller, which waits with Atomics.waitAsync (its event loop stays free),
// resolves. Anything else goes by postMessage: a worker is parked only when
// it has run everything it was posted (POSTED, counted by the caller, equals
// what it received), and a caller that posts to a parked worker calls it
// back to its event loop (PARKED -> CALLED, then the same ring); each side
// writes its own cell before reading the other's, so one of them always
// sees the other. A worker that waited parkFor ms without a ring goes back
// to its event loop (timers and messages run again) until its next task.
// Atomics.waitAsync does not keep the program alive: what does is the
// worker itself (a Web Worker always keeps its parent alive).

import { jsonTextOf } from "./sendable.ts";

// Int32 cells.
const RING = 0;
const ANSWER = 1;
const STATE = 2;
const POSTED = 3;
const LENGTH = 4;
const KIND = 5;
const MODE = 6;
const TARGET = 7;
const STOPPED = 8;
const CELLS = 10; // a Float64 (the task's run time) after them, 8-aligned

const AWAY = 0;
const PARKED = 1;
const CLAIMED = 2;
const CALLED = 3;

/** How an answer came back. */
export const ANSWER_VALUE = 1;
/** The answer went by message (an error, a value JSON does not rebuild). */
export const ANSWER_POSTED = 2;
/** The task returned undefined. */
export const ANSWER_UNDEFINED = 3;

/** UTF-16 code units the slot holds (64 KiB). */
export const SLOT_UNITS = 32 * 1024;

/** Bytes of the buffer behind a doorbell. */
export const DOORBELL_BYTES = CELLS * 4 + 8 + SLOT_UNITS * 2;

/** A task read off the doorbell. */
export interface RungTask {
  mode: number;
  target: number;
  payload: unknown;
}

/** One worker's doorbell, from either side (the buffer is shared). */
export class Doorbell {
  readonly buffer: SharedArrayBuffer;
  #cells: Int32Array;
  #ms: Float64Array;
  #slot: Uint16Array;
  // Worker side: rings seen, run messages received.
  #seen = 0;

  constructor(buffer = new SharedArrayBuffer(DOORBELL_BYTES)) {
    this.buffer = buffer;
    this.#cells = new Int32Array(buffer, 0, CELLS);
    this.#ms = new Float64Array(buffer, CELLS * 4, 1);
    this.#slot = new Uint16Array(buffer, CELLS * 4 + 8, SLOT_UNITS);
  }

  // --- the caller's side ---

  /**
   * Rings a parked worker with one task whose payload JSON rebuilds exactly
   * and fits the slot; returns the ring's number (await it with
   * `answered`), or 0 if the task must go by message.
   */
  ring(mode: number, target: number, payload: unknown): number {
    const cells = this.#cells;
    if (Atomics.load(cells, STATE) !== PARKED) return 0;
    const text = jsonTextOf(payload);
    if (text === undefined || text.length > SLOT_UNITS) return 0;
    if (Atomics.compareExchange(cells, STATE, PARKED, CLAIMED) !== PARKED) {
      return 0;
    }
    writeText(this.#slot, text);
    cells[LENGTH] = text.length;
    cells[MODE] = mode;
    cells[TARGET] = target;
    const seq = Atomics.add(cells, RING, 1) + 1;
    Atomics.notify(cells, RING);
    return seq;
  }

  /** Resolves once ring `seq` is answered, or `release()` was called. */
  async answered(seq: number): Promise<void> {
    const cells = this.#cells;
    for (;;) {
      const now = Atomics.load(cells, ANSWER);
      if (now === seq || Atomics.load(cells, STOPPED)) return;
      const waited = Atomics.waitAsync(cells, ANSWER, now);
      if (waited.async) await waited.value;
    }
  }

  /** Whether ring `seq` was answered. */
  isAnswered(seq: number): boolean {
    return Atomics.load(this.#cells, ANSWER) === seq;
  }

  /** The answer to the last ring: its kind, value and run time. */
  answer(): { kind: number; value: unknown; ms: number } {
    const kind = this.#cells[KIND];
    const value = kind === ANSWER_VALUE
      ? JSON.parse(readText(this.#slot, this.#cells[LENGTH]))
      : undefined;
    return { kind, value, ms: this.#ms[0] };
  }

  /** A message was posted to the worker: a parked one is sent back to its event loop. */
  posted(): void {
    Atomics.add(this.#cells, POSTED, 1);
    this.#call();
  }

  /** The worker is being stopped: it parks no more, and nobody waits on it. */
  release(): void {
    Atomics.store(this.#cells, STOPPED, 1);
    this.#call();
    Atomics.notify(this.#cells, ANSWER);
  }

  #call(): void {
    const cells = this.#cells;
    if (Atomics.compareExchange(cells, STATE, PARKED, CALLED) === PARKED) {
      Atomics.add(cells, RING, 1);
      Atomics.notify(cells, RING);
    }
  }

  // --- the worker's side ---

  /**
   * Parks until a task is rung (returned), the caller calls the worker back
   * to its event loop, or `ms` pass (undefined). `received` counts the run
   * messages the worker received: with any not received yet, it does not
   * park. `answer` sends the last task's answer once parked, so that a
   * caller quick to send the next task finds the worker parked already.
   */
  parkFor(
    ms: number,
    received: number,
    answer: () => void,
  ): RungTask | undefined {
    const cells = this.#cells;
    Atomics.store(cells, STATE, PARKED);
    const behind = Atomics.load(cells, POSTED) !== received ||
      Atomics.load(cells, STOPPED) !== 0;
    try {
      answer();
    } catch (error) {
      this.#takeRing(behind ? 0 : ms); // leaves unclaimed: the answer was not sent
      throw error;
    }
    return this.#takeRing(behind ? 0 : ms);
  }

  // Waits up to `ms` for a ring, then leaves unless claimed or called.
  #takeRing(ms: number): RungTask | undefined {
    const cells = this.#cells;
    if (ms === 0 || Atomics.wait(cells, RING, this.#seen, ms) === "timed-out") {
      if (Atomics.compareExchange(cells, STATE, PARKED, AWAY) === PARKED) {
        return undefined;
      }
    }
    // Claimed or called: the ring follows the claim at once.
    while (Atomics.load(cells, RING) === this.#seen) {
      Atomics.wait(cells, RING, this.#seen);
    }
    this.#seen = Atomics.load(cells, RING);
    const state = Atomics.load(cells, STATE);
    Atomics.store(cells, STATE, AWAY);
    if (state !== CLAIMED) return undefined;
    return {
      mode: cells[MODE],
      target: cells[TARGET],
      payload: JSON.parse(readText(this.#slot, cells[LENGTH])),
    };
  }

  /**
   * Answers the last ring with the value the task returned; false if JSON
   * does not rebuild it or it does not fit (send it by message, then
   * `answerPosted`).
   */
  answerValue(value: unknown, ms: number): boolean {
    let kind = ANSWER_UNDEFINED;
    if (value !== undefined) {
      const text = jsonTextOf(value);
      if (text === undefined || text.length > SLOT_UNITS) return false;
      writeText(this.#slot, text);
      this.#cells[LENGTH] = text.length;
      kind = ANSWER_VALUE;
    }
    this.#answer(kind, ms);
    return true;
  }

  /** The last ring's answer went by message (posted before this call). */
  answerPosted(): void {
    this.#answer(ANSWER_POSTED, 0);
  }

  #answer(kind: number, ms: number): void {
    const cells = this.#cells;
    cells[KIND] = kind;
    this.#ms[0] = ms;
    Atomics.store(cells, ANSWER, this.#seen);
    Atomics.notify(cells, ANSWER);
  }
}

// UTF-16 code units as they are: no encoder, and short texts (most tasks'
// arguments) cost a loop of stores.
function writeText(slot: Uint16Array, text: string): void {
  for (let i = 0; i < text.length; i++) slot[i] = text.charCodeAt(i);
}

const CHUNK = 4096;

function readText(slot: Uint16Array, length: number): string {
  if (length <= CHUNK) {
    return String.fromCharCode.apply(
      null,
      slot.subarray(0, length) as unknown as number[],
    );
  }
  let text = "";
  for (let at = 0; at < length; at += CHUNK) {
    text += String.fromCharCode.apply(
      null,
      slot.subarray(at, Math.min(length, at + CHUNK)) as unknown as number[],
    );
  }
  return text;
}
