// The strategies sweep: every workload run by every strategy at every pool
// size, checked against the serial answer, best run counted.

import type { Failure } from "./_report_model.ts";
import type { Measurement } from "./_report_math.ts";
import type { Progress } from "./_report_progress.ts";
import type { Runner } from "./_strategies.ts";
import type { Workload } from "./workloads.ts";

/** Timed runs of one configuration go on until they add up to `minTimedMs`, at most this many. */
export const MAX_REPS = 40;
/** Timed runs of the serial baselines, at least. */
export const BASELINE_REPS = 3;

/** How the sweep repeats. */
export interface SweepPlan {
  tasks: number;
  /** Timed sweeps over all configurations. */
  rounds: number;
  minTimedMs: number;
  /** A run taking longer than this fails its configuration. */
  limitMs: number;
  /** The workloads of the untimed warm-up sweep (smaller CPU work, same tasks). */
  warmUp: Workload[];
}

/** Rejects if `promise` takes longer than `ms`. */
export async function within<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} took longer than ${ms / 1000} s`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `w` on `runner` at least `reps` times (short runs repeat until they
 * add up to `minTimedMs`), checking every answer; returns the wall times.
 */
async function sample(
  runner: Runner,
  w: Workload,
  plan: SweepPlan,
  reps: number,
  minTimedMs: number,
): Promise<number[]> {
  const expected = w.expected();
  const times: number[] = [];
  while (
    times.length < reps || (sum(times) < minTimedMs && times.length < MAX_REPS)
  ) {
    const start = performance.now();
    const total = await within(
      runner.run(w, plan.tasks),
      plan.limitMs,
      `${runner.name} on ${w.id}`,
    );
    times.push(performance.now() - start);
    if (total !== expected) {
      throw new Error(`wrong answer: ${total}, expected ${expected}`);
    }
  }
  return times;
}

/** Steps the sweep reports: a warm-up and `rounds` timed sweeps of every configuration. */
export function sweepSteps(
  runners: number,
  workloads: number,
  rounds: number,
): number {
  return runners * workloads * (1 + rounds);
}

/**
 * Measures every runner on every workload: one checked, untimed warm-up
 * sweep (of `plan.warmUp`: workers started, modules loaded, connections
 * open), then `plan.rounds` timed sweeps. A configuration's best run counts:
 * spreading its runs over sweeps apart means a burst of other load on the
 * machine spoils one sample, not all of them. The serial baseline every ratio
 * depends on gets at least BASELINE_REPS runs.
 */
export async function sweep(
  runners: Runner[],
  list: Workload[],
  plan: SweepPlan,
  progress: Progress,
  out: { measurements: Measurement[]; failures: Failure[] },
): Promise<void> {
  const best = new Map<string, number>();
  const broken = new Set<Runner>();
  for (let round = 0; round <= plan.rounds; round++) {
    const phase = round === 0 ? "warm-up" : `round ${round}/${plan.rounds}`;
    const workloads = round === 0 ? plan.warmUp : list;
    for (const runner of runners) {
      const reps = runner.strategy === "serial"
        ? Math.ceil(BASELINE_REPS / plan.rounds)
        : 1;
      for (const w of workloads) {
        const label = `${phase} · ${w.id} · ${runner.name}`;
        if (broken.has(runner)) {
          progress.step(`${label} (failed before)`);
          continue;
        }
        progress.show(label);
        try {
          const times = await sample(
            runner,
            w,
            plan,
            round === 0 ? 1 : reps,
            round === 0 ? 0 : plan.minTimedMs,
          );
          if (round > 0) {
            const key = `${runner.name}\u0000${w.id}`;
            best.set(key, Math.min(best.get(key) ?? Infinity, ...times));
          }
        } catch (error) {
          out.failures.push({
            name: runner.name,
            workload: w.id,
            error: message(error),
          });
          broken.add(runner);
          runner.kill();
        }
        progress.step(label);
      }
    }
  }
  for (const runner of runners) {
    if (broken.has(runner)) continue;
    for (const w of list) {
      out.measurements.push({
        workload: w.id,
        strategy: runner.strategy,
        size: runner.size,
        ms: best.get(`${runner.name}\u0000${w.id}`)!,
      });
    }
  }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** `Error: message`, for failure lists. */
export function message(error: unknown): string {
  return error instanceof Error
    ? `${error.name}: ${error.message}`
    : String(error);
}
