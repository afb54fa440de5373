// RedisQueue's option checks and defaults, so that a wrong option is refused
// before anything connects, naming the option.

import type { RedisQueueOptions } from "./redis_queue.ts";

/** The options of one queue, checked and filled in. */
export interface Settings {
  url: string;
  name: string;
  group: string;
  consumer: string;
  claimIdle: number;
  maxDeliveries: number;
  deadLetter: string;
  connectTimeout: number;
  reconnectWindow: number;
}

const DEFAULTS = {
  group: "multitask",
  claimIdle: 30_000,
  maxDeliveries: 5,
  connectTimeout: 5_000,
  reconnectWindow: 30_000,
};

/** Checks `connect()`'s arguments; throws a TypeError naming the first wrong one. */
export function validate(
  url: unknown,
  name: unknown,
  options: RedisQueueOptions,
): Settings {
  checkUrl(url, "connect RedisQueue");
  if (typeof name !== "string" || name === "") {
    throw new TypeError(
      `Cannot connect RedisQueue as 'name' must be a non-empty string (the stream key): received ${
        JSON.stringify(name)
      }`,
    );
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot connect RedisQueue as its options must be an object: received ${
        String(options)
      }`,
    );
  }
  const text = (key: keyof RedisQueueOptions, fallback: string): string => {
    const value = options[key] ?? fallback;
    if (typeof value !== "string" || value === "") {
      throw new TypeError(
        `Cannot connect RedisQueue as '${key}' must be a non-empty string: received ${
          JSON.stringify(value)
        }`,
      );
    }
    return value;
  };
  const count = (key: keyof RedisQueueOptions, fallback: number): number =>
    positiveInteger(options[key] ?? fallback, key, "connect RedisQueue");
  return {
    url: url as string,
    name,
    group: text("group", DEFAULTS.group),
    consumer: text(
      "consumer",
      `${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`,
    ),
    claimIdle: count("claimIdle", DEFAULTS.claimIdle),
    maxDeliveries: count("maxDeliveries", DEFAULTS.maxDeliveries),
    deadLetter: text("deadLetter", `${name}:dead`),
    connectTimeout: count("connectTimeout", DEFAULTS.connectTimeout),
    reconnectWindow: count("reconnectWindow", DEFAULTS.reconnectWindow),
  };
}

/** Throws unless `url` is a redis:// or rediss:// URL. */
export function checkUrl(url: unknown, who: string): void {
  if (typeof url !== "string" || !/^rediss?:\/\//.test(url)) {
    throw new TypeError(
      `Cannot ${who} as 'url' must be a redis:// or rediss:// URL: received ${
        JSON.stringify(url)
      }. Write redis://[user:password@]host[:port][/db], or rediss://... for TLS.`,
    );
  }
}

/** `value` if it is a positive integer, else a TypeError naming `key`. */
export function positiveInteger(
  value: unknown,
  key: string,
  who: string,
): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
    throw new TypeError(
      `Cannot ${who} as '${key}' must be a positive integer: received ${
        String(value)
      }`,
    );
  }
  return value;
}
