/**
 * Python's `subprocess` on Deno.Command: {@linkcode run}, {@linkcode call},
 * {@linkcode checkOutput}, {@linkcode spawn} (Popen) and {@linkcode pipeline},
 * with timeouts that kill a command's whole process group, output that is
 * drained concurrently so large outputs never deadlock, and errors named as
 * in Python.
 *
 * Exit codes follow Python: a command killed by a signal reports minus the
 * signal number (`-9` for SIGKILL), and `signal` names the signal.
 *
 * Permissions: a command needs `--allow-run` for its program. Killing a whole
 * process group (on timeout or abort) uses `Deno.kill(-pid)`, which Deno only
 * allows with unrestricted `--allow-run`; with a narrower grant only the
 * command itself is killed. `stderr: "stdout"` runs the command through `sh`
 * (see {@linkcode RunOptions.stderr}), so it needs `--allow-run=sh` too.
 *
 * @example Run a command and read its output
 * ```ts
 * import { run } from "@multitask/core/subprocess";
 *
 * const result = await run(["echo", "hello"]);
 * console.log(result.code, result.stdout); // 0 "hello\n"
 * ```
 *
 * @module
 */

export * from "./run.ts";
export * from "./subprocess.ts";
export * from "./pipeline.ts";
export {
  CalledProcessError,
  type CapturedOutput,
  CommandNotFound,
  SubprocessAbortError,
  type SubprocessOutput,
  TimeoutExpired,
} from "../errors/subprocess.ts";
export type { CommandOptions, StdioOption } from "./_options.ts";
