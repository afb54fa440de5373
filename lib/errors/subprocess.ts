// The errors of lib/subprocess/, named as Python's subprocess names them.
// They carry the command and whatever output was captured, so a caller can
// report or retry without running the command again.

import { registerErrorClasses } from "./_keys.ts";

import { AbortError, TimeoutError } from "./base.ts";

/** Captured output: text by default, bytes with `text: false`. */
export type SubprocessOutput = string | Uint8Array;

/** What a failed or interrupted command had written when it ended. */
export interface CapturedOutput<T extends SubprocessOutput = SubprocessOutput> {
  /** Standard output captured so far (empty when not piped). */
  stdout: T;
  /** Standard error captured so far (empty when not piped or merged). */
  stderr: T;
}

/** Renders a command line as a user would type it, for messages. */
export function formatCommand(cmd: readonly string[]): string {
  return cmd.map((a) =>
    /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`
  )
    .join(" ");
}

// The last lines of stderr usually say why a command failed; quote a bounded tail.
function stderrTail(stderr: SubprocessOutput): string {
  const text = typeof stderr === "string"
    ? stderr
    : new TextDecoder().decode(stderr);
  const trimmed = text.trimEnd();
  if (!trimmed) return "";
  const tail = trimmed.length > 1000 ? "…" + trimmed.slice(-1000) : trimmed;
  return `\nIts stderr ends with:\n${tail}`;
}

/**
 * Raised by `check: true` (and by `checkOutput`) when a command exits with a
 * non-zero status or is killed by a signal. [Python: subprocess.CalledProcessError]
 */
export class CalledProcessError<T extends SubprocessOutput = SubprocessOutput>
  extends Error {
  /** The command line that failed. */
  readonly cmd: string[];
  /** Its exit code, or minus the signal number when a signal killed it. */
  readonly code: number;
  /** The signal that killed it, or null when it exited. */
  readonly signal: Deno.Signal | null;
  /** Its captured standard output. */
  readonly stdout: T;
  /** Its captured standard error. */
  readonly stderr: T;

  /**
   * Describes a failed command and what it wrote.
   *
   * @param cmd The command line.
   * @param code Exit code (negative signal number when killed).
   * @param output What it wrote, and the signal that killed it, if any.
   *
   * @example Catch a failing command and read its output
   * ```ts
   * import { CalledProcessError, run } from "@multitask/core/subprocess";
   *
   * try {
   *   await run(["sh", "-c", "echo oops >&2; exit 3"], { check: true });
   * } catch (error) {
   *   if (error instanceof CalledProcessError) {
   *     console.log(error.code, error.stderr); // 3 "oops\n"
   *   }
   * }
   * ```
   */
  constructor(
    cmd: readonly string[],
    code: number,
    output: CapturedOutput<T> & { signal?: Deno.Signal | null },
  ) {
    const how = output.signal
      ? `was killed by ${output.signal}`
      : `returned non-zero exit status ${code}`;
    super(
      `Command "${
        formatCommand(cmd)
      }" ${how}. Its output is in error.stdout and ` +
        `error.stderr; pass check: false to get the result without an error.` +
        stderrTail(output.stderr),
    );
    this.name = "CalledProcessError";
    this.cmd = [...cmd];
    this.code = code;
    this.signal = output.signal ?? null;
    this.stdout = output.stdout;
    this.stderr = output.stderr;
  }
}

/**
 * Raised when a command outlives its `timeout`. By then the command (and its
 * process group, when it had one) has been killed and reaped; the output it
 * wrote before is kept. It is a {@linkcode TimeoutError}, like every
 * timeout of the library. [Python: subprocess.TimeoutExpired]
 */
export class TimeoutExpired<T extends SubprocessOutput = SubprocessOutput>
  extends TimeoutError {
  /** The command line that timed out. */
  readonly cmd: string[];
  /** The timeout it exceeded, in milliseconds. */
  readonly timeout: number;
  /** Standard output written before it was killed. */
  readonly stdout: T;
  /** Standard error written before it was killed. */
  readonly stderr: T;

  /**
   * Describes a command that was killed for outliving its timeout.
   *
   * @param cmd The command line.
   * @param timeout The timeout in milliseconds.
   * @param output The partial output.
   *
   * @example Give a command a deadline
   * ```ts
   * import { run, TimeoutExpired } from "@multitask/core/subprocess";
   *
   * try {
   *   await run(["sh", "-c", "echo started; sleep 10"], { timeout: 200 });
   * } catch (error) {
   *   if (error instanceof TimeoutExpired) console.log(error.stdout); // "started\n"
   * }
   * ```
   */
  constructor(
    cmd: readonly string[],
    timeout: number,
    output: CapturedOutput<T>,
  ) {
    super(
      `Command "${
        formatCommand(cmd)
      }" timed out after ${timeout} ms and was killed. ` +
        `Raise 'timeout' if it needs longer; what it wrote so far is in error.stdout and error.stderr.`,
    );
    this.name = "TimeoutExpired";
    this.cmd = [...cmd];
    this.timeout = timeout;
    this.stdout = output.stdout;
    this.stderr = output.stderr;
  }
}

/**
 * Raised when the `signal` passed to a command aborts it. The command (and its
 * process group) has been killed and reaped; the output it wrote before is
 * kept, and `cause` is the signal's reason. It is an {@linkcode AbortError},
 * like every cancellation of the library, and its `name` is `"AbortError"`,
 * as for any aborted Web API.
 */
export class SubprocessAbortError<T extends SubprocessOutput = SubprocessOutput>
  extends AbortError {
  /** The command line that was aborted. */
  readonly cmd: string[];
  /** Standard output written before it was killed. */
  readonly stdout: T;
  /** Standard error written before it was killed. */
  readonly stderr: T;

  /**
   * Describes a command that was killed because its signal aborted.
   *
   * @param cmd The command line.
   * @param reason The abort signal's reason.
   * @param output The partial output.
   *
   * @example Cancel a command from elsewhere
   * ```ts
   * import { run, SubprocessAbortError } from "@multitask/core/subprocess";
   *
   * const controller = new AbortController();
   * const pending = run(["sleep", "10"], { signal: controller.signal });
   * controller.abort();
   * try {
   *   await pending;
   * } catch (error) {
   *   console.log(error instanceof SubprocessAbortError); // true
   * }
   * ```
   */
  constructor(
    cmd: readonly string[],
    reason: unknown,
    output: CapturedOutput<T>,
  ) {
    super(
      `Command "${formatCommand(cmd)}" was aborted by its signal and killed` +
        (reason instanceof Error ? `: ${reason.message}` : ".") +
        ` What it wrote so far is in error.stdout and error.stderr.`,
      { cause: reason },
    );
    this.name = "AbortError";
    this.cmd = [...cmd];
    this.stdout = output.stdout;
    this.stderr = output.stderr;
  }
}

/** Raised when the program named by a command cannot be found. */
export class CommandNotFound extends Error {
  /** The command line that was asked for. */
  readonly cmd: string[];

  /**
   * Describes a command whose program does not exist.
   *
   * @param cmd The command line whose program is missing.
   * @param options Standard error options (`cause`).
   *
   * @example Tell a missing tool apart from a failing one
   * ```ts
   * import { CommandNotFound, run } from "@multitask/core/subprocess";
   *
   * try {
   *   await run(["no-such-tool-here"]);
   * } catch (error) {
   *   if (error instanceof CommandNotFound) console.log(error.cmd[0], "is missing");
   * }
   * ```
   */
  constructor(cmd: readonly string[], options?: ErrorOptions) {
    super(
      `Cannot run '${cmd[0]}' as no such program was found: install it, fix ` +
        `the spelling, or pass its full path (the PATH was searched).`,
      options,
    );
    this.name = "CommandNotFound";
    this.cmd = [...cmd];
  }
}

registerErrorClasses(
  CalledProcessError,
  TimeoutExpired,
  SubprocessAbortError,
  CommandNotFound,
);
