// Test helpers for the Redis pool: in-process workers on a test server, and
// worker processes started as users start them.

import { deadline, delay } from "@std/async";
import { Pool } from "../pool/mod.ts";
import type { PoolOptions } from "../pool/mod.ts";
import { type RedisWorker, startWorker, type WorkerOptions } from "./worker.ts";
import { killAtTestEnd, killWithUs } from "./_test_server.ts";

/**
 * How long a test helper waits for something that must happen (a drain, a
 * pool's last results, a process' exit) before it fails the test instead
 * of hanging the suite. A guard, not a measure.
 */
export const HANG = 60_000;

/** The module the tests' tasks come from. */
export const TASKS = new URL("./testdata/pool_tasks.ts", import.meta.url).href;
/** Another module, that a worker may run instead. */
export const OTHER = new URL("./testdata/other_tasks.ts", import.meta.url).href;

/**
 * An in-process worker, drained at scope exit; one that does not stop
 * within HANG is terminated and fails the test.
 */
export async function worker(
  url: string,
  options: Partial<WorkerOptions> = {},
): Promise<RedisWorker & AsyncDisposable> {
  const w = await deadline(
    startWorker({
      redis: url,
      modules: [TASKS],
      authkey: "test-key",
      concurrency: 2,
      ...options,
    }),
    HANG,
  );
  return Object.assign(w, {
    [Symbol.asyncDispose]: () =>
      guarded(w.drain(), () => w.terminate(), `worker ${w.id} to drain`),
  });
}

/**
 * A redis pool on `url` with the test key. At scope exit it closes and
 * waits for its tasks as any pool does; one still waiting after HANG is
 * terminated and fails the test.
 */
export function redisPool(url: string, options: PoolOptions = {}): Pool {
  const pool = new Pool({
    kind: "redis",
    redis: url,
    module: TASKS,
    authkey: "test-key",
    ...options,
  });
  return Object.assign(pool, {
    [Symbol.asyncDispose]: () => {
      pool.close();
      return guarded(
        pool.join(),
        () => pool.terminate(),
        "the pool's tasks to finish at scope exit",
      );
    },
  });
}

/** Waits for `work`; after HANG, `stop()` (itself bounded) and an error. */
async function guarded(
  work: Promise<void>,
  stop: () => Promise<void>,
  what: string,
): Promise<void> {
  try {
    await deadline(work, HANG);
  } catch (error) {
    await deadline(stop(), HANG).catch(() => {});
    throw new Error(`timed out waiting for ${what}`, { cause: error });
  }
}

/** A worker process, as `deno task worker` starts one. */
export class WorkerProcess implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #watch: { release(): Promise<void> };
  readonly #stderr: Promise<string>;
  #log = "";
  #started: Promise<void>;
  #said: (() => void)[] = [];

  constructor(url: string, args: string[] = []) {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("./worker.ts", import.meta.url).pathname,
        "--redis",
        url,
        "--module",
        TASKS,
        "--authkey",
        "test-key",
        ...args,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    // Killed when the test ends, even one that fails before disposing it,
    // and when this process dies.
    const forget = killAtTestEnd(() => this[Symbol.asyncDispose]());
    this.#watch = killWithUs(child.pid);
    child.status.then(forget);
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    this.#started = promise;
    this.#stderr = (async () => {
      for await (
        const chunk of child.stderr.pipeThrough(new TextDecoderStream())
      ) {
        this.#log += chunk;
        if (/ started\n/.test(this.#log)) resolve();
        for (const wake of this.#said.splice(0)) wake();
      }
      for (const wake of this.#said.splice(0)) wake();
      reject(new Error(`the worker exited before it started:\n${this.#log}`));
      return this.#log;
    })();
    this.#stderr.catch(() => {});
    promise.catch(() => {});
  }

  /** The worker's id, as it announced it ("worker <id> started"). */
  get id(): string {
    return /worker (\S+) started/.exec(this.#log)?.[1] ?? "";
  }

  /** Resolves once the worker wrote a line matching `pattern` (fails if it exits first). */
  async said(pattern: RegExp): Promise<void> {
    let exited = false;
    this.#stderr.then(() => (exited = true), () => (exited = true));
    while (!pattern.test(this.#log)) {
      if (exited) {
        throw new Error(`the worker never said ${pattern}:\n${this.#log}`);
      }
      await deadline(
        new Promise<void>((resolve) => this.#said.push(resolve)),
        HANG,
      );
    }
  }

  /** Resolves once the worker said it started (it is in the group). */
  started(): Promise<void> {
    return deadline(this.#started, HANG);
  }

  kill(signal: Deno.Signal): void {
    try {
      this.#child.kill(signal);
    } catch { /* gone */ }
  }

  /** Waits for the exit; its code and what it wrote. One still running after HANG is killed and fails the test. */
  async exit(): Promise<{ code: number; stderr: string }> {
    let status: Deno.CommandStatus;
    try {
      status = await deadline(this.#child.status, HANG);
    } catch (error) {
      this.kill("SIGKILL");
      await this.#child.status;
      throw new Error(`the worker did not exit:\n${this.#log}`, {
        cause: error,
      });
    } finally {
      await this.#watch.release();
    }
    return {
      code: status.code,
      stderr: await this.#stderr.catch(() => this.#log),
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.kill("SIGKILL");
    await this.#child.status; // SIGKILL always ends it
    await this.#watch.release();
    await this.#stderr.catch(() => {});
  }
}

/** `t.step` whose body fails after HANG instead of hanging. */
export function guardedStep(
  t: Deno.TestContext,
  name: string,
  fn: () => Promise<void>,
): Promise<boolean> {
  return t.step(name, () => deadline(fn(), HANG));
}

/** Polls `check` until it holds, or fails after `ms` (a guard, not a measure). */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  ms = 20_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}
