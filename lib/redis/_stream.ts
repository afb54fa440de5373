// The stream format of RedisQueue and the commands that change it in one
// step: how an item is stored in an entry, the consumer group's creation,
// acknowledgement and dead-lettering (Lua scripts, so that a job is in one
// place at a time), and one delivery as consume() yields it.

import type { Buffer } from "node:buffer";
import { decodePayload, encodePayload } from "../_crossing/payload.ts";
import type { RedisJob } from "./redis_queue.ts";
import type { Settings } from "./_queue_options.ts";
import {
  type Arg,
  bytesArg,
  isReplyError,
  type Link,
  Script,
  type SendOptions,
} from "./_link.ts";

/** The entry field holding the item. */
export const FIELD = "data";

/** XACK + XDEL: the stream keeps only the work still to do. */
export const ACK = new Script(`
redis.call("XACK", KEYS[1], ARGV[1], ARGV[2])
return redis.call("XDEL", KEYS[1], ARGV[2])
`);

/**
 * Takes over the next job idle longer than ARGV[3] ms, scanning from the
 * cursor ARGV[4]; one delivered more than ARGV[5] times goes to the dead
 * letters (KEYS[2]) instead. Returns { next cursor, entry?, deliveries? }.
 */
export const RECLAIM = new Script(`
local cursor = ARGV[4]
for _ = 1, 100 do
  local reply = redis.call("XAUTOCLAIM", KEYS[1], ARGV[1], ARGV[2], ARGV[3], cursor, "COUNT", 1)
  cursor = reply[1]
  local entry = reply[2][1]
  if entry then
    local id = entry[1]
    local deliveries = redis.call("XPENDING", KEYS[1], ARGV[1], id, id, 1)[1][4]
    if deliveries <= tonumber(ARGV[5]) then return { cursor, entry, deliveries } end
    local data = ""
    for i = 1, #entry[2], 2 do
      if entry[2][i] == "${FIELD}" then data = entry[2][i + 1] end
    end
    redis.call("XADD", KEYS[2], "*", "${FIELD}", data, "source", KEYS[1], "id", id, "deliveries", deliveries)
    redis.call("XACK", KEYS[1], ARGV[1], id)
    redis.call("XDEL", KEYS[1], id)
  elseif cursor == "0-0" then
    return { cursor }
  end
end
return { cursor }
`);

/** The EVALSHA command of a script (the link loads it on NOSCRIPT). */
export function evalArgs(script: Script, keys: Arg[], args: Arg[]): Arg[] {
  return ["EVALSHA", script.sha, String(keys.length), ...keys, ...args];
}

/** One delivery of a job. */
export class Delivery<T> implements RedisJob<T> {
  readonly id: string;
  readonly data: T;
  readonly deliveries: number;
  #ack: (deadline?: number) => Promise<void>;
  #acked?: Promise<void>;

  constructor(
    id: string,
    data: T,
    deliveries: number,
    ack: (deadline?: number) => Promise<void>,
  ) {
    this.id = id;
    this.data = data;
    this.deliveries = deliveries;
    this.#ack = ack;
  }

  ack(deadline?: number): Promise<void> {
    // A failed ack may be tried again; a done one is not sent twice.
    this.#acked ??= this.#ack(deadline).catch((error) => {
      this.#acked = undefined;
      throw error;
    });
    return this.#acked;
  }
}

/** Creates the stream and the group (from id 0) unless they exist. */
export async function createGroup(
  link: Link,
  settings: Settings,
  options: SendOptions,
): Promise<void> {
  try {
    // From id 0, so jobs put before any worker connected are delivered too.
    await link.send(
      ["XGROUP", "CREATE", settings.name, settings.group, "0", "MKSTREAM"],
      options,
    );
  } catch (error) {
    if (!isReplyError(error) || !error.message.startsWith("BUSYGROUP")) {
      throw error;
    }
  }
}

/** The entry bytes of an item, or a TypeError naming the queue. */
export function encode(item: unknown, name: string): Buffer {
  try {
    return bytesArg(encodePayload(item));
  } catch (error) {
    throw new TypeError(
      `Cannot put this item on Redis queue '${name}' as it cannot be structured-cloned (${
        (error as Error).message
      }). Send plain data: objects, arrays, strings, numbers, Maps, Dates...`,
      { cause: error },
    );
  }
}

/** The item of an entry. */
export function decode(
  payload: Buffer | undefined,
  name: string,
  id: string,
): unknown {
  if (!payload) {
    throw new TypeError(
      `Entry ${id} of Redis stream '${name}' has no '${FIELD}' field: it was not written by RedisQueue.put(). Keep the stream for RedisQueue alone.`,
    );
  }
  return decodePayload(payload);
}

/** The item field of an entry. */
export function payloadOf(fields: Buffer[]): Buffer | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i].toString() === FIELD) return fields[i + 1];
  }
  return undefined;
}

/** Resolves as `work` does, or rejects when `signal` aborts first; `late` gets what arrived after. */
export function raceAbort<V>(
  work: Promise<V>,
  signal: AbortSignal,
  late: (value: V) => void,
): Promise<V> {
  return new Promise<V>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) late(value);
        else resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
