// Bare Web Workers: the baseline the pool figures are measured against. Each
// worker answers a message [a, b] with a + b (bench/_bare_worker.ts); the
// main thread hands tasks out round-robin and counts the answers.

const WORKER = new URL("./_bare_worker.ts", import.meta.url);

/** `size` bare Web Workers, each answering one message per task. */
export class BareWorkers implements Disposable {
  #workers: Worker[];
  #pending = 0;
  #total = 0;
  #done: (() => void) | undefined;

  private constructor(workers: Worker[]) {
    this.#workers = workers;
    for (const w of workers) {
      w.onmessage = (event: MessageEvent<number>) => {
        this.#total += event.data;
        if (--this.#pending === 0) this.#done?.();
      };
    }
  }

  /** Starts the workers; resolves once each has answered one message. */
  static async start(size: number): Promise<BareWorkers> {
    const workers = Array.from(
      { length: size },
      () => new Worker(WORKER, { type: "module" }),
    );
    const bare = new BareWorkers(workers);
    await bare.#send(size);
    return bare;
  }

  /** Tasks `[i, 1]` for i < `tasks`, all at once, round-robin; resolves to the sum of the answers. */
  inFlight(tasks: number): Promise<number> {
    return this.#send(tasks);
  }

  /** `tasks` round trips to the first worker, one after another. */
  async oneAtATime(tasks: number): Promise<number> {
    let total = 0;
    for (let i = 0; i < tasks; i++) total += await this.#send(1, i);
    return total;
  }

  #send(tasks: number, first = 0): Promise<number> {
    const { promise, resolve } = Promise.withResolvers<number>();
    this.#pending = tasks;
    this.#total = 0;
    this.#done = () => resolve(this.#total);
    const n = this.#workers.length;
    for (let i = 0; i < tasks; i++) {
      this.#workers[i % n].postMessage([first + i, 1]);
    }
    return promise;
  }

  /** Terminates every worker. */
  [Symbol.dispose](): void {
    for (const w of this.#workers) w.terminate();
  }
}
