// Subprocess and spawn(): a running command, Python's Popen.

import { TextLineStream } from "jsr:@std/streams@^1.1.2/text-line-stream";
import {
  killChild,
  returncodeOf,
  startChild,
  type Started,
  type Stdio,
  stopChild,
} from "./_child.ts";
import {
  type Alarm,
  arm,
  decodeBoth,
  EMPTY,
  encode,
  exchange,
  interrupted,
  raiseNotFound,
} from "./_exchange.ts";
import {
  type CapturedOutput,
  SubprocessAbortError,
  type SubprocessOutput,
} from "../errors/subprocess.ts";
import {
  type CommandOptions,
  SPAWN_STDIN,
  type StdioOption,
  validate,
} from "./_options.ts";

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
   * is killed and reaped, and {@linkcode TimeoutExpired} is thrown. Omitted
   * or -1: wait forever (Python's `None`; Python's own -1 expires at once,
   * which 0 does here).
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
  "killGrace",
  "cleanup",
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
  readonly #killGrace: number | undefined;
  #status: Deno.CommandStatus | null = null;
  readonly #alarm: Alarm;

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
    this.#killGrace = options.killGrace;
    this.#started = startChild({
      cmd,
      cwd: options.cwd,
      env: options.env,
      clearEnv: options.clearEnv,
      ...this.#modes,
      stderr: options.stderr ?? "piped",
      newSession: options.startNewSession ?? options.signal !== undefined,
      cleanup: options.cleanup ?? true,
    });
    this.pid = this.#started.child.pid;
    this.args = [...cmd];
    this.#alarm = arm(this.#started, {
      signal: options.signal,
      killGrace: options.killGrace,
    });
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
   * @param timeout Kill and reap after this many ms (or `{ timeout }`),
   *   throwing {@linkcode TimeoutExpired} with the output so far.
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
    timeout: number | WaitOptions = {},
  ): Promise<CapturedOutput<T>> {
    const options = waitOptions(timeout);
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
      killGrace: this.#killGrace,
      outer: this.#alarm,
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
   * @param timeout Kill and reap after this many ms (or `{ timeout }`),
   *   throwing {@linkcode TimeoutExpired}, as Python's positional timeout.
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
  async wait(timeout: number | WaitOptions = {}): Promise<number> {
    const options = waitOptions(timeout);
    validate(
      { what: "wait for command", names: ["timeout"] },
      this.args,
      options,
    );
    const alarm = arm(this.#started, {
      timeout: options.timeout,
      killGrace: this.#killGrace,
    });
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
   * Stdout line by line (without the line break, `\n` or `\r\n`) as it
   * arrives: a stream to iterate with `for await`. Leaving the loop early
   * cancels it and stdout with it; the command then gets SIGPIPE if it keeps
   * writing.
   *
   * @returns A stream of lines (async iterable).
   * @throws {TypeError} When stdout is not piped.
   *
   * @example Follow a command's output
   * ```ts
   * import { spawn } from "@multitask/core/subprocess";
   *
   * await using p = spawn(["printf", "one\\ntwo\\n"]);
   * for await (const line of p.lines()) console.log(line); // one, two
   * ```
   */
  lines(): ReadableStream<string> {
    const stdout = this.stdout;
    if (!stdout) {
      throw new TypeError(
        `Cannot read lines of '${
          this.args[0]
        }' as its stdout is not piped: spawn it with { stdout: "piped" } (the default).`,
      );
    }
    // Returned as is: wrapping it in an async generator (yield*) made
    // iterating 200k lines 1.6x slower (bench/subprocess_bench.ts).
    return stdout
      .pipeThrough(new TextDecoderStream())
      .pipeThrough(new TextLineStream());
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
    const cancelKill = this.#status
      ? undefined
      : stopChild(this.#started, this.#killGrace);
    await this.#started.child.status;
    cancelKill?.();
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
 * @example The Python tutorial's Popen + communicate
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

// Popen.wait(timeout) and communicate(input, timeout) take the timeout
// positionally in Python, so a number is read as `{ timeout }`.
function waitOptions(timeout: number | WaitOptions): WaitOptions {
  return typeof timeout === "number" ? { timeout } : timeout;
}
