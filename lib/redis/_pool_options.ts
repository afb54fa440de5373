// The options of a Pool of kind "redis", checked when `new Pool()` runs (so
// that a mistake throws there, before anything connects), and the names of
// the Redis keys a pool and its workers share. No npm:redis here: this file
// is loaded with the Pool itself; the client only once a redis pool starts.

import { checkTaskTimeout, type PoolOptions } from "../pool/_options.ts";
import { checkUrl, positiveInteger } from "./_queue_options.ts";

/** How long a caller counts as alive without a sign of life (its key's TTL). */
export const CALLER_TTL = 60_000;

/** The pool name callers and workers meet on when none is given. */
export const DEFAULT_POOL_NAME = "multitask";

/** A Redis pool's settings, checked and filled in. */
export interface RedisPoolSettings {
  url: string;
  /** The pool name: workers started with `--name` of the same serve it. */
  name: string;
  authkey: Uint8Array;
  /** Absolute URL of the pool's module, if any. */
  module?: string;
  visibilityTimeout: number;
  retries: number;
  retryDelay: number;
  taskTimeout: number;
  maxQueue: number;
  /** Chunking basis for `map` until live workers are known. */
  size: number;
  reconnectWindow: number;
  connectTimeout: number;
}

const WHO = "create pool";

/** Checks a redis pool's options; throws what is wrong and how to fix it. */
export function redisPoolSettings(
  options: PoolOptions,
  module: string | undefined,
): RedisPoolSettings {
  const o = options as PoolOptions & Record<string, unknown>;
  if (o.redis === undefined) {
    throw new TypeError(
      `Cannot create pool as kind "redis" needs 'redis', the server's URL: e.g. new Pool({ kind: "redis", redis: "redis://127.0.0.1:6379", module: import.meta.url, authkey }).`,
    );
  }
  checkUrl(o.redis, WHO);
  for (const key of ["initializer", "maxTasksPerWorker"] as const) {
    if (o[key] !== undefined) {
      throw new TypeError(
        `Cannot create pool as '${key}' does not apply to kind "redis": its workers are started on their own (deno run -A jsr:@multitask/core/worker ...). Do per-worker setup at the top level of the worker's --module.`,
      );
    }
  }
  for (
    const key of ["minSize", "maxSize", "idleTimeout", "maxMemoryMb"] as const
  ) {
    if (o[key] !== undefined) {
      throw new TypeError(
        `Cannot create pool as '${key}' does not apply to kind "redis": its workers are processes started on their own, on any machine (deno run -A jsr:@multitask/core/worker ...); the pool does not start or retire them. Start or stop workers (and set their --concurrency) to change its size.`,
      );
    }
  }
  const name = poolName(o.name, WHO);
  return {
    url: o.redis as string,
    name,
    authkey: authkeyBytes(o.authkey, WHO),
    module,
    visibilityTimeout: positiveInteger(
      o.visibilityTimeout ?? 30_000,
      "visibilityTimeout",
      WHO,
    ),
    retries: nonNegativeInteger(o.retries ?? 0, "retries"),
    retryDelay: nonNegativeInteger(o.retryDelay ?? 1_000, "retryDelay"),
    taskTimeout: checkTaskTimeout(o.taskTimeout, "taskTimeout", WHO),
    maxQueue: o.maxQueue ?? Infinity,
    size: o.size ?? 8,
    reconnectWindow: positiveInteger(
      o.reconnectWindow ?? 30_000,
      "reconnectWindow",
      WHO,
    ),
    connectTimeout: 5_000,
  };
}

/** The pool name callers and workers meet on; refuses one unfit for a Redis key. */
export function poolName(name: unknown, who: string): string {
  name ??= DEFAULT_POOL_NAME;
  if (typeof name !== "string" || !/^[\w.-]{1,100}$/.test(name)) {
    throw new TypeError(
      `Cannot ${who} as 'name', the pool's name, must be 1 to 100 letters, digits, '_', '.' or '-' (it names the Redis keys callers and workers meet on): received ${
        JSON.stringify(name)
      }`,
    );
  }
  return name;
}

/** The authkey as bytes; refuses a missing or empty one. */
export function authkeyBytes(key: unknown, who: string): Uint8Array {
  const bytes = typeof key === "string"
    ? new TextEncoder().encode(key)
    : key instanceof Uint8Array
    ? key
    : undefined;
  if (!bytes || bytes.length === 0) {
    throw new TypeError(
      `Cannot ${who} as 'authkey' must be a non-empty string or Uint8Array (the key tasks are signed with; the workers' --authkey): received ${
        key === undefined ? "nothing" : typeof key
      }.`,
    );
  }
  return bytes;
}

function nonNegativeInteger(value: unknown, key: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(
      `Cannot create pool as '${key}' must be a non-negative integer: received ${
        String(value)
      }`,
    );
  }
  return value;
}

/** The Redis keys of one pool. */
export interface PoolKeys {
  /** The task stream, read by the workers' consumer group. */
  tasks: string;
  /** Tasks refused or worn out, with the reason. */
  dead: string;
  /** Pub/sub channel of cancellations ("<caller> <task>" or "<caller> *"). */
  cancel: string;
  /** Set of worker ids; each has a heartbeat key that expires. */
  workers: string;
  /** A worker's heartbeat: its state as JSON, with a TTL. */
  worker(id: string): string;
  /** A caller's result stream. */
  results(caller: string): string;
  /** A caller's liveness key, with a TTL. */
  caller(caller: string): string;
}

/** The keys of pool `name`; `{name}` keeps them in one cluster slot. */
export function poolKeys(name: string): PoolKeys {
  const base = `mt:{${name}}`;
  return {
    tasks: `${base}:tasks`,
    dead: `${base}:dead`,
    cancel: `${base}:cancel`,
    workers: `${base}:workers`,
    worker: (id) => `${base}:w:${id}`,
    results: (caller) => `${base}:r:${caller}`,
    caller: (caller) => `${base}:c:${caller}`,
  };
}

/** The consumer group of the workers. */
export const GROUP = "workers";
