/**
 * Every error the library raises, in one hierarchy with Python's names. One
 * {@linkcode TimeoutError} and one {@linkcode AbortError} serve every module
 * (`TimeoutExpired` and `SubprocessAbortError` subclass them), and errors
 * keep their class when they cross to a thread, a child process or a
 * manager client, so `instanceof` holds wherever they are caught. Each
 * module's own entry point exports its errors too.
 *
 * @example Catch any timeout of the library
 * ```ts
 * import { TimeoutError, TimeoutExpired } from "@multitask/core";
 * import { run } from "@multitask/core/subprocess";
 *
 * try {
 *   await run(["sleep", "5"], { timeout: 50 });
 * } catch (error) {
 *   console.log(error instanceof TimeoutExpired, error instanceof TimeoutError); // true true
 * }
 * ```
 *
 * @module
 */

export { AbortError, RuntimeError, TimeoutError } from "./base.ts";
export {
  AuthenticationError,
  ConnectionClosedError,
  FrameError,
} from "./connection.ts";
export {
  BrokenPipeError,
  Empty,
  EOFError,
  Full,
  QueueClosed,
} from "./queue.ts";
export {
  PoolClosedError,
  PoolFullError,
  WorkerCrashedError,
  WorkerOutOfMemoryError,
} from "./pool.ts";
export { ChildStartError, TargetError } from "./process.ts";
export {
  CalledProcessError,
  type CapturedOutput,
  CommandNotFound,
  SubprocessAbortError,
  type SubprocessOutput,
  TimeoutExpired,
} from "./subprocess.ts";
export { BrokenBarrierError } from "./sync.ts";
export { RedisConnectionError } from "../redis/errors.ts";
