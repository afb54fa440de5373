// Up-front validation of the options of run/call/checkOutput/spawn/pipeline:
// a wrong option fails before any process starts, with a message that says
// which option, what it got, and what would be accepted.

import { checkTimerTimeout, MAX_TIMER_MS } from "../_common/waiting.ts";

/** One option's rule: returns what it accepts, or undefined when `value` fits. */
type Rule = (value: unknown) => string | undefined;

const oneOf = (...allowed: readonly unknown[]): Rule => (v) =>
  allowed.includes(v)
    ? undefined
    : `one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`;

const isBool: Rule = (v) =>
  typeof v === "boolean" ? undefined : "true or false";

// The library's rule for waits (lib/_common/waiting.ts): -1 or undefined
// waits forever, 0 does not wait (the command is killed unless it has
// already exited), and a finite timeout must fit a timer.
const isTimeout: Rule = (v) => {
  try {
    checkTimerTimeout(v, "run command");
    return undefined;
  } catch {
    return `a number of milliseconds >= 0 (at most ${MAX_TIMER_MS}), or -1 (or undefined) to wait forever`;
  }
};

/** A checked timeout as the timer's delay: undefined when it waits forever. */
export function timerDelay(timeout: number | undefined): number | undefined {
  return timeout === -1 || timeout === Infinity ? undefined : timeout;
}

const isGrace: Rule = (v) =>
  typeof v === "number" && Number.isFinite(v) && v >= 0
    ? undefined
    : "a number of milliseconds >= 0";

const isSignal: Rule = (v) =>
  v instanceof AbortSignal ? undefined : "an AbortSignal";

const isInput: Rule = (v) =>
  typeof v === "string" || v instanceof Uint8Array
    ? undefined
    : "a string or a Uint8Array";

// The operating system ends every path, argument and environment string at
// its first NUL byte, so one inside would silently run something else.
const hasNul = (text: string): boolean => text.includes("\0");

const isCwd: Rule = (v) =>
  (typeof v === "string" && !hasNul(v)) ||
    (v instanceof URL && !hasNul(decodeURIComponent(v.pathname)))
    ? undefined
    : "a path string or a file: URL, without NUL bytes";

const isEnv: Rule = (v) =>
  typeof v === "object" && v !== null && !Array.isArray(v) &&
    Object.entries(v).every(([k, x]) =>
      typeof x === "string" && !hasNul(k) && !hasNul(x)
    )
    ? undefined
    : 'an object of string values without NUL bytes, e.g. { LANG: "C" }';

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
  /**
   * How a timeout, an abort or disposal stops the command. Absent: SIGKILL
   * at once (Python's `kill()`). A number: SIGTERM first, to the command's
   * process group when it leads one, then SIGKILL after that many
   * milliseconds if it is still running (execa's `forceKillAfterDelay`).
   */
  killGrace?: number;
  /**
   * Kill the command (its group, when it leads one) with SIGKILL if this
   * process exits while it still runs. Default true; false lets it outlive
   * us. This rests on Deno's `unload` event, which Deno dispatches when the
   * program ends and on `Deno.exit()` from any thread, but not when an
   * uncaught error or a signal ends it: an uncaught error makes Deno itself
   * SIGKILL the children it started without `detached` (those in our process
   * group, see `startNewSession`), and a terminal's Ctrl-C reaches those too.
   * A SIGTERM or SIGKILL sent to this process alone leaves children running;
   * to cover SIGTERM, add `Deno.addSignalListener("SIGTERM", () =>
   * Deno.exit(143))`. Tracking needs the pid, so `run` spawns the command
   * rather than calling Deno's `Command.output()`, which costs about 5% of
   * the time of a `run(["true"])`; `cleanup: false` skips that.
   */
  cleanup?: boolean;
}

/** The options of run(), which checkOutput() and pipeline() share. */
export const RUN_OPTIONS = [
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
  "killGrace",
  "cleanup",
] as const;

const STDIO = ["piped", "inherit", "null"] as const;

/** Rules per option name, shared by every entry point. */
export const RULES: Record<string, Rule> = {
  cwd: isCwd,
  env: isEnv,
  clearEnv: isBool,
  input: isInput,
  stdout: oneOf(...STDIO),
  stderr: oneOf(...STDIO, "stdout"),
  check: isBool,
  timeout: isTimeout,
  killGrace: isGrace,
  cleanup: isBool,
  signal: isSignal,
  text: isBool,
  startNewSession: isBool,
};

/** Per entry point: which options it takes, and overrides of the shared rules. */
export interface Shape {
  /** "run command", "spawn command"... as in "Cannot run command as ...". */
  what: string;
  names: readonly string[];
  overrides?: Record<string, Rule>;
}

/** The rule for `stdin` of run-like calls, where "piped" is implied by `input`. */
export const RUN_STDIN: Rule = oneOf("inherit", "null");
/** The rule for `stdin` of spawn. */
export const SPAWN_STDIN: Rule = oneOf(...STDIO);

/** Throws a TypeError/RangeError naming the first bad argument or option. */
export function validate(shape: Shape, cmd: unknown, options: unknown): void {
  checkCommand(shape.what, cmd);
  if (options === undefined) return;
  if (
    typeof options !== "object" || options === null || Array.isArray(options)
  ) {
    throw new TypeError(
      `Cannot ${shape.what} as its options must be an object: received ${
        show(options)
      }.`,
    );
  }
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!shape.names.includes(name)) {
      throw new TypeError(
        `Cannot ${shape.what} as '${name}' is not one of its options: ` +
          `use ${shape.names.join(", ")}.`,
      );
    }
    const rule = shape.overrides?.[name] ?? RULES[name];
    const wanted = rule(value);
    if (wanted !== undefined) {
      const Err = typeof value === "number" ? RangeError : TypeError;
      throw new Err(
        `Cannot ${shape.what} as '${name}' must be ${wanted}: received ${
          show(value)
        }.`,
      );
    }
  }
  checkExclusive(shape.what, options as Record<string, unknown>);
}

function checkExclusive(what: string, options: Record<string, unknown>): void {
  if (options.input !== undefined && options.stdin !== undefined) {
    throw new TypeError(
      `Cannot ${what} as 'input' and 'stdin' exclude each other: input is written to a piped stdin. Drop one of them.`,
    );
  }
}

/** Throws when `cmd` is not a non-empty array of strings. */
export function checkCommand(
  what: string,
  cmd: unknown,
): asserts cmd is string[] {
  if (typeof cmd === "string") {
    throw new TypeError(
      `Cannot ${what} as the command must be an array of strings, and no shell ` +
        `splits it: received ${show(cmd)}; pass e.g. ${
          show(cmd.split(/\s+/).filter(Boolean))
        }.`,
    );
  }
  if (
    !Array.isArray(cmd) || cmd.length === 0 ||
    !cmd.every((a) => typeof a === "string") ||
    cmd[0] === ""
  ) {
    throw new TypeError(
      `Cannot ${what} as the command must be a non-empty array of strings naming ` +
        `a program then its arguments, e.g. ["ls", "-l"]: received ${
          show(cmd)
        }.`,
    );
  }
  const at = cmd.findIndex(hasNul);
  if (at >= 0) {
    throw new TypeError(
      `Cannot ${what} as its ${
        at === 0 ? "program name" : `argument ${at}`
      } contains a NUL byte, where the operating system would cut it short: received ${
        show(cmd[at])
      }. Remove the "\\0".`,
    );
  }
}

function show(value: unknown): string {
  const text = describe(value);
  return text.length > 80 ? text.slice(0, 77) + "..." : text;
}

function describe(value: unknown): string {
  // JSON would print NaN and Infinity as null, and drop undefined.
  if (
    typeof value !== "object" && typeof value !== "string" ||
    value === null || value instanceof AbortSignal || value instanceof URL
  ) {
    return String(value);
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // Cyclic or otherwise unserialisable: fall back to String().
    return String(value);
  }
}
