// What a local pool counts about itself (its stats beyond the live workers)
// and its back-pressure signal: kept apart from the scheduler, which only
// reports to them.

import { Histogram } from "./_histogram.ts";
import type { PoolStats } from "./_options.ts";

/** Tasks done and failed, run and wait times, and busy time for utilization. */
export class Meter {
  completed = 0;
  failed = 0;
  readonly runTime: Histogram = new Histogram();
  readonly waitTime: Histogram = new Histogram();
  readonly #createdAt = performance.now();

  /** The counted part of the pool's stats. */
  summary(
    maxSize: number,
  ): Pick<
    PoolStats,
    "completed" | "failed" | "runTime" | "waitTime" | "utilization"
  > {
    return {
      completed: this.completed,
      failed: this.failed,
      runTime: this.runTime.summary(),
      waitTime: this.waitTime.summary(),
      utilization: this.#utilization(maxSize),
    };
  }

  // Busy time is what workers measured running their batches; capacity is
  // maxSize workers all along (piscina's maxThreads), so an elastic pool
  // that stayed small under light load reads as lightly used, which it was.
  #utilization(maxSize: number): number {
    const capacity = maxSize * (performance.now() - this.#createdAt);
    return capacity > 0 ? Math.min(1, this.runTime.sum / capacity) : 0;
  }
}

/** needsDrain and drained(): the queue is long once it holds `at` tasks. */
export class DrainGate {
  readonly #at: number;
  #waiters: (() => void)[] | undefined;

  /** @param at Queued tasks from which the pool needs draining. */
  constructor(at: number) {
    this.#at = at;
  }

  /** Whether `queued` tasks are too many. */
  full(queued: number): boolean {
    return queued >= this.#at;
  }

  /** Resolves once the queue is below the mark (at once if it is). */
  drained(queued: number): Promise<void> {
    if (!this.full(queued)) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    (this.#waiters ??= []).push(resolve);
    return promise;
  }

  /** The queue may have shrunk to `queued`: wakes the waiters if it is below the mark. */
  check(queued: number): void {
    if (this.#waiters === undefined || this.full(queued)) return;
    const waiters = this.#waiters;
    this.#waiters = undefined;
    for (const resolve of waiters) resolve();
  }
}
