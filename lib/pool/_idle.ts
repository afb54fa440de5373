// The workers of a pool that have nothing to do, and what happens to them
// while they wait. A worker that can stop keeping the program alive (a
// child process) is unref'd, but not at once: under a stream of one-at-a-time
// calls it is busy again a few microseconds later, and toggling costs more
// than the call. One that cannot (a Web Worker, see
// lib/_crossing/worker_port.ts) is retired after `retireAfter` ms idle
// instead; the next task starts a new one.

import type { Member } from "./_member.ts";

const SWEEP_MS = 5;

/** The idle workers, most recently idle last. */
export class IdleWorkers {
  #members: Member[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #retireAfter: number | undefined;
  #retire: (member: Member) => void;

  /**
   * @param retireAfter Milliseconds after which an idle worker is retired;
   * undefined: idle workers are unref'd and stay.
   * @param retire Retires a worker (the pool removes it from this set).
   */
  constructor(
    retireAfter: number | undefined,
    retire: (member: Member) => void,
  ) {
    this.#retireAfter = retireAfter;
    this.#retire = retire;
  }

  get size(): number {
    return this.#members.length;
  }

  /** The worker idle last, to be busy again. */
  pop(): Member | undefined {
    return this.#members.pop();
  }

  /** `member` has nothing to do from now on. */
  add(member: Member): void {
    this.#members.push(member);
    member.idleSince = performance.now();
    if (this.#timer !== undefined) return;
    const timer = this.#retireAfter === undefined
      ? setTimeout(() => this.#sweep(), SWEEP_MS)
      : setTimeout(() => this.#retireIdle(), this.#retireAfter);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  /** Forgets `member` (it died or was stopped). */
  remove(member: Member): void {
    const at = this.#members.indexOf(member);
    if (at >= 0) this.#members.splice(at, 1);
  }

  /** No more timers: the pool is shutting down. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #sweep(): void {
    this.#timer = undefined;
    for (const member of this.#members) member.worker.ref(false);
  }

  #retireIdle(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (const member of [...this.#members]) {
      if (now - member.idleSince >= this.#retireAfter!) this.#retire(member);
    }
    if (this.#members.length > 0) {
      const next = this.#members[0].idleSince + this.#retireAfter! - now;
      this.#timer = setTimeout(() => this.#retireIdle(), Math.max(1, next));
      Deno.unrefTimer(this.#timer);
    }
  }
}
