// Up-front validation of the options of run/call/checkOutput/spawn/pipeline:
// a wrong option fails before any process starts, with a message that says
// which option, what it got, and what would be accepted.

/** One option's rule: returns what it accepts, or undefined when `value` fits. */
type Rule = (value: unknown) => string | undefined;

const oneOf = (...allowed: readonly unknown[]): Rule => (v) =>
  allowed.includes(v)
    ? undefined
    : `one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`;

const isBool: Rule = (v) =>
  typeof v === "boolean" ? undefined : "true or false";

const isTimeout: Rule = (v) =>
  typeof v === "number" && Number.isFinite(v) && v > 0
    ? undefined
    : "a positive number of milliseconds";

const isSignal: Rule = (v) =>
  v instanceof AbortSignal ? undefined : "an AbortSignal";

const isInput: Rule = (v) =>
  typeof v === "string" || v instanceof Uint8Array
    ? undefined
    : "a string or a Uint8Array";

const isCwd: Rule = (v) =>
  typeof v === "string" || v instanceof URL
    ? undefined
    : "a path string or a file: URL";

const isEnv: Rule = (v) =>
  typeof v === "object" && v !== null && !Array.isArray(v) &&
    Object.values(v).every((x) => typeof x === "string")
    ? undefined
    : 'an object of string values, e.g. { LANG: "C" }';

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
      const Err = name === "timeout" && typeof value === "number"
        ? RangeError
        : TypeError;
      throw new Err(
        `Cannot ${shape.what} as '${name}' must be ${wanted}: received ${
          show(value)
        }.`,
      );
    }
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
}

function show(value: unknown): string {
  if (value instanceof AbortSignal || value instanceof URL) {
    return String(value);
  }
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) {
      return json.length > 80 ? json.slice(0, 77) + "..." : json;
    }
  } catch {
    // Cyclic or otherwise unserialisable: fall back to String().
  }
  return String(value);
}
