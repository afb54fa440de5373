// The record format of a Queue's ring: how one item is laid out in shared
// memory (an 8-byte header, then the payload, 4-byte aligned). Numbers,
// booleans, null, undefined and strings take fast paths; anything else is
// v8-serialized, after library handles in it are encoded for threads.

import { serialize } from "node:v8";
import { encodeValue } from "../_crossing/codec.ts";

const RECORD_HEADER = 8; // u32 payload length, u32 tag

const T_NUMBER = 1;
const T_STRING = 2;
const T_TRUE = 3;
const T_FALSE = 4;
const T_NULL = 5;
const T_UNDEFINED = 6;
const T_V8 = 7;
const T_LATIN1 = 8; // one byte per UTF-16 unit, for short strings: no codec call

// Strings up to this length whose units are all < 256 are copied byte by
// byte; TextEncoder/TextDecoder calls cost more than the copy for them.
const SHORT_STRING = 64;

// Short strings are encoded straight into shared memory under the lock;
// longer ones are encoded before taking it, so the lock is held briefly.
const INLINE_STRING = 1024;

/** An item made ready for the ring before the lock is taken. */
export interface Prepared {
  tag: number;
  size: number; // payload bytes (an upper bound for inline strings)
  number: number;
  string: string;
  bytes: Uint8Array | undefined;
  /** Bytes of its sort key in a PriorityQueue or LifoQueue ring (see _heap.ts); -1 in a FIFO ring. */
  keyBytes: number;
  /** What the key is written from (the item of a PriorityQueue). */
  keyItem: unknown;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function latin1(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 255) return false;
  return true;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Serializes outside the lock; throws a TypeError for what cannot be cloned. */
export function prepareRecord(item: unknown): Prepared {
  const p: Prepared = {
    tag: 0,
    size: 0,
    number: 0,
    string: "",
    bytes: undefined,
    keyBytes: -1,
    keyItem: undefined,
  };
  switch (typeof item) {
    case "number":
      p.tag = T_NUMBER;
      p.size = 8;
      p.number = item;
      return p;
    case "string":
      p.tag = T_STRING;
      if (!item.isWellFormed()) break; // lone surrogates: only v8 keeps them
      if (item.length <= SHORT_STRING && latin1(item)) {
        p.tag = T_LATIN1;
        p.string = item;
        p.size = item.length;
      } else if (item.length <= INLINE_STRING) {
        p.string = item;
        p.size = item.length * 3;
      } else {
        p.bytes = encoder.encode(item);
        p.size = p.bytes.length;
      }
      return p;
    case "boolean":
      p.tag = item ? T_TRUE : T_FALSE;
      return p;
    case "undefined":
      p.tag = T_UNDEFINED;
      return p;
  }
  if (item === null) {
    p.tag = T_NULL;
    return p;
  }
  p.tag = T_V8;
  try {
    p.bytes = serialize(encodeValue(item, "thread"));
  } catch (error) {
    throw new TypeError(
      `Cannot put the item into the queue as it cannot be serialized (${
        (error as Error).message
      }). Items cross threads by structured clone: send plain data (objects, arrays, Map, Date, typed arrays...), not functions, symbols or class instances with private state. Nothing was queued.`,
      { cause: error },
    );
  }
  p.size = p.bytes.length;
  return p;
}

/** Bytes a prepared item needs in the ring, header included. */
export function recordBytes(p: Prepared): number {
  return RECORD_HEADER + align4(p.size);
}

/**
 * Writes the record for `p` at `at` (room reserved, lock held) and returns
 * the offset just past it.
 */
export function writeRecord(
  u8: Uint8Array,
  view: DataView,
  at: number,
  p: Prepared,
): number {
  let len = p.size;
  const body = at + RECORD_HEADER;
  if (p.tag === T_NUMBER) view.setFloat64(body, p.number, true);
  else if (p.bytes) u8.set(p.bytes, body);
  else if (p.tag === T_LATIN1) {
    const str = p.string;
    for (let i = 0; i < len; i++) u8[body + i] = str.charCodeAt(i);
  } else if (p.tag === T_STRING) {
    len = encoder.encodeInto(p.string, u8.subarray(body, body + len))
      .written;
  }
  view.setUint32(at, len, true);
  view.setUint32(at + 4, p.tag, true);
  return body + align4(len);
}

/** Where readRecord puts what it found; one per ring, reused by every get. */
export interface RecordOut {
  value: unknown;
  /** v8 bytes to decode once the lock is released; undefined for fast-path values. */
  raw: Uint8Array | undefined;
}

/**
 * Reads the record at `at` into `out` (the caller holds the ring's lock)
 * and returns the offset just past it.
 */
export function readRecord(
  u8: Uint8Array,
  view: DataView,
  at: number,
  out: RecordOut,
): number {
  const len = view.getUint32(at, true);
  const tag = view.getUint32(at + 4, true);
  const body = at + RECORD_HEADER;
  out.raw = undefined;
  switch (tag) {
    case T_NUMBER:
      out.value = view.getFloat64(body, true);
      break;
    case T_LATIN1:
      out.value = String.fromCharCode.apply(
        null,
        u8.subarray(body, body + len) as unknown as number[],
      );
      break;
    case T_STRING:
      out.value = len === 0
        ? ""
        : decoder.decode(u8.subarray(body, body + len));
      break;
    case T_TRUE:
      out.value = true;
      break;
    case T_FALSE:
      out.value = false;
      break;
    case T_NULL:
      out.value = null;
      break;
    case T_UNDEFINED:
      out.value = undefined;
      break;
    default:
      out.value = undefined;
      out.raw = u8.slice(body, body + len);
  }
  return at + RECORD_HEADER + align4(len);
}
