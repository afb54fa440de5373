// run(), call() and checkOutput(): a command run to completion, Python's
// subprocess.run and its two shorthands.

import { outputOf, returncodeOf, startChild } from "./_child.ts";
import { decodeBoth, EMPTY, encode, exchange } from "./_exchange.ts";
import {
  CalledProcessError,
  SubprocessAbortError,
  type SubprocessOutput,
} from "./errors.ts";
import {
  type CommandOptions,
  RUN_OPTIONS,
  RUN_STDIN,
  type StdioOption,
  validate,
} from "./_options.ts";

/** Options of {@linkcode run}. */
export interface RunOptions extends CommandOptions {
  /** Data written to the command's stdin, which is then closed. */
  input?: string | Uint8Array;
  /** The command's stdin when there is no `input`. Default `"inherit"`. */
  stdin?: "inherit" | "null";
  /** Default `"piped"` (captured into the result). */
  stdout?: StdioOption;
  /**
   * Default `"piped"`. `"stdout"` merges stderr into stdout in the exact order
   * they were written (Python's `stderr=STDOUT`). Deno.Command cannot give one
   * pipe to both, so the command is then started as
   * `sh -c 'exec "$@" 2>&1' sh cmd...`: the arguments are not parsed by the
   * shell, the pid is the command's, but `--allow-run=sh` is needed as well as
   * the permission for the command itself (which is still checked).
   */
  stderr?: StdioOption | "stdout";
  /** Throw {@linkcode CalledProcessError} when the command fails. Default false. */
  check?: boolean;
  /**
   * Milliseconds after which the command and its process group are killed
   * and reaped, and {@linkcode TimeoutExpired} is thrown with the output so far.
   */
  timeout?: number;
  /**
   * Aborting it kills the command and its process group, reaps it, and
   * rejects with {@linkcode SubprocessAbortError} carrying the output so far.
   */
  signal?: AbortSignal;
  /** Decode output as UTF-8 text (default true); false gives Uint8Array. */
  text?: boolean;
  /**
   * Start the command in its own session and process group (Python's
   * `start_new_session`). Default: true when `timeout` or `signal` is given,
   * so that they kill the command's grandchildren too. Deno starts such a
   * child on a slower path (about 3 ms more per command here); pass false to
   * skip that when the command starts no children of its own. A command in
   * its own session does not receive the terminal's Ctrl-C directly.
   */
  startNewSession?: boolean;
}

/** {@linkcode RunOptions} giving text output (the default). */
export interface TextRunOptions extends RunOptions {
  /** true or absent: output is decoded as UTF-8. */
  text?: true;
}

/** {@linkcode RunOptions} giving bytes. */
export interface BytesRunOptions extends RunOptions {
  /** false: output is returned as raw bytes. */
  text: false;
}

/** Options of {@linkcode call}: the command shares our stdin, stdout and stderr. */
export interface CallOptions extends CommandOptions {
  /** As {@linkcode RunOptions.timeout}. */
  timeout?: number;
  /** As {@linkcode RunOptions.signal}. */
  signal?: AbortSignal;
  /** As {@linkcode RunOptions.startNewSession}. */
  startNewSession?: boolean;
}

/** Options of {@linkcode checkOutput}: {@linkcode RunOptions} but always checked text stdout. */
export type CheckOutputOptions = Omit<RunOptions, "check" | "text" | "stdout">;

/** The result of {@linkcode run}. [Python: subprocess.CompletedProcess] */
export interface CompletedProcess<T extends SubprocessOutput = string> {
  /** The command line that ran. */
  args: string[];
  /** Exit code, or minus the signal number when a signal killed it (Python's returncode). */
  code: number;
  /** The signal that killed it, or null. */
  signal: Deno.Signal | null;
  /** Captured stdout (empty when not `"piped"`). */
  stdout: T;
  /** Captured stderr (empty when not `"piped"`, or merged into stdout). */
  stderr: T;
  /** True when it exited with code 0. */
  success: boolean;
}

/**
 * Runs a command to completion and returns its exit status and output.
 * stdout and stderr are read concurrently while `input` is written, so any
 * amount of output works. [Python: subprocess.run]
 *
 * @param cmd The program then its arguments; no shell is involved.
 * @param options See {@linkcode RunOptions}.
 * @returns The completed process; output is text unless `text: false`.
 *
 * @example Capture output, feed input, fail loudly
 * ```ts
 * import { run } from "@multitask/core/subprocess";
 *
 * const sorted = await run(["sort"], { input: "b\na\n", check: true });
 * console.log(sorted.stdout); // "a\nb\n"
 *
 * const bytes = await run(["printf", "\\001"], { text: false });
 * console.log(bytes.stdout); // Uint8Array(1) [ 1 ]
 * ```
 */
export function run(
  cmd: readonly string[],
  options?: TextRunOptions,
): Promise<CompletedProcess<string>>;
/** Runs a command to completion, returning its output as bytes. */
export function run(
  cmd: readonly string[],
  options: BytesRunOptions,
): Promise<CompletedProcess<Uint8Array>>;
/** Runs a command to completion; output type follows `options.text`. */
export function run(
  cmd: readonly string[],
  options?: RunOptions,
): Promise<CompletedProcess<SubprocessOutput>>;
export async function run(
  cmd: readonly string[],
  options: RunOptions = {},
): Promise<CompletedProcess<SubprocessOutput>> {
  validate(
    {
      what: "run command",
      names: RUN_OPTIONS,
      overrides: { stdin: RUN_STDIN },
    },
    cmd,
    options,
  );
  if (options.input !== undefined && options.stdin !== undefined) {
    throw new TypeError(
      `Cannot run command as 'input' and 'stdin' exclude each other: input is written to a piped stdin. Drop one of them.`,
    );
  }
  const text = options.text ?? true;
  const stdout = options.stdout ?? "piped";
  const stderr = options.stderr ?? "piped";
  const { input, timeout, signal } = options;
  if (
    input === undefined && timeout === undefined && !signal &&
    stderr !== "stdout" && !options.startNewSession
  ) {
    // The common case costs no more than Deno.Command itself.
    const out = await outputOf(cmd, {
      cwd: options.cwd,
      env: options.env,
      clearEnv: options.clearEnv,
      stdin: options.stdin ?? "inherit",
      stdout,
      stderr,
    });
    return finish(
      cmd,
      out,
      stdout === "piped" ? out.stdout : EMPTY,
      stderr === "piped" ? out.stderr : EMPTY,
      text,
      options.check,
    );
  }
  if (signal?.aborted) {
    throw new SubprocessAbortError(
      cmd,
      signal.reason,
      decodeBoth(EMPTY, EMPTY, text),
    );
  }
  const started = startChild({
    cmd,
    cwd: options.cwd,
    env: options.env,
    clearEnv: options.clearEnv,
    stdin: input === undefined ? options.stdin ?? "inherit" : "piped",
    stdout,
    stderr,
    newSession: options.startNewSession ??
      (timeout !== undefined || signal !== undefined),
  });
  const { child } = started;
  const got = await exchange(started, {
    cmd,
    stdin: input === undefined ? null : child.stdin,
    stdout: stdout === "piped" ? child.stdout : null,
    stderr: started.stderr,
    input: input === undefined ? undefined : encode(input),
    timeout,
    signal,
    text,
  });
  return finish(cmd, got.status, got.stdout, got.stderr, text, options.check);
}

function finish(
  cmd: readonly string[],
  status: Deno.CommandStatus,
  out: Uint8Array,
  err: Uint8Array,
  text: boolean,
  check: boolean | undefined,
): CompletedProcess<SubprocessOutput> {
  const code = returncodeOf(status);
  const { stdout, stderr } = decodeBoth(out, err, text);
  if (check && !status.success) {
    throw new CalledProcessError(cmd, code, {
      stdout,
      stderr,
      signal: status.signal,
    });
  }
  return {
    args: [...cmd],
    code,
    signal: status.signal,
    stdout,
    stderr,
    success: status.success,
  };
}

/**
 * Runs a command with our stdin, stdout and stderr and returns its exit code.
 * [Python: subprocess.call]
 *
 * @param cmd The program then its arguments.
 * @param options See {@linkcode CallOptions}.
 * @returns The exit code (minus the signal number when a signal killed it).
 *
 * @example Print the exit code of a command
 * ```ts
 * import { call } from "@multitask/core/subprocess";
 *
 * const code = await call(["ls", "/"]);
 * console.log("Exit code:", code); // Exit code: 0
 * ```
 */
export async function call(
  cmd: readonly string[],
  options: CallOptions = {},
): Promise<number> {
  validate(
    {
      what: "call command",
      names: ["cwd", "env", "clearEnv", "timeout", "signal", "startNewSession"],
    },
    cmd,
    options,
  );
  const result = await run(cmd, {
    ...options,
    stdout: "inherit",
    stderr: "inherit",
  });
  return result.code;
}

/**
 * Runs a command and returns its stdout, throwing {@linkcode CalledProcessError}
 * (with stdout and stderr) when it fails. [Python: subprocess.check_output]
 *
 * @param cmd The program then its arguments.
 * @param options See {@linkcode CheckOutputOptions}.
 * @returns The command's stdout as text.
 *
 * @example Read what a command prints
 * ```ts
 * import { checkOutput } from "@multitask/core/subprocess";
 *
 * const who = await checkOutput(["echo", "me"]);
 * console.log(who.trim()); // "me"
 * ```
 */
export async function checkOutput(
  cmd: readonly string[],
  options: CheckOutputOptions = {},
): Promise<string> {
  validate(
    {
      what: "check output of command",
      names: RUN_OPTIONS.filter((n) =>
        n !== "check" && n !== "text" && n !== "stdout"
      ),
      overrides: { stdin: RUN_STDIN },
    },
    cmd,
    options,
  );
  const result = await run(cmd, {
    ...options,
    check: true,
    text: true,
    stdout: "piped",
  });
  return result.stdout;
}
