/**
 * multitask: Python's multitasking toolbox (subprocess, multiprocessing,
 * threading) done the Deno way: Deno.Command for processes, Web Workers for
 * threads, Atomics on SharedArrayBuffer for locks.
 *
 * @example Run a command and read its output
 * ```ts
 * import { run } from "@multitask/core";
 *
 * const result = await run(["echo", "hello"]);
 * console.log(result.stdout); // "hello\n"
 * ```
 *
 * @module
 */

export {
  activeCount,
  currentThread,
  enumerate,
  type ExceptHookArgs,
  RuntimeError,
  Thread,
  type ThreadInfo,
  type ThreadOptions,
} from "./lib/thread.ts";
