// What a Redis pool writes into its streams, and the HMAC that vouches for
// it. A task entry carries a batch of tasks (one entry, one XADD, one
// signature for up to TASKS_PER_ENTRY tasks), its payload encoded by the
// crossing's payload rule and signed with the authkey over the stream key and
// the payload, so that an entry written by anyone without the key, or copied
// from another pool, is refused before anything in it is decoded. Results
// travel back the same way, signed by the worker.
//
// Task entry fields: p (payload), s (signature), c (caller id), v (the
// caller's visibilityTimeout, read by the reclaim script), m (most deliveries
// before the entry goes to the dead letters).
// Result entry fields: p, s; or, for an entry refused unread, x (its id) and
// why ("signature"), unsigned: the refusing worker cannot sign for a key it
// does not share, and a forged refusal can only fail tasks, which write
// access to Redis can do anyway.

import { Buffer } from "node:buffer";
import { createHash, type Hash, timingSafeEqual } from "node:crypto";
import { decodePayload, encodePayload } from "../_crossing/payload.ts";
import { AuthenticationError } from "../_crossing/auth.ts";
import { deserializeError, type SerializedError } from "../_crossing/errors.ts";
// It rebuilds errors, which needs every library error class loaded.
import "../errors/_registry.ts";
import { TargetError, type TargetSpec } from "../_crossing/target.ts";
import {
  AbortError,
  PoolClosedError,
  RuntimeError,
  TimeoutError,
  WorkerCrashedError,
} from "../errors/mod.ts";

/** Most tasks batched into one entry. */
export const TASKS_PER_ENTRY = 64;

/** A batch of tasks, as the payload of one task entry. */
export interface TaskBatch {
  /** The targets the tasks name by index. */
  d: TargetSpec[];
  /** [taskId, mode, targetIndex, payload] for each task, flat. */
  t: unknown[];
  /** Milliseconds one run may take on the worker (0: no limit). */
  timeout: number;
  retries: number;
  retryDelay: number;
  /** 1: its one task may be cancelled while it runs (it has a signal or a timeout). */
  x?: 1;
}

/** One task's outcome: [taskId, ok (1|0), value or SerializedError, attempts]. */
export type ResultRecord = [number, 0 | 1, unknown, number];

/** The payload of one result entry. */
export interface ResultBatch {
  /** The worker that ran them. */
  w: string;
  r: ResultRecord[];
  /** The worker's measure of milliseconds per task, for batch sizing. */
  ms?: number;
}

/**
 * HMAC-SHA256 under one authkey, over a stream key and a payload. The
 * hashes of the padded key are computed once and copied per message (RFC
 * 2104 by hand): 6 µs a message where createHmac takes 15-20.
 */
export class Signer {
  readonly #inner: Hash;
  readonly #outer: Hash;

  constructor(authkey: Uint8Array) {
    const block = Buffer.alloc(64);
    if (authkey.length > 64) {
      createHash("sha256").update(authkey).digest().copy(block);
    } else block.set(authkey);
    this.#inner = createHash("sha256").update(block.map((b) => b ^ 0x36));
    this.#outer = createHash("sha256").update(block.map((b) => b ^ 0x5c));
  }

  /** The signature of `payload` written to stream `key`. */
  sign(key: string, payload: Buffer): Buffer {
    const inner = this.#inner.copy().update(key).update("\n").update(payload)
      .digest();
    return this.#outer.copy().update(inner).digest();
  }

  /** Whether `signature` is the signature of `payload` for `key` (in constant time). */
  verify(key: string, payload: Buffer, signature: Buffer | undefined): boolean {
    if (!signature || signature.length !== 32) return false;
    return timingSafeEqual(this.sign(key, payload), signature);
  }
}

/** Encodes a payload by the crossing's rule, as a Buffer argument. */
export function pack(value: unknown): Buffer {
  const bytes = encodePayload(value);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Undoes `pack` (only ever on verified bytes). */
export function unpack(payload: Buffer): unknown {
  return decodePayload(payload);
}

/** The fields of a stream entry as a map of name to bytes. */
export function fieldsOf(flat: Buffer[]): Map<string, Buffer> {
  const fields = new Map<string, Buffer>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    fields.set(flat[i].toString(), flat[i + 1]);
  }
  return fields;
}

const CLASSES: Record<string, new (message: string) => Error> = {
  AbortError,
  AuthenticationError,
  PoolClosedError,
  RuntimeError,
  TargetError,
  TimeoutError,
};

/**
 * A task's error as the caller rethrows it: the library's own classes get
 * their class back (so `instanceof TimeoutError` holds), a user's error keeps
 * its name, message, stack and properties.
 */
export function revive(data: SerializedError): Error {
  const error = deserializeError(data);
  const props = data.props ?? {};
  let local: Error | undefined;
  if (data.name === "WorkerCrashedError") {
    local = new WorkerCrashedError(
      String(props.worker ?? "a worker"),
      error.message,
      typeof props.exitCode === "number" ? props.exitCode : null,
    );
  } else if (data.name in CLASSES) {
    local = new CLASSES[data.name](error.message);
    Object.assign(local, props);
  }
  if (!local) return error;
  local.stack = error.stack;
  if (error.cause !== undefined) local.cause = error.cause;
  return local;
}
