import {
  Collector,
  concat,
  feed,
  killChild,
  outputOf,
  returncodeOf,
  startChild,
  type Started,
  type Stdio,
} from "./_child.ts";
import {
  CalledProcessError,
  type CapturedOutput,
  CommandNotFound,
  SubprocessAbortError,
  type SubprocessOutput,
  TimeoutExpired,
} from "./errors.ts";
import { RUN_STDIN, SPAWN_STDIN, validate } from "./_options.ts";

export {
  CalledProcessError,
  type CapturedOutput,
  CommandNotFound,
  SubprocessAbortError,
  type SubprocessOutput,
  TimeoutExpired,
};

/** Where a command's stdout (or stderr) goes: captured, shared with us, or discarded. */
export type StdioOption = "piped" | "inherit" | "null";

/** Options shared by every way of starting a command. */
export interface CommandOptions {
  /** Working directory of the command (default: ours). */
  cwd?: string | URL;
  /** Environment variables to set (added to ours unless `clearEnv`). */
  env?: Record<string, string>;
  /** Start from an empty environment instead of ours. Default false. */
  clearEnv?: boolean;
}

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

const RUN_OPTIONS = [
  "cwd",
  "env",
  "clearEnv",
  "input",
  "stdin",
  "stdout",
  "stderr",
  "check",
  "timeout",
  "signal",
  "text",
  "startNewSession",
] as const;

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

const EMPTY = new Uint8Array(0);

function encode(input: string | Uint8Array): Uint8Array {
  return typeof input === "string" ? new TextEncoder().encode(input) : input;
}

const UTF8 = new TextDecoder();

function decode(bytes: Uint8Array, text: boolean): SubprocessOutput {
  if (!text) return bytes;
  return bytes.length === 0 ? "" : UTF8.decode(bytes);
}

function decodeBoth(
  out: Uint8Array,
  err: Uint8Array,
  text: boolean,
): CapturedOutput {
  return { stdout: decode(out, text), stderr: decode(err, text) };
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

/** What `exchange` talks to and for how long. */
interface Exchange {
  cmd: readonly string[];
  stdin: WritableStream<Uint8Array> | null;
  stdout: ReadableStream<Uint8Array> | null;
  stderr: ReadableStream<Uint8Array> | null;
  input: Uint8Array | undefined;
  timeout?: number;
  signal?: AbortSignal;
  text: boolean;
}

/** How a deadline or an abort ended a command, if one did. */
type Interrupt = { kind: "timeout" } | { kind: "abort"; reason: unknown };

/**
 * Kills the command (and its group) when the timeout passes or the signal
 * aborts; `dispose` disarms both. The child's status stays the reaping point.
 */
function arm(
  started: Pick<Started, "child" | "group">,
  timeout: number | undefined,
  signal: AbortSignal | undefined,
): { fired(): Interrupt | null; dispose(): void } {
  let fired: Interrupt | null = null;
  const timer = timeout === undefined ? undefined : setTimeout(() => {
    fired ??= { kind: "timeout" };
    killChild(started);
  }, timeout);
  const onAbort = () => {
    fired ??= { kind: "abort", reason: signal?.reason };
    killChild(started);
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  return {
    fired: () => fired,
    dispose() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    },
  };
}

/**
 * Writes input, drains stdout and stderr concurrently, and reaps the child —
 * the one place where deadlock and partial output are handled.
 */
async function exchange(
  started: Started,
  io: Exchange,
): Promise<
  { status: Deno.CommandStatus; stdout: Uint8Array; stderr: Uint8Array }
> {
  const out = new Collector(io.stdout);
  const err = new Collector(io.stderr);
  const fed = io.stdin ? feed(io.stdin, io.input) : Promise.resolve();
  const alarm = arm(started, io.timeout, io.signal);
  const status = await started.child.status;
  alarm.dispose();
  await fed;
  const fired = alarm.fired();
  if (fired && !started.group) {
    // Only the child was killed; a surviving grandchild may hold the pipes
    // open, so keep what arrived instead of waiting for an EOF.
    await Promise.all([out.cancel(), err.cancel()]);
  } else {
    await Promise.all([out.done, err.done]);
  }
  await raiseNotFound(started, io.cmd, returncodeOf(status));
  if (fired) {
    throw interrupted(
      io.cmd,
      fired,
      io.timeout,
      decodeBoth(out.bytes(), err.bytes(), io.text),
    );
  }
  return { status, stdout: out.bytes(), stderr: err.bytes() };
}

function interrupted(
  cmd: readonly string[],
  fired: Interrupt,
  timeout: number | undefined,
  output: CapturedOutput,
): Error {
  return fired.kind === "timeout"
    ? new TimeoutExpired(cmd, timeout ?? 0, output)
    : new SubprocessAbortError(cmd, fired.reason, output);
}

async function raiseNotFound(
  started: Started,
  cmd: readonly string[],
  code: number,
): Promise<void> {
  if (await started.notFound && code === 127) throw new CommandNotFound(cmd);
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

/** Options of {@linkcode spawn}. [Python: Popen's arguments] */
export interface SpawnOptions extends CommandOptions {
  /** Default `"inherit"`; `"piped"` to write to it or use `communicate(input)`. */
  stdin?: StdioOption;
  /** Default `"piped"`. */
  stdout?: StdioOption;
  /** Default `"piped"`; `"stdout"` merges as in {@linkcode RunOptions.stderr}. */
  stderr?: StdioOption | "stdout";
  /** Decode `communicate()` output as text (default true); false gives bytes. */
  text?: boolean;
  /**
   * Aborting it kills the command and its process group; `wait()` and
   * `communicate()` then reject with {@linkcode SubprocessAbortError}.
   */
  signal?: AbortSignal;
  /**
   * Start the command in its own session and process group (Python's
   * `start_new_session`), so that timeouts and disposal kill its
   * grandchildren too. Default false, or true when `signal` is given. Such a
   * command no longer receives the terminal's Ctrl-C directly.
   */
  startNewSession?: boolean;
}

/** {@linkcode SpawnOptions} whose `communicate()` gives bytes. */
export interface BytesSpawnOptions extends SpawnOptions {
  /** false: `communicate()` returns raw bytes. */
  text: false;
}

/** Options of {@linkcode Subprocess.wait} and {@linkcode Subprocess.communicate}. */
export interface WaitOptions {
  /**
   * Milliseconds to wait; past it the command (and its group, if it has one)
   * is killed and reaped, and {@linkcode TimeoutExpired} is thrown.
   */
  timeout?: number;
}

const SPAWN_OPTIONS = [
  "cwd",
  "env",
  "clearEnv",
  "stdin",
  "stdout",
  "stderr",
  "text",
  "signal",
  "startNewSession",
];

/**
 * A running command: Python's `Popen`. Create it with {@linkcode spawn} (or
 * `new Subprocess(cmd, options)`), and dispose of it with `await using` so
 * that it is killed and reaped if you leave early.
 */
export class Subprocess<T extends SubprocessOutput = string>
  implements AsyncDisposable {
  /** The command's process id. */
  readonly pid: number;
  /** The command line. */
  readonly args: string[];
  readonly #started: Started;
  readonly #modes: { stdin: Stdio; stdout: Stdio };
  readonly #text: boolean;
  #status: Deno.CommandStatus | null = null;
  #alarm: { fired(): Interrupt | null; dispose(): void };

  /**
   * Starts the command; same as {@linkcode spawn}.
   *
   * @param cmd The program then its arguments.
   * @param options See {@linkcode SpawnOptions}.
   *
   * @example Start a command
   * ```ts
   * import { Subprocess } from "@multitask/core/subprocess";
   *
   * await using p = new Subprocess(["echo", "hi"]);
   * console.log(await p.communicate()); // { stdout: "hi\n", stderr: "" }
   * ```
   */
  constructor(cmd: readonly string[], options: SpawnOptions = {}) {
    validate(
      {
        what: "spawn command",
        names: SPAWN_OPTIONS,
        overrides: { stdin: SPAWN_STDIN },
      },
      cmd,
      options,
    );
    if (options.signal?.aborted) {
      throw new SubprocessAbortError(
        cmd,
        options.signal.reason,
        decodeBoth(EMPTY, EMPTY, options.text ?? true),
      );
    }
    this.#modes = {
      stdin: options.stdin ?? "inherit",
      stdout: options.stdout ?? "piped",
    };
    this.#text = options.text ?? true;
    this.#started = startChild({
      cmd,
      cwd: options.cwd,
      env: options.env,
      clearEnv: options.clearEnv,
      ...this.#modes,
      stderr: options.stderr ?? "piped",
      newSession: options.startNewSession ?? options.signal !== undefined,
    });
    this.pid = this.#started.child.pid;
    this.args = [...cmd];
    this.#alarm = arm(this.#started, undefined, options.signal);
    this.#started.child.status.then((status) => {
      this.#status = status;
      this.#alarm.dispose();
    });
  }

  /** Exit code once it has exited (minus the signal number if killed), else null. */
  get returncode(): number | null {
    return this.#status && returncodeOf(this.#status);
  }

  /** The raw stdin stream, or null unless spawned with `stdin: "piped"`. */
  get stdin(): WritableStream<Uint8Array> | null {
    return this.#modes.stdin === "piped" ? this.#started.child.stdin : null;
  }

  /** The raw stdout stream, or null unless `stdout` is `"piped"`. */
  get stdout(): ReadableStream<Uint8Array> | null {
    return this.#modes.stdout === "piped" ? this.#started.child.stdout : null;
  }

  /** The raw stderr stream, or null unless `stderr` is `"piped"`. */
  get stderr(): ReadableStream<Uint8Array> | null {
    return this.#started.stderr;
  }

  /**
   * Sends `input` (then closes stdin), reads stdout and stderr to the end
   * concurrently, and waits for the command to exit; `returncode` is then
   * set. Never deadlocks, whatever the sizes. [Python: Popen.communicate]
   *
   * @param input Data for stdin (needs `stdin: "piped"`).
   * @param options `timeout`: kill and reap after this many ms, throwing
   *   {@linkcode TimeoutExpired} with the output so far.
   * @returns Everything the command wrote (empty for streams not piped).
   *
   * @example Feed a command and collect its answer
   * ```ts
   * import { spawn } from "@multitask/core/subprocess";
   *
   * await using p = spawn(["sort"], { stdin: "piped" });
   * const { stdout } = await p.communicate("b\na\n");
   * console.log(stdout, p.returncode); // "a\nb\n" 0
   * ```
   */
  async communicate(
    input?: string | Uint8Array,
    options: WaitOptions = {},
  ): Promise<CapturedOutput<T>> {
    validate(
      { what: "communicate with command", names: ["timeout"] },
      this.args,
      options,
    );
    if (input !== undefined) {
      validate(
        { what: "communicate with command", names: ["input"] },
        this.args,
        { input },
      );
    }
    if (input !== undefined && this.#modes.stdin !== "piped") {
      throw new TypeError(
        `Cannot send input to '${
          this.args[0]
        }' as it was spawned without a piped stdin: spawn it with { stdin: "piped" }.`,
      );
    }
    const got = await exchange(this.#started, {
      cmd: this.args,
      stdin: this.#unlocked(this.stdin, "stdin"),
      stdout: this.#unlocked(this.stdout, "stdout"),
      stderr: this.#unlocked(this.stderr, "stderr"),
      input: input === undefined ? undefined : encode(input),
      timeout: options.timeout,
      text: this.#text,
    });
    this.#raiseIfAborted(decodeBoth(got.stdout, got.stderr, this.#text));
    return decodeBoth(got.stdout, got.stderr, this.#text) as CapturedOutput<T>;
  }

  #unlocked<S extends ReadableStream | WritableStream>(
    stream: S | null,
    name: string,
  ): S | null {
    if (stream?.locked) {
      throw new TypeError(
        `Cannot communicate with '${
          this.args[0]
        }' as its ${name} is already in use by a reader or writer (lines(), getReader()...): finish with it there and call wait() instead.`,
      );
    }
    return stream;
  }

  #raiseIfAborted(output: CapturedOutput): void {
    const fired = this.#alarm.fired();
    if (fired) throw interrupted(this.args, fired, undefined, output);
  }

  /**
   * Waits for the command to exit and returns its exit code. Like Python's,
   * it does not read the pipes: with piped output, read it (or use
   * `communicate()`) so the command cannot block on a full pipe.
   * [Python: Popen.wait]
   *
   * @param options `timeout`: kill and reap after this many ms, throwing
   *   {@linkcode TimeoutExpired}.
   * @returns The exit code (minus the signal number if killed).
   *
   * @example Wait for a command that prints to our terminal
   * ```ts
   * import { spawn } from "@multitask/core/subprocess";
   *
   * await using p = spawn(["true"], { stdout: "inherit", stderr: "inherit" });
   * console.log(await p.wait()); // 0
   * ```
   */
  async wait(options: WaitOptions = {}): Promise<number> {
    validate(
      { what: "wait for command", names: ["timeout"] },
      this.args,
      options,
    );
    const alarm = arm(this.#started, options.timeout, undefined);
    const status = await this.#started.child.status;
    alarm.dispose();
    const code = returncodeOf(status);
    await raiseNotFound(this.#started, this.args, code);
    const fired = alarm.fired();
    const empty = decodeBoth(EMPTY, EMPTY, this.#text);
    if (fired) throw interrupted(this.args, fired, options.timeout, empty);
    this.#raiseIfAborted(empty);
    return code;
  }

  /**
   * Yields stdout line by line (without the line break) as it arrives.
   * Leaving the loop early stops reading; the command then gets SIGPIPE if it
   * keeps writing.
   *
   * @returns An async iterable of lines.
   *
   * @example Follow a command's output
   * ```ts
   * import { spawn } from "@multitask/core/subprocess";
   *
   * await using p = spawn(["printf", "one\\ntwo\\n"]);
   * for await (const line of p.lines()) console.log(line); // one, two
   * ```
   */
  async *lines(): AsyncGenerator<string, void, undefined> {
    const stdout = this.stdout;
    if (!stdout) {
      throw new TypeError(
        `Cannot read lines of '${
          this.args[0]
        }' as its stdout is not piped: spawn it with { stdout: "piped" } (the default).`,
      );
    }
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of stdout) {
      rest += decoder.decode(chunk, { stream: true });
      const parts = rest.split("\n");
      rest = parts.pop()!;
      for (const line of parts) {
        yield line.endsWith("\r") ? line.slice(0, -1) : line;
      }
    }
    rest += decoder.decode();
    if (rest) yield rest;
  }

  /**
   * Asks the command to stop with SIGTERM. Does nothing once it has exited.
   * [Python: Popen.terminate]
   *
   * @example Stop a long-running command
   * ```ts
   * import { spawn } from "@multitask/core/subprocess";
   *
   * await using p = spawn(["sleep", "10"]);
   * p.terminate();
   * console.log(await p.wait()); // -15
   * ```
   */
  terminate(): void {
    this.kill("SIGTERM");
  }

  /**
   * Sends a signal to the command (not its group), SIGKILL by default. Does
   * nothing once it has exited. [Python: Popen.kill / send_signal]
   *
   * @param signal The signal to send. Default `"SIGKILL"`.
   *
   * @example Kill a command
   * ```ts
   * import { spawn } from "@multitask/core/subprocess";
   *
   * await using p = spawn(["sleep", "10"]);
   * p.kill();
   * console.log(await p.wait()); // -9
   * ```
   */
  kill(signal: Deno.Signal = "SIGKILL"): void {
    if (this.#status) return;
    killChild({ child: this.#started.child, group: false }, signal);
  }

  /**
   * Kills the command (and its group, when it leads one) if it still runs,
   * reaps it, and releases its pipes. Used by `await using`.
   *
   * @example Never leave a command behind
   * ```ts
   * import { spawn } from "@multitask/core/subprocess";
   *
   * {
   *   await using p = spawn(["sleep", "10"]);
   *   console.log(p.pid > 0); // true
   * } // killed and reaped here
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#status) killChild(this.#started);
    await this.#started.child.status;
    this.#alarm.dispose();
    await Promise.all([
      release(this.stdout),
      release(this.stderr),
      this.stdin && !this.stdin.locked
        ? this.stdin.abort().catch(() => {})
        : undefined,
      this.#started.notFound,
    ]);
  }
}

async function release(stream: ReadableStream | null): Promise<void> {
  if (stream && !stream.locked) await stream.cancel().catch(() => {});
}

/**
 * Starts a command and returns its {@linkcode Subprocess} handle (Python's
 * `Popen`). stdout and stderr are piped and stdin inherited unless set.
 *
 * @param cmd The program then its arguments; no shell is involved.
 * @param options See {@linkcode SpawnOptions}.
 * @returns The running command.
 *
 * @example The seed's Popen + communicate
 * ```ts
 * import { spawn } from "@multitask/core/subprocess";
 *
 * await using p = spawn(["sh"], { stdin: "piped" });
 * const { stdout } = await p.communicate("echo hello\nexit\n");
 * console.log(stdout, "Exit code:", p.returncode); // "hello\n" Exit code: 0
 * ```
 */
export function spawn(
  cmd: readonly string[],
  options?: SpawnOptions & { text?: true },
): Subprocess<string>;
/** Starts a command whose `communicate()` gives bytes. */
export function spawn(
  cmd: readonly string[],
  options: BytesSpawnOptions,
): Subprocess<Uint8Array>;
/** Starts a command; output type follows `options.text`. */
export function spawn(
  cmd: readonly string[],
  options?: SpawnOptions,
): Subprocess<SubprocessOutput>;
export function spawn(
  cmd: readonly string[],
  options?: SpawnOptions,
): Subprocess<SubprocessOutput> {
  return new Subprocess<SubprocessOutput>(cmd, options);
}

/** Options of {@linkcode pipeline}: they apply to the pipeline as a whole. */
export interface PipelineOptions extends CommandOptions {
  /** Data for the first command's stdin. */
  input?: string | Uint8Array;
  /** The first command's stdin when there is no `input`. Default `"inherit"`. */
  stdin?: "inherit" | "null";
  /** Where the last command's stdout goes. Default `"piped"`. */
  stdout?: StdioOption;
  /**
   * Every command's stderr. Default `"piped"`: collected, in command order,
   * into the result's `stderr`. `"stdout"` sends each command's stderr down
   * the pipe with its stdout (`a 2>&1 | b`).
   */
  stderr?: StdioOption | "stdout";
  /**
   * Throw {@linkcode CalledProcessError} naming the first command that failed.
   * A command other than the last killed by SIGPIPE has not failed: that is
   * how a producer learns its reader is done (`yes | head -1`).
   */
  check?: boolean;
  /** As {@linkcode RunOptions.timeout}, for the whole pipeline. */
  timeout?: number;
  /** As {@linkcode RunOptions.signal}, for the whole pipeline. */
  signal?: AbortSignal;
  /** Decode output as text (default true). */
  text?: boolean;
  /** As {@linkcode RunOptions.startNewSession}, for every command. */
  startNewSession?: boolean;
}

/** {@linkcode PipelineOptions} giving text output (the default). */
export interface TextPipelineOptions extends PipelineOptions {
  /** true or absent: output is decoded as UTF-8. */
  text?: true;
}

/** {@linkcode PipelineOptions} giving bytes. */
export interface BytesPipelineOptions extends PipelineOptions {
  /** false: output is returned as raw bytes. */
  text: false;
}

/** The result of {@linkcode pipeline}: the last command's, plus every exit code. */
export interface PipelineResult<T extends SubprocessOutput = string>
  extends CompletedProcess<T> {
  /** Exit code of each command, in order (a shell's PIPESTATUS). */
  codes: number[];
}

const SIGPIPE_CODE = -13;

/**
 * Runs `a | b | c` without a shell: each command's stdout feeds the next
 * one's stdin, and the result is the last command's (with every exit code in
 * `codes`). A trailing options object applies to the whole pipeline.
 *
 * @param stages Two or more commands, optionally followed by {@linkcode PipelineOptions}.
 * @returns The last command's status and output.
 *
 * @example Count the distinct words
 * ```ts
 * import { pipeline } from "@multitask/core/subprocess";
 *
 * const result = await pipeline(["tr", " ", "\\n"], ["sort", "-u"], ["wc", "-l"], {
 *   input: "b a b c a",
 * });
 * console.log(result.stdout.trim(), result.codes); // "3" [0, 0, 0]
 * ```
 */
export function pipeline(
  ...stages: [...(readonly string[])[], TextPipelineOptions | readonly string[]]
): Promise<PipelineResult<string>>;
/** Runs `a | b | c`, returning the last command's output as bytes. */
export function pipeline(
  ...stages: [...(readonly string[])[], BytesPipelineOptions]
): Promise<PipelineResult<Uint8Array>>;
/** Runs `a | b | c`; output type follows `text`. */
export function pipeline(
  ...stages: [...(readonly string[])[], PipelineOptions | readonly string[]]
): Promise<PipelineResult<SubprocessOutput>>;
export async function pipeline(
  ...stages: (PipelineOptions | readonly string[])[]
): Promise<PipelineResult<SubprocessOutput>> {
  const { cmds, options } = splitStages(stages);
  const text = options.text ?? true;
  const stdout = options.stdout ?? "piped";
  const { input, timeout, signal } = options;
  if (signal?.aborted) {
    throw new SubprocessAbortError(
      cmds[0],
      signal.reason,
      decodeBoth(EMPTY, EMPTY, text),
    );
  }
  const started = await startAll(cmds, options, stdout);
  const last = started[started.length - 1];
  const links = started.slice(0, -1).map((s, i) =>
    s.child.stdout.pipeTo(started[i + 1].child.stdin).catch(() => {})
  );
  const out = new Collector(stdout === "piped" ? last.child.stdout : null);
  const errs = started.map((s) => new Collector(s.stderr));
  const fed = input === undefined
    ? Promise.resolve()
    : feed(started[0].child.stdin, encode(input));
  const alarms = started.map((s) => arm(s, timeout, signal));
  const statuses = await Promise.all(started.map((s) => s.child.status));
  alarms.forEach((a) => a.dispose());
  const fired = alarms.map((a) => a.fired()).find((f) => f !== null) ?? null;
  await Promise.all([fed, ...links]);
  const collectors = [out, ...errs];
  const grouped = started.every((s) => s.group);
  await Promise.all(
    collectors.map((c) => fired && !grouped ? c.cancel() : c.done),
  );
  const codes = statuses.map(returncodeOf);
  for (let i = 0; i < started.length; i++) {
    await raiseNotFound(started[i], cmds[i], codes[i]);
  }
  const output = decodeBoth(
    out.bytes(),
    concat(errs.map((c) => c.bytes())),
    text,
  );
  if (fired) throw interrupted(cmds[0], fired, timeout, output);
  const lastStatus = statuses[statuses.length - 1];
  if (options.check) {
    const bad = codes.findIndex((code, i) =>
      code !== 0 && !(code === SIGPIPE_CODE && i < codes.length - 1)
    );
    if (bad >= 0) {
      throw new CalledProcessError(cmds[bad], codes[bad], {
        ...output,
        signal: statuses[bad].signal,
      });
    }
  }
  return {
    args: [...cmds[cmds.length - 1]],
    code: codes[codes.length - 1],
    signal: lastStatus.signal,
    ...output,
    success: lastStatus.success,
    codes,
  };
}

const PIPELINE_OPTIONS = RUN_OPTIONS;

function splitStages(
  stages: readonly (PipelineOptions | readonly string[])[],
): { cmds: string[][]; options: PipelineOptions } {
  const tail = stages[stages.length - 1];
  const hasOptions = tail !== undefined && !Array.isArray(tail) &&
    typeof tail === "object";
  const options = (hasOptions ? tail : {}) as PipelineOptions;
  const cmds = (hasOptions ? stages.slice(0, -1) : stages) as string[][];
  if (cmds.length < 2) {
    throw new TypeError(
      `Cannot start pipeline as it needs at least two commands: received ${cmds.length}. Use run() for a single command.`,
    );
  }
  cmds.forEach((cmd, i) =>
    validate(
      { what: `start pipeline (command ${i + 1})`, names: [] },
      cmd,
      undefined,
    )
  );
  validate(
    {
      what: "start pipeline",
      names: PIPELINE_OPTIONS,
      overrides: { stdin: RUN_STDIN },
    },
    cmds[0],
    options,
  );
  if (options.input !== undefined && options.stdin !== undefined) {
    throw new TypeError(
      `Cannot start pipeline as 'input' and 'stdin' exclude each other: input is written to a piped stdin. Drop one of them.`,
    );
  }
  return { cmds, options };
}

// Starts every stage; if one cannot start, the ones already running are
// killed and reaped before the error propagates.
async function startAll(
  cmds: string[][],
  options: PipelineOptions,
  stdout: StdioOption,
): Promise<Started[]> {
  const started: Started[] = [];
  const timed = options.startNewSession ??
    (options.timeout !== undefined || options.signal !== undefined);
  try {
    cmds.forEach((cmd, i) =>
      started.push(startChild({
        cmd,
        cwd: options.cwd,
        env: options.env,
        clearEnv: options.clearEnv,
        stdin: i > 0 || options.input !== undefined
          ? "piped"
          : options.stdin ?? "inherit",
        stdout: i === cmds.length - 1 ? stdout : "piped",
        stderr: options.stderr ?? "piped",
        newSession: timed,
      }))
    );
  } catch (error) {
    await Promise.all(started.map((s, i) => abandon(s, i, options)));
    throw error;
  }
  return started;
}

// Every stage started so far has stdout piped; stdin is piped unless it is
// the first stage without input.
async function abandon(
  s: Started,
  index: number,
  options: PipelineOptions,
): Promise<void> {
  killChild(s);
  await s.child.status;
  const stdinPiped = index > 0 || options.input !== undefined;
  await Promise.all([
    stdinPiped ? s.child.stdin.abort().catch(() => {}) : undefined,
    s.child.stdout.cancel().catch(() => {}),
    s.stderr?.cancel().catch(() => {}),
    s.notFound,
  ]);
}
