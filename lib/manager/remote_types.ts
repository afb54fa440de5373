// The handles a manager client holds on objects the master serves. Each
// lists only what works remotely: every method is a round trip to the
// master, so each returns a Promise, and nothing reports a state
// synchronously. `Remote<T>` picks the handle type for a served type.

import type { AcquireOptions, Lock } from "../sync/lock.ts";
import type { Semaphore } from "../sync/semaphore.ts";
import type { Event } from "../sync/event.ts";
import type { Barrier } from "../sync/barrier.ts";
import type { Scalar, SharedArray, Value, ValueType } from "../sync/value.ts";
import type { JoinableQueue, Queue } from "../queue/queue.ts";
import type {
  RemoteJoinableQueue,
  RemoteQueue,
} from "../queue/remote_queue.ts";

/**
 * The stand-in for an Event registered on the master: each method is a
 * round trip, so each returns a Promise.
 *
 * @example
 * ```ts
 * import type { RemoteEvent } from "@multitask/core/manager";
 *
 * export async function waitForStart(started: RemoteEvent): Promise<void> {
 *   if (!(await started.wait(10_000))) throw new Error("the master never said go");
 * }
 * ```
 */
export interface RemoteEvent {
  /** Sets the flag on the master, waking every waiter. */
  set(): Promise<void>;
  /** Lowers the flag. */
  clear(): Promise<void>;
  /** Whether the flag is set. */
  isSet(): Promise<boolean>;
  /** Waits until the flag is set or `timeout` ms pass; resolves with the flag. */
  wait(timeout?: number): Promise<boolean>;
}

/**
 * The stand-in for a Lock the master serves [a manager's Lock proxy]. A
 * client that dies or disconnects while waiting in `acquire` stops waiting
 * on the master and takes nothing; a lock a dead client held stays held (as a
 * Lock held by a thread that died does), since what it guarded may be half
 * updated.
 *
 * @example
 * ```ts
 * import type { RemoteLock } from "@multitask/core/manager";
 *
 * export async function critical(lock: RemoteLock): Promise<void> {
 *   if (!(await lock.acquire({ timeout: 1000 }))) throw new Error("busy");
 *   try {
 *     // ... the work the lock guards
 *   } finally {
 *     await lock.release();
 *   }
 * }
 * ```
 */
export interface RemoteLock {
  /** Waits for the lock (`{ timeout }` in ms; no `signal`: it cannot cross); resolves true once held. */
  acquire(options?: Omit<AcquireOptions, "signal">): Promise<boolean>;
  /** Releases it; rejects with RuntimeError when it was not locked. */
  release(): Promise<void>;
  /** Takes it only if it is free at once. */
  tryAcquire(): Promise<boolean>;
  /** Whether someone holds it. */
  locked(): Promise<boolean>;
}

/**
 * The stand-in for a Semaphore (or BoundedSemaphore) the master serves. A
 * waiting `acquire` of a client that dies is cancelled and takes nothing.
 *
 * @example
 * ```ts
 * import type { RemoteSemaphore } from "@multitask/core/manager";
 *
 * export async function limited(slots: RemoteSemaphore): Promise<void> {
 *   await slots.acquire();
 *   try {
 *     // ... at most N clients at once
 *   } finally {
 *     await slots.release();
 *   }
 * }
 * ```
 */
export interface RemoteSemaphore {
  /** Waits for a slot (`{ timeout }` in ms); resolves true once taken. */
  acquire(options?: Omit<AcquireOptions, "signal">): Promise<boolean>;
  /** Gives back `n` slots (default 1); a BoundedSemaphore rejects with RangeError above its start value. */
  release(n?: number): Promise<void>;
  /** Takes a slot only if one is free at once. */
  tryAcquire(): Promise<boolean>;
}

/**
 * The stand-in for a Barrier the master serves. A client that dies or
 * disconnects while waiting breaks the barrier, as a party that times out
 * does: the other parties get BrokenBarrierError instead of waiting for it
 * forever.
 *
 * @example
 * ```ts
 * import type { RemoteBarrier } from "@multitask/core/manager";
 *
 * export async function meet(barrier: RemoteBarrier): Promise<number> {
 *   return await barrier.wait(5000); // this party's arrival index
 * }
 * ```
 */
export interface RemoteBarrier {
  /** Waits for every party (`timeout` in ms); resolves with this arrival's index. */
  wait(timeout?: number): Promise<number>;
  /** Breaks the barrier for every waiting and later party. */
  abort(): Promise<void>;
  /** Returns it to its initial state (waiting parties get BrokenBarrierError). */
  reset(): Promise<void>;
}

/**
 * The stand-in for a Value the master serves [a manager's Value proxy]:
 * `get`/`set`, and `add` (atomic on the master, returns the previous value).
 *
 * @example
 * ```ts
 * import type { RemoteValue } from "@multitask/core/manager";
 *
 * export async function hit(counter: RemoteValue<"i32">): Promise<number> {
 *   return (await counter.add(1)) + 1;
 * }
 * ```
 */
export interface RemoteValue<T extends ValueType = ValueType> {
  /** The current value. */
  get(): Promise<Scalar<T>>;
  /** Stores a value. */
  set(value: Scalar<T>): Promise<void>;
  /** Adds `delta` atomically; resolves with the value before. */
  add(delta: Scalar<T>): Promise<Scalar<T>>;
}

/**
 * The stand-in for a SharedArray the master serves [a manager's Array proxy].
 *
 * @example
 * ```ts
 * import type { RemoteSharedArray } from "@multitask/core/manager";
 *
 * export async function tally(counts: RemoteSharedArray<"i32">, bucket: number): Promise<void> {
 *   await counts.add(bucket, 1);
 * }
 * ```
 */
export interface RemoteSharedArray<T extends ValueType = ValueType> {
  /** The element at `index` (RangeError outside the array). */
  get(index: number): Promise<Scalar<T>>;
  /** Stores an element. */
  set(index: number, value: Scalar<T>): Promise<void>;
  /** Adds `delta` to an element atomically; resolves with the element before. */
  add(index: number, delta: Scalar<T>): Promise<Scalar<T>>;
  /** A copy of every element. */
  toArray(): Promise<Scalar<T>[]>;
}

/**
 * A dict the master holds for a client [SyncManager.dict()]: a Map on the
 * master, reached by key. Each method runs on the master, one call at a
 * time, so `setDefault` is an atomic get-or-set.
 *
 * @example
 * ```ts
 * import type { RemoteDict } from "@multitask/core/manager";
 *
 * export async function count(words: RemoteDict<string, number>, word: string): Promise<void> {
 *   await words.set(word, ((await words.get(word)) ?? 0) + 1);
 * }
 * ```
 */
export interface RemoteDict<K = unknown, V = unknown> {
  /** The value stored at `key`, or undefined. */
  get(key: K): Promise<V | undefined>;
  /** Stores `value` at `key`. */
  set(key: K, value: V): Promise<void>;
  /** Whether `key` is present. */
  has(key: K): Promise<boolean>;
  /** Removes `key`; resolves with whether it was there. */
  delete(key: K): Promise<boolean>;
  /** Removes every entry. */
  clear(): Promise<void>;
  /** The number of entries [len(d)]. */
  size(): Promise<number>;
  /** The keys, in insertion order. */
  keys(): Promise<K[]>;
  /** The values, in insertion order. */
  values(): Promise<V[]>;
  /** The entries [d.items()]. */
  entries(): Promise<[K, V][]>;
  /** Stores `value` unless `key` is present; resolves with what is stored [d.setdefault]. */
  setDefault(key: K, value: V): Promise<V>;
  /** Stores every entry [d.update]. */
  update(entries: Iterable<readonly [K, V]>): Promise<void>;
  /** A copy of the whole dict, as a Map [d.copy()]. */
  copy(): Promise<Map<K, V>>;
}

/**
 * A list the master holds for a client [SyncManager.list()]: an Array on
 * the master. Indices may be negative, counting from the end, as in Python;
 * one out of range rejects with RangeError [IndexError].
 *
 * @example
 * ```ts
 * import type { RemoteList } from "@multitask/core/manager";
 *
 * export async function record(log: RemoteList<string>, line: string): Promise<number> {
 *   return await log.push(line); // the new length
 * }
 * ```
 */
export interface RemoteList<T = unknown> {
  /** The item at `index` (negative: from the end). */
  get(index: number): Promise<T>;
  /** Replaces the item at `index`. */
  set(index: number, value: T): Promise<void>;
  /** Appends items [append]; resolves with the new length. */
  push(...items: T[]): Promise<number>;
  /** Appends every item of `items` [extend]; resolves with the new length. */
  extend(items: T[]): Promise<number>;
  /** Inserts `value` before `index`. */
  insert(index: number, value: T): Promise<void>;
  /** Removes and returns the item at `index` (default the last) [pop]. */
  pop(index?: number): Promise<T>;
  /** Removes the first item equal (===) to `value`; RangeError if none [remove]. */
  remove(value: T): Promise<void>;
  /** The index of the first item equal (===) to `value`, or -1. */
  indexOf(value: T): Promise<number>;
  /** Whether an item equals (===) `value`. */
  includes(value: T): Promise<boolean>;
  /** The number of items [len(l)]. */
  length(): Promise<number>;
  /** A copy of part of the list, as Array.prototype.slice. */
  slice(start?: number, end?: number): Promise<T[]>;
  /** Removes every item. */
  clear(): Promise<void>;
  /** A copy of the whole list. */
  copy(): Promise<T[]>;
}

/**
 * A namespace the master holds for a client [SyncManager.Namespace()]:
 * named fields, read and written with `get`/`set` (a field cannot be a
 * property: reading it is a round trip).
 *
 * @example
 * ```ts
 * import type { RemoteNamespace } from "@multitask/core/manager";
 *
 * export async function progress(ns: RemoteNamespace<{ done: number }>): Promise<void> {
 *   await ns.set("done", ((await ns.get("done")) ?? 0) + 1);
 * }
 * ```
 */
export interface RemoteNamespace<
  T extends Record<string, unknown> = Record<string, unknown>,
> {
  /** The field's value, or undefined. */
  get<K extends keyof T & string>(key: K): Promise<T[K] | undefined>;
  /** Sets a field. */
  set<K extends keyof T & string>(key: K, value: T[K]): Promise<void>;
  /** Whether the field is set. */
  has(key: keyof T & string): Promise<boolean>;
  /** Removes the field; resolves with whether it was set. */
  delete(key: keyof T & string): Promise<boolean>;
  /** Sets several fields. */
  update(fields: Partial<T>): Promise<void>;
  /** A copy of every field, as a plain object. */
  copy(): Promise<Partial<T>>;
}

/**
 * What a method of `T` returning `R` resolves with through a
 * {@linkcode Proxied} handle: the handle itself when the method returns its
 * own object (a Map's `set`), an array when it returns an iterator (which
 * cannot cross; a Map's `keys`), otherwise `R` awaited.
 *
 * @example
 * ```ts
 * import type { RemoteResult } from "@multitask/core/manager";
 *
 * const keys: RemoteResult<Map<string, number>, MapIterator<string>> = ["a", "b"];
 * ```
 */
export type RemoteResult<T, R> = [Awaited<R>] extends [T]
  ? [T] extends [Awaited<R>] ? Proxied<T> : Awaited<R>
  : Awaited<R> extends Iterator<infer E> ? E[]
  : Awaited<R>;

/**
 * The handle `client.proxy<T>(name)` gives for any object served by its
 * methods (a Map, an instance of the user's class): each method of `T`,
 * returning a Promise of its result. Arguments and results cross as they do
 * to a child process (structured clone: a class instance arrives as a plain
 * object); a method returning an iterator resolves with an array, one
 * returning its own object with the handle. Properties and accessors are not
 * reachable, nor methods whose names start with "_".
 *
 * @example
 * ```ts
 * import type { Proxied } from "@multitask/core/manager";
 *
 * class Counter {
 *   n = 0;
 *   add(k: number): number {
 *     return (this.n += k);
 *   }
 * }
 * export async function twice(counter: Proxied<Counter>): Promise<number> {
 *   await counter.add(1);
 *   return await counter.add(1);
 * }
 * ```
 */
export type Proxied<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]:
    T[K] extends (...args: infer A) => infer R
      ? (...args: A) => Promise<RemoteResult<T, R>>
      : never;
};

/**
 * The handle a client gets for a served `T`: the library's remote handle for
 * its own types (a RemoteQueue for a Queue, a RemoteLock for a Lock...), and
 * {@linkcode Proxied} for anything else.
 *
 * @example
 * ```ts
 * import type { Lock } from "@multitask/core";
 * import type { Remote, RemoteLock } from "@multitask/core/manager";
 *
 * const check: (lock: Remote<Lock>) => RemoteLock = (lock) => lock;
 * ```
 */
export type Remote<T> = T extends JoinableQueue<infer I>
  ? RemoteJoinableQueue<I>
  : T extends Queue<infer I> ? RemoteQueue<I>
  : T extends Lock ? RemoteLock
  : T extends Semaphore ? RemoteSemaphore
  : T extends Event ? RemoteEvent
  : T extends Barrier ? RemoteBarrier
  : T extends Value<infer V> ? RemoteValue<V>
  : T extends SharedArray<infer V> ? RemoteSharedArray<V>
  : Proxied<T>;
