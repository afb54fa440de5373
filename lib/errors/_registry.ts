// The one registry of the library's error classes. An error crosses to
// another isolate as a description (lib/_crossing/errors.ts) naming its
// class by key; the receiver rebuilds it from the same class, so
// `instanceof` holds on every side: a queue's Empty raised by a manager, a
// pool task's TimeoutError, a command's TimeoutExpired inside a child.

import { AbortError, RuntimeError, TimeoutError } from "./base.ts";
import {
  AuthenticationError,
  ConnectionClosedError,
  FrameError,
} from "./connection.ts";
import {
  BrokenPipeError,
  Empty,
  EOFError,
  Full,
  QueueClosed,
} from "./queue.ts";
import {
  PoolClosedError,
  PoolFullError,
  WorkerCrashedError,
  WorkerOutOfMemoryError,
} from "./pool.ts";
import { ChildStartError, TargetError } from "./process.ts";
import {
  CalledProcessError,
  CommandNotFound,
  SubprocessAbortError,
  TimeoutExpired,
} from "./subprocess.ts";
import { BrokenBarrierError } from "./sync.ts";
import { RedisConnectionError } from "../redis/errors.ts";

import {
  type ErrorClass,
  libraryErrorKey,
  registeredErrorClass,
  registerErrorClasses,
} from "./_keys.ts";

export { type ErrorClass, libraryErrorKey };

const CLASSES: readonly ErrorClass[] = [
  TimeoutError,
  AbortError,
  RuntimeError,
  FrameError,
  ConnectionClosedError,
  AuthenticationError,
  Empty,
  Full,
  QueueClosed,
  EOFError,
  BrokenPipeError,
  WorkerCrashedError,
  WorkerOutOfMemoryError,
  PoolClosedError,
  PoolFullError,
  ChildStartError,
  TargetError,
  CalledProcessError,
  TimeoutExpired,
  SubprocessAbortError,
  CommandNotFound,
  BrokenBarrierError,
  RedisConnectionError,
];

// Each registered itself as it loaded (see _keys.ts); listed here so that
// importing this module loads them all.
registerErrorClasses(...CLASSES);

/** The library error class registered under `key`, if any. */
export function libraryErrorClass(key: string): ErrorClass | undefined {
  return registeredErrorClass(key);
}
