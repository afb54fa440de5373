// What run(), Subprocess and pipeline() share once a child is started:
// writing input while draining both pipes, the deadline and abort alarm, and
// turning how a command ended into the error the caller sees.

import {
  Collector,
  feed,
  killChild,
  returncodeOf,
  type Started,
} from "./_child.ts";
import {
  type CapturedOutput,
  CommandNotFound,
  SubprocessAbortError,
  type SubprocessOutput,
  TimeoutExpired,
} from "./errors.ts";

export const EMPTY = new Uint8Array(0);

export function encode(input: string | Uint8Array): Uint8Array {
  return typeof input === "string" ? new TextEncoder().encode(input) : input;
}

const UTF8 = new TextDecoder();

function decode(bytes: Uint8Array, text: boolean): SubprocessOutput {
  if (!text) return bytes;
  return bytes.length === 0 ? "" : UTF8.decode(bytes);
}

export function decodeBoth(
  out: Uint8Array,
  err: Uint8Array,
  text: boolean,
): CapturedOutput {
  return { stdout: decode(out, text), stderr: decode(err, text) };
}

/** What `exchange` talks to and for how long. */
export interface Exchange {
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
export type Interrupt = { kind: "timeout" } | {
  kind: "abort";
  reason: unknown;
};

/**
 * Kills the command (and its group) when the timeout passes or the signal
 * aborts; `dispose` disarms both. The child's status stays the reaping point.
 */
export function arm(
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
export async function exchange(
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

export function interrupted(
  cmd: readonly string[],
  fired: Interrupt,
  timeout: number | undefined,
  output: CapturedOutput,
): Error {
  return fired.kind === "timeout"
    ? new TimeoutExpired(cmd, timeout ?? 0, output)
    : new SubprocessAbortError(cmd, fired.reason, output);
}

export async function raiseNotFound(
  started: Started,
  cmd: readonly string[],
  code: number,
): Promise<void> {
  if (await started.notFound && code === 127) throw new CommandNotFound(cmd);
}
