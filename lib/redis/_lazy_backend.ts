// The backend of `new Pool({ kind: "redis" })` as the Pool sees it from the
// first moment: built synchronously, with the options checked up front, it
// loads the Redis client (a dynamic import, so that no other kind of pool
// pays for npm:redis) and connects in the background. Tasks submitted
// meanwhile wait here and are handed over once connected, or rejected with
// the connection's error.

import {
  type BackendFactory,
  type BackendSettings,
  DONE,
  NEW,
  type PoolBackend,
  type Task,
} from "../pool/_backend.ts";
import type { PoolStats } from "../pool/_options.ts";
import { PoolClosedError, TimeoutError } from "../errors/mod.ts";
import { type RedisPoolSettings, redisPoolSettings } from "./_pool_options.ts";

interface Waiting {
  task: Task;
  timeout: number;
  signal: AbortSignal | undefined;
  at: number;
}

/** The factory registered for kind "redis". */
export const redisBackend: BackendFactory = (settings: BackendSettings) =>
  new LazyRedisBackend(redisPoolSettings(settings.options, settings.module));

class LazyRedisBackend implements PoolBackend {
  readonly #settings: RedisPoolSettings;
  #backend: PoolBackend | undefined;
  #failure: unknown;
  #waiting: Waiting[] = [];
  #open = true;
  #terminated = false;
  #ready: Promise<void>;

  constructor(settings: RedisPoolSettings) {
    this.#settings = settings;
    this.#ready = this.#start();
  }

  async #start(): Promise<void> {
    try {
      const { RedisCaller } = await import("./_caller.ts");
      const backend = await RedisCaller.open(this.#settings);
      this.#backend = backend;
      if (this.#terminated) return void await backend.terminate();
      for (const w of this.#waiting.splice(0)) this.#handOver(w, backend);
      if (!this.#open) backend.close();
    } catch (error) {
      this.#failure = error;
      for (const { task } of this.#waiting.splice(0)) {
        task.state = DONE;
        task.reject(error);
      }
    }
  }

  #handOver(w: Waiting, backend: PoolBackend): void {
    if (w.task.state !== NEW) return; // dropped while waiting
    let timeout = w.timeout;
    if (timeout > 0) {
      timeout -= Date.now() - w.at;
      if (timeout <= 0) {
        w.task.state = DONE;
        return w.task.reject(
          new TimeoutError(
            `The task did not start within its timeout of ${w.timeout} ms: Redis pool '${this.#settings.name}' was still connecting to ${this.#settings.url}.`,
          ),
        );
      }
    }
    backend.submit(w.task, timeout, w.signal);
  }

  get size(): number {
    return this.#backend?.size ?? this.#settings.size;
  }

  get open(): boolean {
    return this.#open;
  }

  stats(): PoolStats {
    return this.#backend?.stats() ?? {
      size: this.#settings.size,
      busy: 0,
      queued: this.#waiting.length,
      completed: 0,
      failed: 0,
      workers: 0,
      retried: 0,
    } as PoolStats;
  }

  submit(task: Task, timeout: number, signal: AbortSignal | undefined): void {
    if (this.#backend) return this.#backend.submit(task, timeout, signal);
    if (task.state !== NEW) return;
    if (this.#failure !== undefined) {
      task.state = DONE;
      return task.reject(this.#failure);
    }
    if (!this.#open) {
      task.state = DONE;
      return task.reject(
        new PoolClosedError(
          `Cannot submit work to Redis pool '${this.#settings.name}' as it was closed: close() and terminate() stop a pool for good.`,
        ),
      );
    }
    this.#waiting.push({ task, timeout, signal, at: Date.now() });
  }

  drop(task: Task): void {
    if (this.#backend) return this.#backend.drop(task);
    if (task.state === NEW) task.state = DONE;
  }

  close(): void {
    this.#open = false;
    this.#backend?.close();
  }

  async finished(): Promise<void> {
    await this.#ready;
    await this.#backend?.finished();
  }

  async terminate(): Promise<void> {
    this.#open = false;
    this.#terminated = true;
    const error = new PoolClosedError(
      `Redis pool '${this.#settings.name}' was terminated before the task was sent.`,
    );
    for (const { task } of this.#waiting.splice(0)) {
      if (task.state !== NEW) continue;
      task.state = DONE;
      task.reject(error);
    }
    await this.#ready;
    await this.#backend?.terminate();
  }
}
