// The workers of a pool that have nothing to do, and what happens to them
// while they wait. Two rules, one per timer:
// - Unref: a worker that can stop keeping the program alive (a child
//   process) is unref'd, but not at once: under a stream of one-at-a-time
//   calls it is busy again a few microseconds later, and toggling costs more
//   than the call. One that cannot (a Web Worker, see
//   lib/_crossing/worker_port.ts) keeps the program alive while it idles.
// - Retire: a worker idle for `idleTimeout` ms is stopped, as long as the
//   pool keeps more workers than its minSize (`keep()` says when it must
//   not); the next task starts a new one. The thread kind's default of 250 ms
//   is what lets a pool nobody closed end with the program.

import type { Member } from "./_member.ts";

const SWEEP_MS = 5;

/** How idle workers are treated. */
export interface IdleRules {
  /** Unref idle workers (they can stop keeping the program alive). */
  unref: boolean;
  /** Milliseconds idle before a worker retires; Infinity: never. */
  idleTimeout: number;
  /** True while retiring one more worker would leave fewer than minSize. */
  keep(): boolean;
  /** Retires a worker (the pool removes it from this set). */
  retire(member: Member): void;
}

/** The idle workers, most recently idle last. */
export class IdleWorkers {
  #members: Member[] = [];
  #sweepTimer: ReturnType<typeof setTimeout> | undefined;
  #retireTimer: ReturnType<typeof setTimeout> | undefined;
  #rules: IdleRules;

  constructor(rules: IdleRules) {
    this.#rules = rules;
  }

  get size(): number {
    return this.#members.length;
  }

  /** The worker idle last, to be busy again (the longest idle retire first). */
  pop(): Member | undefined {
    return this.#members.pop();
  }

  /** `member` has nothing to do from now on. */
  add(member: Member): void {
    this.#members.push(member);
    member.idleSince = performance.now();
    if (this.#rules.unref && this.#sweepTimer === undefined) {
      this.#sweepTimer = unrefTimer(() => this.#sweep(), SWEEP_MS);
    }
    this.#armRetire(this.#rules.idleTimeout);
  }

  /** Forgets `member` (it died or was stopped). */
  remove(member: Member): void {
    const at = this.#members.indexOf(member);
    if (at >= 0) this.#members.splice(at, 1);
  }

  /** No more timers: the pool is shutting down. */
  stop(): void {
    clearTimeout(this.#sweepTimer);
    clearTimeout(this.#retireTimer);
    this.#sweepTimer = this.#retireTimer = undefined;
  }

  #armRetire(ms: number): void {
    if (this.#retireTimer !== undefined || ms === Infinity) return;
    // At minSize nobody retires; the next add() (the pool grew) arms it.
    if (this.#rules.keep()) return;
    this.#retireTimer = unrefTimer(() => this.#retireIdle(), ms);
  }

  #sweep(): void {
    this.#sweepTimer = undefined;
    for (const member of this.#members) member.worker.ref(false);
  }

  // Oldest idle first, while the pool is above minSize.
  #retireIdle(): void {
    this.#retireTimer = undefined;
    const { idleTimeout, keep, retire } = this.#rules;
    const now = performance.now();
    for (const member of [...this.#members]) {
      if (keep()) return;
      if (now - member.idleSince < idleTimeout) break;
      retire(member);
    }
    if (this.#members.length > 0 && !keep()) {
      const next = this.#members[0].idleSince + idleTimeout - now;
      this.#armRetire(Math.max(1, next));
    }
  }
}

function unrefTimer(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
  const timer = setTimeout(fn, ms);
  Deno.unrefTimer(timer);
  return timer;
}
