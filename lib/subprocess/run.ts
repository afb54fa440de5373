// run(), call() and checkOutput(): a command run to completion, Python's
// subprocess.run and its two shorthands.

import { outputOf, returncodeOf, startChild } from "./_child.ts";
import { decodeBoth, EMPTY, encode, exchange } from "./_exchange.ts";
import {
  CalledProcessError,
  SubprocessAbortError,
  type SubprocessOutput,
} from "../errors/subprocess.ts";
import {
  type CommandOptions,
  RUN_OPTIONS,
  RUN_STDIN,
  type StdioOption,
  timerDelay,
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
   * (see `killGrace`) and reaped, and {@linkcode TimeoutExpired} is thrown
   * with the output so far. It covers the command's pipes too: a grandchild
   * still holding them open is killed with the group. Omitted or -1: no
   * limit (Python's `None`); 0 kills the command unless it has already
   * exited.
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

/**
 * Options of {@linkcode call}: those of {@linkcode run} but `check` and
 * `text`. The command shares our stdin, stdout and stderr unless they say
 * otherwise.
 */
export interface CallOptions
  extends Omit<RunOptions, "check" | "text" | "stdout" | "stderr"> {
  /**
   * Default `"inherit"`; `"null"` discards it (Python's `stdout=DEVNULL`).
   * `"piped"` reads it, only to drop it.
   */
  stdout?: StdioOption;
  /** Default `"inherit"`; `"stdout"` sends it where stdout goes. */
  stderr?: StdioOption | "stdout";
}

/**
 * Options of {@linkcode checkOutput}: those of {@linkcode run} but `check`
 * (always on) and `stdout` (always captured: it is the result).
 */
export interface CheckOutputOptions
  extends Omit<RunOptions, "check" | "stdout"> {}

/** {@linkcode CheckOutputOptions} giving bytes. */
export interface BytesCheckOutputOptions extends CheckOutputOptions {
  /** false: stdout is returned as raw bytes. */
  text: false;
}

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
export function run(
  cmd: readonly string[],
  options: RunOptions = {},
): Promise<CompletedProcess<SubprocessOutput>> {
  try {
    validate(
      {
        what: "run command",
        names: RUN_OPTIONS,
        overrides: { stdin: RUN_STDIN },
      },
      cmd,
      options,
    );
  } catch (error) {
    return Promise.reject(error);
  }
  return complete(cmd, options);
}

// run() once its options are known to be good; call() and checkOutput()
// validate their own shape and come here too.
async function complete(
  cmd: readonly string[],
  options: RunOptions,
): Promise<CompletedProcess<SubprocessOutput>> {
  const text = options.text ?? true;
  const stdout = options.stdout ?? "piped";
  const stderr = options.stderr ?? "piped";
  const { input, signal } = options;
  const timeout = timerDelay(options.timeout);
  const spec = {
    cmd,
    cwd: options.cwd,
    env: options.env,
    clearEnv: options.clearEnv,
    stdin: input === undefined ? options.stdin ?? "inherit" : "piped",
    stdout,
    stderr,
    cleanup: options.cleanup ?? true,
  } as const;
  if (
    input === undefined && timeout === undefined && !signal &&
    stderr !== "stdout" && !options.startNewSession
  ) {
    // The common case costs no more than Deno.Command itself.
    const out = await outputOf(spec);
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
    ...spec,
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
    killGrace: options.killGrace,
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

const CALL_OPTIONS = RUN_OPTIONS.filter((n) => n !== "check" && n !== "text");
const CHECK_OUTPUT_OPTIONS = RUN_OPTIONS.filter((n) =>
  n !== "check" && n !== "stdout"
);

/**
 * Runs a command and returns its exit code. It shares our stdin, stdout and
 * stderr unless the options say otherwise. [Python: subprocess.call]
 *
 * @param cmd The program then its arguments.
 * @param options See {@linkcode CallOptions}.
 * @returns The exit code (minus the signal number when a signal killed it).
 *
 * @example Print the exit code of a command, and silence one
 * ```ts
 * import { call } from "@multitask/core/subprocess";
 *
 * const code = await call(["ls", "/"]);
 * console.log("Exit code:", code); // Exit code: 0
 * console.log(await call(["sh", "-c", "echo hidden; exit 5"], { stdout: "null" })); // 5
 * ```
 */
export async function call(
  cmd: readonly string[],
  options: CallOptions = {},
): Promise<number> {
  validate(
    {
      what: "call command",
      names: CALL_OPTIONS,
      overrides: { stdin: RUN_STDIN },
    },
    cmd,
    options,
  );
  const result = await complete(cmd, {
    ...options,
    stdout: options.stdout ?? "inherit",
    stderr: options.stderr ?? "inherit",
  });
  return result.code;
}

/**
 * Runs a command and returns its stdout, throwing {@linkcode CalledProcessError}
 * (with stdout and stderr) when it fails. [Python: subprocess.check_output]
 *
 * @param cmd The program then its arguments.
 * @param options See {@linkcode CheckOutputOptions}.
 * @returns The command's stdout, as text unless `text: false`.
 *
 * @example Read what a command prints, with its errors merged in
 * ```ts
 * import { checkOutput } from "@multitask/core/subprocess";
 *
 * const who = await checkOutput(["echo", "me"]);
 * console.log(who.trim()); // "me"
 * const both = await checkOutput(["sh", "-c", "echo out; echo err >&2"], {
 *   stderr: "stdout",
 * });
 * console.log(both); // "out\nerr\n"
 * ```
 */
export function checkOutput(
  cmd: readonly string[],
  options?: CheckOutputOptions & { text?: true },
): Promise<string>;
/** Runs a command and returns its stdout as bytes. */
export function checkOutput(
  cmd: readonly string[],
  options: BytesCheckOutputOptions,
): Promise<Uint8Array>;
/** Runs a command and returns its stdout; its type follows `options.text`. */
export function checkOutput(
  cmd: readonly string[],
  options?: CheckOutputOptions,
): Promise<SubprocessOutput>;
export async function checkOutput(
  cmd: readonly string[],
  options: CheckOutputOptions = {},
): Promise<SubprocessOutput> {
  validate(
    {
      what: "check output of command",
      names: CHECK_OUTPUT_OPTIONS,
      overrides: { stdin: RUN_STDIN },
    },
    cmd,
    options,
  );
  const result = await complete(cmd, {
    ...options,
    check: true,
    stdout: "piped",
  });
  return result.stdout;
}
