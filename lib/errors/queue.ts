// The errors of queues and pipes, named as Python's queue and
// multiprocessing modules name them.

import { registerErrorClasses } from "./_keys.ts";

/**
 * Raised by `get` when no item arrived in time, and by `getNowait` on an
 * empty queue [queue.Empty].
 *
 * @example
 * ```ts
 * import { Empty, Queue } from "@multitask/core/queue";
 *
 * const q = new Queue<number>();
 * try {
 *   q.getNowait();
 * } catch (error) {
 *   console.log(error instanceof Empty); // true
 * }
 * ```
 */
export class Empty extends Error {
  /** The class name, kept when the error crosses to another process. */
  override name = "Empty";
}

/**
 * Raised by `put` when the queue stayed full for the whole timeout, and by
 * `putNowait` on a full queue [queue.Full].
 *
 * @example
 * ```ts
 * import { Full, Queue } from "@multitask/core/queue";
 *
 * const q = new Queue<number>({ maxsize: 1 });
 * q.putNowait(1);
 * try {
 *   q.putNowait(2);
 * } catch (error) {
 *   console.log(error instanceof Full); // true
 * }
 * ```
 */
export class Full extends Error {
  /** The class name, kept when the error crosses to another process. */
  override name = "Full";
}

/**
 * Raised by `put` on a closed queue, and by `get` once a closed queue is
 * drained [queue.ShutDown].
 *
 * @example
 * ```ts
 * import { Queue, QueueClosed } from "@multitask/core/queue";
 *
 * const q = new Queue<number>();
 * q.close();
 * await q.put(1).catch((error) => console.log(error instanceof QueueClosed)); // true
 * ```
 */
export class QueueClosed extends Error {
  /** The class name, kept when the error crosses to another process. */
  override name = "QueueClosed";
}

/**
 * Raised by `recv` when the other end is closed and every message it sent
 * has been received [EOFError].
 *
 * @example
 * ```ts
 * import { EOFError, Pipe } from "@multitask/core/pipe";
 *
 * const [a, b] = Pipe();
 * a.close();
 * await b.recv().catch((e) => console.log(e instanceof EOFError)); // true
 * ```
 */
export class EOFError extends Error {
  /** The class name, kept when the error crosses to another process. */
  override name = "EOFError";
}

/**
 * Raised by `send` when the other end (or this one) is closed [BrokenPipeError].
 *
 * @example
 * ```ts
 * import { BrokenPipeError, Pipe } from "@multitask/core/pipe";
 *
 * const [a, b] = Pipe();
 * b.close();
 * try {
 *   a.send(1);
 * } catch (e) {
 *   console.log(e instanceof BrokenPipeError); // true
 * }
 * ```
 */
export class BrokenPipeError extends Error {
  /** The class name, kept when the error crosses to another process. */
  override name = "BrokenPipeError";
}

registerErrorClasses(Empty, Full, QueueClosed, EOFError, BrokenPipeError);
