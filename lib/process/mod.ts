/**
 * Processes [multiprocessing.Process, os.getpid/getppid]: run a function in a
 * child Deno, Python's "spawn" start method. The child imports the target's
 * module (guard your script's own work with `if (import.meta.main)`, the
 * counterpart of `if __name__ == "__main__"`), gets this process's
 * permissions unless narrowed, resolves imports through the same deno.json,
 * and prints to this process's stdout and stderr.
 *
 * @example Run a function in a child process
 * ```ts
 * import { currentProcess, Process } from "@multitask/core/process";
 *
 * export function runProc(name: string) {
 *   console.log(`Run child process ${name} (${currentProcess().pid})...`);
 * }
 *
 * if (import.meta.main) {
 *   const p = new Process({ target: runProc, module: import.meta.url, args: ["test"] });
 *   p.start();
 *   await p.join();
 *   console.log(p.exitCode); // 0
 * }
 * ```
 *
 * @module
 */

export * from "./process.ts";
export { ChildStartError, TargetError } from "../errors/process.ts";
