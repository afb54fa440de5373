// Mutual exclusion between processes through an advisory lock (flock) on a
// file, with Deno.FsFile.lock. The operating system drops the lock when the
// holder exits or dies, so a crashed process never leaves it stuck. The lock
// file is created if missing and never deleted (deleting a lock file races
// with the next process opening it).

import { delay } from "jsr:@std/async@^1.5.0/delay";
import { RuntimeError } from "../errors/base.ts";
import type { AcquireOptions } from "./lock.ts";
import { optionsDeadline, signalOption } from "./_wait.ts";

const POLL_MIN = 1;
const POLL_MAX = 50;

/**
 * A lock shared by processes through a file [filelock / fcntl.flock]. Every
 * FileLock on the same path, in any process (this one included), excludes
 * the others. Released on `release()`, on scope exit with `using`, and by
 * the operating system if the holding process dies.
 *
 * @example Serialise a critical section across processes
 * ```ts
 * import { FileLock } from "@multitask/core/sync";
 *
 * const path = await Deno.makeTempFile();
 * const lock = new FileLock(path);
 * {
 *   using _ = await lock.hold();
 *   console.log(lock.locked()); // true
 *   console.log(await new FileLock(path).acquire({ timeout: 0 })); // false
 * }
 * console.log(lock.locked()); // false
 * await Deno.remove(path);
 * ```
 */
export class FileLock implements Disposable {
  /** The lock file's path. */
  readonly path: string;
  #file: Deno.FsFile | null = null;
  #acquiring = false;
  #waiters: (() => void)[] = [];

  /** Creates a lock on `path` (the file is created on first acquire). */
  constructor(path: string | URL) {
    if (path instanceof URL) {
      if (path.protocol !== "file:") {
        throw new TypeError(
          `Cannot create FileLock as 'path' must be a file path or file: URL: received ${path.href}`,
        );
      }
      this.path = decodeURIComponent(path.pathname);
    } else if (typeof path === "string" && path !== "") {
      this.path = path;
    } else {
      throw new TypeError(
        `Cannot create FileLock as 'path' must be a non-empty string or file: URL: received ${
          JSON.stringify(path)
        }`,
      );
    }
  }

  /**
   * Waits until no other FileLock on this path is held and takes it.
   * Resolves to false if `timeout` ms pass first (0: just try once); an
   * aborted `signal` rejects with its reason and takes nothing.
   *
   * @example
   * ```ts
   * import { FileLock } from "@multitask/core/sync";
   *
   * const path = await Deno.makeTempFile();
   * const lock = new FileLock(path);
   * console.log(await lock.acquire({ timeout: 1000 })); // true
   * lock.release();
   * await Deno.remove(path);
   * ```
   */
  async acquire(options?: AcquireOptions): Promise<boolean> {
    const deadline = optionsDeadline(options, "acquire a FileLock");
    const signal = signalOption(options, "acquire a FileLock");
    signal?.throwIfAborted();
    // One acquisition per instance at a time: flock on an fd we already hold
    // would succeed again, so waiters in this process queue here first.
    while (this.#file || this.#acquiring) {
      if (!(await this.#waitLocal(deadline, signal))) return false;
    }
    this.#acquiring = true;
    let file: Deno.FsFile | undefined;
    try {
      file = await Deno.open(this.path, {
        read: true,
        write: true,
        create: true,
      });
      // A blocking flock cannot be called off: with a signal, poll instead.
      const got = deadline === Infinity && !signal
        ? (await file.lock(true), true)
        : await pollLock(file, deadline, signal);
      if (!got) {
        file.close();
        return false;
      }
      this.#file = file;
      return true;
    } catch (error) {
      file?.close();
      throw error;
    } finally {
      this.#acquiring = false;
      if (!this.#file) this.#wakeOne();
    }
  }

  /**
   * Releases the lock; throws {@linkcode RuntimeError} if this FileLock does
   * not hold it.
   *
   * @example
   * ```ts
   * import { FileLock } from "@multitask/core/sync";
   *
   * const path = await Deno.makeTempFile();
   * const lock = new FileLock(path);
   * await lock.acquire();
   * lock.release();
   * console.log(lock.locked()); // false
   * await Deno.remove(path);
   * ```
   */
  release(): void {
    const file = this.#file;
    if (!file) {
      throw new RuntimeError(
        `Cannot release the FileLock on ${this.path}: it is not held. release() must follow a successful acquire(); prefer 'using _ = await lock.hold()'.`,
      );
    }
    this.#file = null;
    try {
      file.unlockSync();
    } finally {
      file.close(); // closing drops the lock even if unlock failed
      this.#wakeOne();
    }
  }

  /**
   * True while this FileLock holds the lock.
   *
   * @example
   * ```ts
   * import { FileLock } from "@multitask/core/sync";
   *
   * const path = await Deno.makeTempFile();
   * console.log(new FileLock(path).locked()); // false
   * await Deno.remove(path);
   * ```
   */
  locked(): boolean {
    return this.#file !== null;
  }

  /**
   * Acquires and returns a Disposable that releases: `using _ = await lock.hold()`.
   *
   * @example
   * ```ts
   * import { FileLock } from "@multitask/core/sync";
   *
   * const path = await Deno.makeTempFile();
   * const lock = new FileLock(path);
   * {
   *   using _ = await lock.hold();
   *   console.log(lock.locked()); // true
   * }
   * await Deno.remove(path);
   * ```
   */
  async hold(): Promise<Disposable> {
    await this.acquire();
    let released = false;
    return {
      [Symbol.dispose]: () => {
        if (released) return;
        released = true;
        this.release();
      },
    };
  }

  /** Releases the lock if this FileLock holds it. */
  [Symbol.dispose](): void {
    if (this.#file) this.release();
  }

  #waitLocal(deadline: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const leave = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const index = this.#waiters.indexOf(wake);
        if (index >= 0) this.#waiters.splice(index, 1);
      };
      const wake = () => {
        leave();
        resolve(true);
      };
      const onAbort = () => {
        leave();
        reject(signal!.reason);
      };
      this.#waiters.push(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (deadline !== Infinity) {
        timer = setTimeout(() => {
          leave();
          resolve(false);
        }, Math.max(0, deadline - performance.now()));
      }
    });
  }

  #wakeOne(): void {
    this.#waiters.shift()?.();
  }
}

// flock has no timeout: try without blocking, backing off up to 50 ms.
async function pollLock(
  file: Deno.FsFile,
  deadline: number,
  signal?: AbortSignal,
): Promise<boolean> {
  let pause = POLL_MIN;
  while (true) {
    if (await file.tryLock(true)) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    await delay(Math.min(pause, left), { signal });
    pause = Math.min(pause * 2, POLL_MAX);
  }
}
