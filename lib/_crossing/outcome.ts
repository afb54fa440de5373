// The one envelope for what comes back from a worker: a Thread's result, a
// child process's answer to `invoke`, the results of a pool batch. Outcomes
// travel flat, two slots per call, so that a batch of a thousand tiny
// results is one array in one message:
//   [RETURNED, value]            the call returned `value`
//   [THREW, SerializedError]     it threw (or its value could not cross)
// and, only on the way to another process, where outcome_bytes.ts encodes
// them by the payload rule (and decodes them back before anyone reads them):
//   [NOTHING, 0]                 it returned undefined (which JSON lacks)
// A batch concatenates them: [status, slot, status, slot, ...], call k at 2k.

import {
  deserializeError,
  type SerializedError,
  serializeError,
} from "./errors.ts";
import { explainClosure, resolveTarget, type TargetSpec } from "./target.ts";

/** The call threw; the slot holds its SerializedError. */
export const THREW = 0;
/** The call returned; the slot holds its value. */
export const RETURNED = 1;
/** The call returned undefined (on the way to another process: JSON has no undefined). */
export const NOTHING = 2;

/** Flat outcomes: [status, value-or-error, ...]. */
export type Outcomes = unknown[];

/** Records that call `k` returned `value`. */
export function setReturned(out: Outcomes, k: number, value: unknown): void {
  out[k * 2] = RETURNED;
  out[k * 2 + 1] = value;
}

/** Records that call `k` threw `error` (explained when it ran `spec`). */
export function setThrew(
  out: Outcomes,
  k: number,
  error: unknown,
  spec?: TargetSpec,
): void {
  out[k * 2] = THREW;
  out[k * 2 + 1] = serializeError(spec ? explainClosure(error, spec) : error);
}

/** How many calls `out` holds. */
export function outcomeCount(out: Outcomes): number {
  return out.length / 2;
}

/** Whether call `k` returned. */
export function returnedAt(out: Outcomes, k: number): boolean {
  return out[k * 2] !== THREW;
}

/** The value call `k` returned (check returnedAt first). */
export function valueAt(out: Outcomes, k: number): unknown {
  return out[k * 2] === NOTHING ? undefined : out[k * 2 + 1];
}

/** The error call `k` threw, rebuilt (check returnedAt first). */
export function errorAt(out: Outcomes, k: number): Error {
  return deserializeError(out[k * 2 + 1] as SerializedError);
}

/** Runs `run` and captures how it ended, as one outcome (explained when it ran `spec`). */
export async function capture(
  run: () => unknown,
  spec?: TargetSpec,
): Promise<Outcomes> {
  const out: Outcomes = [];
  try {
    setReturned(out, 0, await run());
  } catch (error) {
    setThrew(out, 0, error, spec);
  }
  return out;
}

/** Runs `spec` on `args` (with `self` as `this`) and captures how it ended. */
export function invoke(
  spec: TargetSpec,
  args: unknown[],
  self?: unknown,
): Promise<Outcomes> {
  return capture(
    async () => (await resolveTarget(spec)).apply(self, args),
    spec,
  );
}

/**
 * The error of a call whose value cannot be sent back, the same for every
 * kind of worker.
 */
export function unsendableResult(reason: string, cause?: unknown): TypeError {
  return new TypeError(
    `Cannot send the result back to the caller as it cannot be copied: ${
      reason.replace(/\.+$/, "")
    }. Return plain data (numbers, strings, arrays, objects, Map, Date, typed arrays...) or library objects (Queue, Lock, Event, Value...), not functions or class instances with methods.`,
    { cause },
  );
}

/**
 * After postMessage refused a message holding `out` (to a thread, where
 * structured clone itself is the rule): replaces each value it could not
 * clone by the error that says so, so that only those calls fail.
 */
export function repairUnsendable(out: Outcomes): void {
  for (let k = 0; k < out.length / 2; k++) {
    if (!returnedAt(out, k)) continue;
    try {
      structuredClone(valueAt(out, k));
    } catch (error) {
      setThrew(out, k, unsendableResult((error as Error).message, error));
    }
  }
}
