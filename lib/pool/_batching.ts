// How many tasks a local pool sends a worker at once, from the time its
// tasks have been taking: the scheduler asks, workers' replies teach it.

// Batches are sized so that one takes about this long to run: long enough
// to amortise a message, short enough to keep the workers evenly loaded.
const BATCH_MS = 2;
// With tiny tasks a worker gets its next batches while it runs one, so it
// never waits for a message (batches queued behind a crash go back to the
// queue). Only when tasks are known to be short: a long task would hold back
// the batches behind it while another worker sits idle.
/** Most batches a worker holds at once when pipelining. */
export const PIPELINE = 3;
const PIPELINE_TASK_MS = 0.25;

/** The measured cost of a task, and the batch sizes it calls for. */
export class Batching {
  #perTask = 0;

  /** A batch ran at `ms` per task: folded into the running estimate. */
  observe(ms: number): void {
    this.#perTask = this.#perTask === 0 ? ms : this.#perTask * 0.7 + ms * 0.3;
  }

  /** Whether busy workers get more batches ahead of their replies. */
  get pipelining(): boolean {
    return this.#perTask > 0 && this.#perTask < PIPELINE_TASK_MS;
  }

  /**
   * Tasks for the next batch: a fair share of the `queued` ones among
   * `workers` (times the pipeline depth), about BATCH_MS of work, at most
   * `most` (the kind's batch limit, or what the worker may still run).
   */
  limit(queued: number, workers: number, most: number): number {
    const depth = this.pipelining ? PIPELINE : 1;
    const share = Math.ceil(queued / (workers * depth));
    const byCost = this.#perTask > 0 ? Math.floor(BATCH_MS / this.#perTask) : 1;
    return Math.max(1, Math.min(share, byCost, most));
  }
}
