/**
 * The worker of a Pool of kind "redis": start one (or many) on any machine
 * that reaches the Redis server, and the pools of that name run their tasks
 * there.
 *
 * ```sh
 * deno run -A jsr:@multitask/core/worker --redis redis://host:6379 \
 *   --module ./tasks.ts --authkey "$KEY" [--concurrency 4] [--kind thread|process] [--name NAME]
 * ```
 *
 * `--module` may repeat: the worker runs only exports of those modules
 * (`--allow-source` also lets it run functions shipped as source).
 * `--authkey` may come from the `MULTITASK_AUTHKEY` environment variable
 * instead, to keep it out of the process list. `--name` is the pool's name
 * (default "multitask"). SIGTERM or SIGINT drains the worker: it takes
 * nothing new, finishes what it runs and exits 0; a second signal stops it
 * at once (what it held goes to the other workers at their next beat, as
 * do tasks handed to it just as it stopped reading).
 *
 * @example Start a worker from a program
 * ```ts ignore
 * import { startWorker } from "@multitask/core/worker";
 *
 * const worker = await startWorker({
 *   redis: "redis://127.0.0.1:6379",
 *   modules: [new URL("./tasks.ts", import.meta.url).href],
 *   authkey: "secret",
 *   concurrency: 2,
 * });
 * await worker.drain();
 * ```
 *
 * @module
 */

import { parseArgs } from "jsr:@std/cli@^1.0.32/parse-args";
import { pathToFileURL } from "node:url";
import { RedisWorker, type WorkerSettings } from "./_worker.ts";
import { authkeyBytes, poolName } from "./_pool_options.ts";
import { checkUrl, positiveInteger } from "./_queue_options.ts";

export { RedisWorker } from "./_worker.ts";

/**
 * Options of {@linkcode startWorker}.
 *
 * @example
 * ```ts
 * import type { WorkerOptions } from "@multitask/core/worker";
 *
 * const options: WorkerOptions = {
 *   redis: "redis://127.0.0.1:6379",
 *   modules: ["file:///srv/app/tasks.ts"],
 *   authkey: "secret",
 *   kind: "process",
 * };
 * ```
 */
export interface WorkerOptions {
  /** The Redis server's URL (`redis://[user:password@]host[:port][/db]`, `rediss://` for TLS). */
  redis: string;
  /** Modules whose exports it runs: absolute URLs, or paths from the working directory. */
  modules: string[];
  /** The key tasks must be signed with: the pools' `authkey`. */
  authkey: string | Uint8Array;
  /** Tasks run at once. Default: `navigator.hardwareConcurrency`. */
  concurrency?: number;
  /** Where tasks run: `"thread"` (default) or `"process"` (a child Deno each). */
  kind?: "thread" | "process";
  /** The pool served: the `name` of the pools whose tasks it takes. Default "multitask". */
  name?: string;
  /** Also run functions shipped as source (anyone with the authkey could then run any code). */
  allowSource?: boolean;
  /** Milliseconds it waits for a lost Redis server before it stops. Default 30000. */
  reconnectWindow?: number;
}

/**
 * Starts a worker: connects, joins the pool's consumer group and takes
 * tasks until drained. Rejects when the server cannot be reached, the
 * authkey is missing, or a module cannot be imported.
 *
 * @param options Server, modules, authkey, concurrency...
 * @returns The running worker.
 *
 * @example
 * ```ts ignore
 * import { startWorker } from "@multitask/core/worker";
 *
 * const worker = await startWorker({
 *   redis: "redis://127.0.0.1:6379",
 *   modules: ["./tasks.ts"],
 *   authkey: "secret",
 * });
 * Deno.addSignalListener("SIGTERM", () => worker.drain());
 * await worker.stopped;
 * ```
 */
export async function startWorker(
  options: WorkerOptions,
): Promise<RedisWorker> {
  return await RedisWorker.start(workerSettings(options));
}

function workerSettings(o: WorkerOptions): WorkerSettings {
  const who = "start the worker";
  if (o === null || typeof o !== "object") {
    throw new TypeError(
      `Cannot ${who} as its options must be an object: received ${String(o)}`,
    );
  }
  checkUrl(o.redis, who);
  if (!Array.isArray(o.modules) || o.modules.length === 0) {
    throw new TypeError(
      `Cannot ${who} as it needs at least one module whose exports it runs: pass --module ./tasks.ts (it may repeat).`,
    );
  }
  const kind = o.kind ?? "thread";
  if (kind !== "thread" && kind !== "process") {
    throw new TypeError(
      `Cannot ${who} as 'kind' must be "thread" or "process": received ${
        JSON.stringify(kind)
      }`,
    );
  }
  const name = poolName(o.name, who);
  return {
    url: o.redis,
    name,
    modules: o.modules.map(moduleUrl),
    authkey: authkeyBytes(o.authkey, who),
    concurrency: positiveInteger(
      o.concurrency ?? navigator.hardwareConcurrency ?? 1,
      "concurrency",
      who,
    ),
    kind,
    allowSource: o.allowSource === true,
    reconnectWindow: positiveInteger(
      o.reconnectWindow ?? 30_000,
      "reconnectWindow",
      who,
    ),
    id: `${Deno.hostname()}-${Deno.pid}${++started > 1 ? `-${started}` : ""}`,
  };
}

// Workers of one process are told apart by a number after the first.
let started = 0;

function moduleUrl(module: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) {
    return new URL(module).href;
  }
  return pathToFileURL(module).href;
}

const USAGE =
  "Usage: deno run -A jsr:@multitask/core/worker --redis URL --module M [--module M2...] --authkey KEY [--concurrency N] [--kind thread|process] [--name NAME] [--allow-source]\n" +
  "  --authkey may be left out when MULTITASK_AUTHKEY is set.\n";

/**
 * Reads the worker's command line (the flags of the module documentation).
 * Throws a TypeError saying what is wrong.
 *
 * @param args The arguments, e.g. `Deno.args`.
 * @param env Where `MULTITASK_AUTHKEY` is read when `--authkey` is absent.
 * @returns The options for {@linkcode startWorker}.
 *
 * @example
 * ```ts
 * import { parseWorkerArgs } from "@multitask/core/worker";
 *
 * const options = parseWorkerArgs([
 *   "--redis", "redis://127.0.0.1:6379", "--module", "./tasks.ts", "--authkey", "k",
 * ]);
 * console.log(options.modules); // ["./tasks.ts"]
 * ```
 */
export function parseWorkerArgs(
  args: string[],
  env: (name: string) => string | undefined = (name) => Deno.env.get(name),
): WorkerOptions {
  const unknown: string[] = [];
  const flags = parseArgs(args, {
    string: ["redis", "module", "authkey", "concurrency", "kind", "name"],
    boolean: ["allow-source"],
    collect: ["module"],
    unknown: (arg) => {
      unknown.push(arg);
      return false;
    },
  });
  if (unknown.length > 0) {
    throw new TypeError(
      `Cannot start the worker as ${
        unknown.join(", ")
      } is not one of its flags.\n${USAGE}`,
    );
  }
  if (!flags.redis) {
    throw new TypeError(
      `Cannot start the worker without --redis URL.\n${USAGE}`,
    );
  }
  const authkey = flags.authkey ?? env("MULTITASK_AUTHKEY");
  if (!authkey) {
    throw new TypeError(
      `Cannot start the worker without --authkey KEY (or MULTITASK_AUTHKEY): tasks are signed with the pool's authkey, and only they are run.\n${USAGE}`,
    );
  }
  const concurrency = flags.concurrency === undefined
    ? undefined
    : Number(flags.concurrency);
  return {
    redis: flags.redis,
    modules: flags.module,
    authkey,
    concurrency,
    kind: flags.kind as WorkerOptions["kind"],
    name: flags.name,
    allowSource: flags["allow-source"],
  };
}

async function main(): Promise<number> {
  const write = (text: string) => {
    try {
      Deno.stderr.writeSync(new TextEncoder().encode(text));
    } catch { /* nobody reads it any more */ }
  };
  let worker: RedisWorker;
  try {
    worker = await startWorker(parseWorkerArgs(Deno.args));
  } catch (error) {
    write(`${(error as Error).name}: ${(error as Error).message}\n`);
    return 2;
  }
  write(`worker ${worker.id} started\n`);
  let signals = 0;
  const onSignal = () => {
    if (++signals === 1) {
      write(`worker ${worker.id} draining (signal again to stop now)\n`);
      worker.drain();
    } else worker.terminate();
  };
  const names: Deno.Signal[] = ["SIGTERM", "SIGINT"];
  for (const name of names) Deno.addSignalListener(name, onSignal);
  await worker.stopped;
  for (const name of names) Deno.removeSignalListener(name, onSignal);
  if (worker.error) {
    write(`${(worker.error as Error).message}\n`);
    return 1;
  }
  write(`worker ${worker.id} stopped\n`);
  return 0;
}

if (import.meta.main) Deno.exit(await main());
