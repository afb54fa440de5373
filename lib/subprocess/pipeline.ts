// pipeline(): `a | b | c` without a shell.

import {
  Collector,
  concat,
  feed,
  killChild,
  returncodeOf,
  startChild,
  type Started,
} from "./_child.ts";
import {
  arm,
  decodeBoth,
  EMPTY,
  encode,
  interrupted,
  raiseNotFound,
} from "./_exchange.ts";
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
import type { CompletedProcess } from "./run.ts";

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
  const { input, signal } = options;
  const timeout = timerDelay(options.timeout);
  if (signal?.aborted) {
    throw new SubprocessAbortError(
      cmds[0],
      signal.reason,
      decodeBoth(EMPTY, EMPTY, text),
    );
  }
  const started = await startAll(cmds, options, stdout);
  const last = started[started.length - 1];
  const unlink = new AbortController();
  const links = started.slice(0, -1).map((s, i) =>
    s.child.stdout.pipeTo(started[i + 1].child.stdin, {
      signal: unlink.signal,
    }).catch(() => {})
  );
  const out = new Collector(stdout === "piped" ? last.child.stdout : null);
  const errs = started.map((s) => new Collector(s.stderr));
  const collectors = [out, ...errs];
  const fed = feed(
    input === undefined ? null : started[0].child.stdin,
    input === undefined ? undefined : encode(input),
  );
  const alarms = started.map((s) => arm(s, options));
  const firedOne = () =>
    alarms.map((a) => a.fired()).find((f) => f !== null) ?? null;
  let statuses: Deno.CommandStatus[];
  try {
    statuses = await Promise.all(started.map((s) => s.child.status));
    // As in exchange(): the alarms cover the pipes too, which a grandchild
    // may hold open after its command exited.
    const drained = Promise.all([
      fed.done,
      ...links,
      ...collectors.map((c) => c.done),
    ]);
    if (!firedOne()) {
      await Promise.race([drained, ...alarms.map((a) => a.firing)]);
    }
    if (firedOne() && !started.every((s) => s.group)) {
      unlink.abort();
      await Promise.all([fed.abort(), ...collectors.map((c) => c.cancel())]);
    } else {
      await drained;
    }
  } finally {
    alarms.forEach((a) => a.dispose());
  }
  const fired = firedOne();
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
    (timerDelay(options.timeout) !== undefined || options.signal !== undefined);
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
        cleanup: options.cleanup ?? true,
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
