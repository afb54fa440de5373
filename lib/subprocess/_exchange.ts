// What run(), Subprocess and pipeline() share once a child is started:
// writing input while draining both pipes, the deadline and abort alarm, and
// turning how a command ended into the error the caller sees.

import {
  Collector,
  feed,
  returncodeOf,
  type Started,
  stopChild,
} from "./_child.ts";
import {
  type CapturedOutput,
  CommandNotFound,
  SubprocessAbortError,
  type SubprocessOutput,
  TimeoutExpired,
} from "../errors/subprocess.ts";
import { timerDelay } from "./_options.ts";

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
  /** SIGTERM first, SIGKILL after this many ms (see CommandOptions.killGrace). */
  killGrace?: number;
  /** An alarm already watching the command (a Subprocess's signal). */
  outer?: Alarm;
  text: boolean;
}

/** How a deadline or an abort ended a command, if one did. */
export type Interrupt = { kind: "timeout" } | {
  kind: "abort";
  reason: unknown;
};

/** A deadline and an abort signal watching one command. */
export interface Alarm {
  /** How the alarm ended the command, or null while it has not gone off. */
  fired(): Interrupt | null;
  /** Resolves when it goes off (and never if it does not). */
  readonly firing: Promise<void>;
  /** Disarms it, and cancels the SIGKILL that follows a graceful SIGTERM. */
  dispose(): void;
}

/**
 * Stops the command (and its group) when the timeout passes or the signal
 * aborts (at once if it already has). The child's status stays the reaping
 * point.
 */
export function arm(
  started: Pick<Started, "child" | "group">,
  when: Pick<Exchange, "timeout" | "signal" | "killGrace">,
): Alarm {
  const { signal, killGrace } = when;
  const timeout = timerDelay(when.timeout);
  let fired: Interrupt | null = null;
  let cancelKill = () => {};
  const firing = Promise.withResolvers<void>();
  const fire = (why: Interrupt) => {
    if (fired) return;
    fired = why;
    cancelKill = stopChild(started, killGrace);
    firing.resolve();
  };
  const timer = timeout === undefined
    ? undefined
    : setTimeout(() => fire({ kind: "timeout" }), timeout);
  const onAbort = () => fire({ kind: "abort", reason: signal?.reason });
  if (signal?.aborted) onAbort();
  else signal?.addEventListener("abort", onAbort, { once: true });
  return {
    fired: () => fired,
    firing: firing.promise,
    dispose() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      cancelKill();
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
  const fed = feed(io.stdin, io.input);
  const alarm = arm(started, io);
  const fired = () => alarm.fired() ?? io.outer?.fired() ?? null;
  let status: Deno.CommandStatus;
  try {
    status = await started.child.status;
    // The pipes end once every process holding them has closed them: the
    // command, or a grandchild it left running. The alarm covers that too.
    const drained = Promise.all([fed.done, out.done, err.done]);
    if (!fired()) {
      await Promise.race([drained, alarm.firing, io.outer?.firing ?? drained]);
    }
    if (fired() && !started.group) {
      // Only the child was killed; a surviving grandchild may hold the pipes
      // open, so keep what arrived instead of waiting for an EOF.
      await Promise.all([fed.abort(), out.cancel(), err.cancel()]);
    } else {
      await drained;
    }
  } finally {
    alarm.dispose();
  }
  await raiseNotFound(started, io.cmd, returncodeOf(status));
  const interrupt = fired();
  if (interrupt) {
    throw interrupted(
      io.cmd,
      interrupt,
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
