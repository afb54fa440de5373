// The plumbing under lib/subprocess/: starting a Deno.Command child with
// Python-grade error messages, merging stderr into stdout, killing a whole
// process group, and collecting a pipe while keeping what arrived so far.

import { CommandNotFound } from "../errors/subprocess.ts";
import { track } from "./_cleanup.ts";

/** How a child's stdout or stderr is connected. */
export type Stdio = "piped" | "inherit" | "null";

/** What `startChild` needs; already validated by the caller. */
export interface ChildSpec {
  cmd: readonly string[];
  cwd?: string | URL;
  env?: Record<string, string>;
  clearEnv?: boolean;
  stdin: Stdio;
  stdout: Stdio;
  stderr: Stdio | "stdout";
  /** Put the child in its own session so `killChild` can kill its group. */
  newSession: boolean;
  /** Kill it if this process exits first (see _cleanup.ts). */
  cleanup: boolean;
}

/** A started child plus what the library needs to know about how. */
export interface Started {
  child: Deno.ChildProcess;
  /** True when the child leads its own process group and we may kill it. */
  group: boolean;
  /** The child's stderr when it is ours to expose (null when merged or not piped). */
  stderr: ReadableStream<Uint8Array> | null;
  /**
   * Merged mode only: resolves true when the wrapper reported that the
   * command does not exist (it then exits 127).
   */
  notFound: Promise<boolean>;
}

// Deno.Command cannot hand one pipe to both fd 1 and fd 2, so merging in
// exact order needs a dup2 in the child. `sh` is the one program every POSIX
// box has that can do it; the command and its arguments travel as "$@", so
// nothing is parsed by the shell, and `exec` keeps the child's pid. The
// wrapper's own stderr (not the command's) only carries the not-found marker.
const NOT_FOUND_MARK = "multitask:command-not-found";
const MERGE_SCRIPT = 'command -v -- "$1" >/dev/null 2>&1 || ' +
  `{ printf ${NOT_FOUND_MARK} >&2; exit 127; }; exec "$@" 2>&1`;

/** Starts the child, translating Deno's spawn errors into actionable ones. */
export function startChild(spec: ChildSpec): Started {
  const merged = spec.stderr === "stdout";
  if (merged) requireRun(spec.cmd[0], spec.cmd);
  const [program, args] = merged
    ? ["sh", ["-c", MERGE_SCRIPT, "sh", ...spec.cmd]]
    : [spec.cmd[0], spec.cmd.slice(1)];
  const group = spec.newSession && canKillGroups();
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, {
      args,
      cwd: spec.cwd,
      env: spec.env,
      clearEnv: spec.clearEnv,
      stdin: spec.stdin,
      stdout: spec.stdout,
      stderr: merged ? "piped" : spec.stderr as Stdio,
      detached: group,
    }).spawn();
  } catch (error) {
    throw explainSpawnError(error, program, spec, merged);
  }
  if (spec.cleanup) track({ child, group });
  if (!merged) {
    return {
      child,
      group,
      stderr: spec.stderr === "piped" ? child.stderr : null,
      notFound: Promise.resolve(false),
    };
  }
  const notFound = child.stderr.text().then((t) => t === NOT_FOUND_MARK);
  return { child, group, stderr: null, notFound };
}

/**
 * The fast path of `run`: Deno's own output(). With `cleanup` the child is
 * spawned first to learn its pid (spawn() then output() costs about 3-5%
 * more than Command.output(), which gives no pid: see bench/subprocess_bench.ts).
 */
export async function outputOf(
  spec: Omit<ChildSpec, "newSession">,
): Promise<Deno.CommandOutput> {
  const command = () =>
    new Deno.Command(spec.cmd[0], {
      args: spec.cmd.slice(1),
      cwd: spec.cwd,
      env: spec.env,
      clearEnv: spec.clearEnv,
      stdin: spec.stdin,
      stdout: spec.stdout,
      stderr: spec.stderr as Stdio,
    });
  try {
    if (!spec.cleanup) return await command().output();
    const child = command().spawn();
    track({ child, group: false });
    return await child.output();
  } catch (error) {
    throw explainSpawnError(error, spec.cmd[0], spec, false);
  }
}

function explainSpawnError(
  error: unknown,
  program: string,
  spec: Pick<ChildSpec, "cmd" | "cwd">,
  merged: boolean,
): unknown {
  const { cmd } = spec;
  if (
    error instanceof Deno.errors.NotFound ||
    error instanceof Deno.errors.NotADirectory
  ) {
    const cwdProblem = spec.cwd === undefined
      ? undefined
      : badDirectory(spec.cwd, error);
    if (cwdProblem) {
      return new cwdProblem.Class(
        `Cannot run '${cmd[0]}' as its working directory ${
          JSON.stringify(String(spec.cwd))
        } ${cwdProblem.what}: create it, or fix 'cwd'.`,
        { cause: error },
      );
    }
    return new CommandNotFound(merged ? ["sh"] : cmd, { cause: error });
  }
  if (error instanceof Deno.errors.NotCapable) {
    const why = merged
      ? ` (stderr: "stdout" merges the streams through sh, so it needs --allow-run=sh as well as ${
        JSON.stringify(cmd[0])
      })`
      : "";
    return new Deno.errors.NotCapable(
      `Cannot run ${JSON.stringify(program)} as this program was not granted ` +
        `permission to run it${why}: start it with --allow-run=${program} ` +
        `(or a wider --allow-run), e.g. deno run --allow-run=${program} main.ts.`,
      { cause: error },
    );
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return new Deno.errors.PermissionDenied(
      `Cannot run ${JSON.stringify(program)} as the operating system refused ` +
        `to execute it: check that it is a program and executable (chmod +x).`,
      { cause: error },
    );
  }
  return error;
}

// Deno reports a missing program and a missing working directory with the
// same error class; only the directory can be checked from here (and only
// with read permission, else Deno's own wording decides).
function badDirectory(
  cwd: string | URL,
  error: Error,
): { what: string; Class: typeof Deno.errors.NotFound } | undefined {
  try {
    if (Deno.statSync(cwd).isDirectory) return undefined;
    return { what: "is not a directory", Class: Deno.errors.NotADirectory };
  } catch (statError) {
    if (statError instanceof Deno.errors.NotFound) {
      return { what: "does not exist", Class: Deno.errors.NotFound };
    }
  }
  if (/not a directory/i.test(error.message)) {
    return { what: "is not a directory", Class: Deno.errors.NotADirectory };
  }
  return /\bcwd\b/i.test(error.message)
    ? { what: "does not exist", Class: Deno.errors.NotFound }
    : undefined;
}

// In merged mode Deno only checks the permission for `sh`; check the real
// command too so that stderr: "stdout" cannot widen what the user granted.
function requireRun(command: string, cmd: readonly string[]): void {
  const desc = { name: "run", command } as const;
  let state = Deno.permissions.querySync(desc).state;
  if (state === "prompt") state = Deno.permissions.requestSync(desc).state;
  if (state !== "granted") {
    throw explainSpawnError(
      new Deno.errors.NotCapable(`Requires run access to "${command}"`),
      command,
      { cmd },
      false,
    );
  }
}

// Deno.kill(-pgid) needs unrestricted --allow-run; with a narrower grant we
// fall back to killing the direct child only.
function canKillGroups(): boolean {
  return Deno.permissions.querySync({ name: "run" }).state === "granted";
}

/** Kills the child, and its whole group (grandchildren too) when it leads one. */
export function killChild(
  started: Pick<Started, "child" | "group">,
  signal: Deno.Signal = "SIGKILL",
): void {
  try {
    if (started.group) Deno.kill(-started.child.pid, signal);
    else started.child.kill(signal);
  } catch {
    // Already exited (ESRCH / "already terminated"): nothing left to kill.
  }
}

/**
 * Stops the child for a timeout, an abort or disposal: SIGKILL at once, or
 * with `grace` SIGTERM then SIGKILL after `grace` ms. Returns what cancels
 * the pending SIGKILL, to call once the command (and whatever of its group
 * held its pipes) is gone.
 */
export function stopChild(
  started: Pick<Started, "child" | "group">,
  grace: number | undefined,
): () => void {
  if (grace === undefined) {
    killChild(started);
    return () => {};
  }
  killChild(started, "SIGTERM");
  const timer = setTimeout(() => killChild(started), grace);
  return () => clearTimeout(timer);
}

/** Python's returncode: the exit code, or minus the signal number. */
export function returncodeOf(status: Deno.CommandStatus): number {
  return status.signal === null ? status.code : -(status.code - 128);
}

/**
 * Reads a pipe to the end while keeping what arrived, for partial output.
 * (@std/streams' toBytes() cannot stand in: a cancelled stream gives it
 * nothing, where a timeout must keep what the command wrote.)
 */
export class Collector {
  readonly #chunks: Uint8Array[] = [];
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | null;
  /** Settles when the pipe reached EOF or was cancelled. */
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array> | null) {
    this.#reader = stream?.getReader() ?? null;
    this.done = this.#reader ? this.#pump(this.#reader) : Promise.resolve();
  }

  async #pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        this.#chunks.push(value);
      }
    } catch {
      // A cancelled or broken pipe ends the output; keep what we have.
    } finally {
      reader.releaseLock();
    }
  }

  /** Stops reading (what arrived is kept) and waits for the pump to end. */
  async cancel(): Promise<void> {
    await this.#reader?.cancel().catch(() => {});
    await this.done;
  }

  /** Everything read so far, as one buffer. */
  bytes(): Uint8Array<ArrayBuffer> {
    return concat(this.#chunks);
  }
}

/** Joins chunks into one buffer. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  if (chunks.length === 1) return new Uint8Array(chunks[0]);
  let size = 0;
  for (const c of chunks) size += c.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Input being written to a child's stdin. */
export interface Feeding {
  /** Settles once the input is written and stdin closed, or the pipe broke. */
  readonly done: Promise<void>;
  /** Stops writing (the child will not read the rest) and waits for `done`. */
  abort(): Promise<void>;
}

/**
 * Writes `input` and closes stdin (nothing when `stdin` is null). A child
 * that exits without reading all of it breaks the pipe; like Python's
 * communicate() that is not an error.
 */
export function feed(
  stdin: WritableStream<Uint8Array> | null,
  input: Uint8Array | undefined,
): Feeding {
  if (!stdin) {
    return {
      done: Promise.resolve(),
      abort: () => Promise.resolve(),
    };
  }
  const writer = stdin.getWriter();
  const done = (async () => {
    try {
      if (input && input.length > 0) await writer.write(input);
      await writer.close();
    } catch {
      await writer.abort().catch(() => {});
    } finally {
      writer.releaseLock();
    }
  })();
  return {
    done,
    async abort() {
      await writer.abort().catch(() => {});
      await done;
    },
  };
}
