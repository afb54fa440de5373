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
import { PoolClosedError, PoolFullError, WorkerCrashedError } from "./pool.ts";
import { ChildStartError, TargetError } from "./process.ts";
import {
  CalledProcessError,
  CommandNotFound,
  SubprocessAbortError,
  TimeoutExpired,
} from "./subprocess.ts";
import { BrokenBarrierError } from "./sync.ts";
import { RedisConnectionError } from "../redis/errors.ts";

/** A library error class (constructors differ; the registry never calls them). */
// deno-lint-ignore no-explicit-any
export type ErrorClass = abstract new (...args: any[]) => Error;

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

const byKey = new Map<string, ErrorClass>(CLASSES.map((c) => [c.name, c]));
const keyOf = new Map<unknown, string>(CLASSES.map((c) => [c, c.name]));

/** The registry key of `error`'s class when it is one of the library's, else undefined. */
export function libraryErrorKey(error: Error): string | undefined {
  return keyOf.get(error.constructor);
}

/** The library error class registered under `key`, if any. */
export function libraryErrorClass(key: string): ErrorClass | undefined {
  return byKey.get(key);
}
