// What one run of the report records (saved as JSON, rendered as markdown and
// SVG): the machine, the parameters, the strategies sweep and the pool figures.

import type { FigureParams } from "./_pool_figures.ts";
import type { FigureId, GoalOutcome } from "./_figures_math.ts";
import type { Measurement, Row } from "./_report_math.ts";
import type { WorkParams } from "./workloads.ts";

/** The machine the numbers come from. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  deno: string;
  v8: string;
  python: string | null;
  /** Node and the versions of piscina and tinypool, when the Node peers ran. */
  node: string | null;
  /** 1-minute load average before the run (other work on the machine) and after it. */
  load: { before: number; after: number | null };
}

/** A configuration that could not be measured, and why. */
export interface Failure {
  name: string;
  workload?: string;
  error: string;
}

/** One pool figure: each contender's samples and best value. */
export interface FigureResult {
  id: FigureId;
  title: string;
  unit: string;
  better: "higher" | "lower";
  baseline: string;
  contenders: { name: string; samples: number[]; best: number }[];
  /** Contenders left out, with the reason. */
  skipped: string[];
}

/** Everything saved to JSON. */
export interface Report {
  command: string;
  /** `full` (the publication run) or `demo` (the default). */
  mode: "full" | "demo";
  date: string;
  /** Wall time of the whole run, in seconds. */
  seconds: number;
  machine: Machine;
  params: WorkParams & {
    rounds: number;
    minTimedMs: number;
    pythonSpan: number;
    sizes: number[];
  };
  figureParams: FigureParams & { rounds: number };
  figures: FigureResult[];
  goals: GoalOutcome[];
  measurements: Measurement[];
  rows: Row[];
  failures: Failure[];
  notes: string[];
}

export async function describeMachine(): Promise<Machine> {
  let cpu: string = Deno.build.arch;
  try {
    const info = await Deno.readTextFile("/proc/cpuinfo");
    cpu = info.match(/^model name\s*:\s*(.+)$/m)?.[1].trim() ?? cpu;
  } catch {
    // Not Linux: the architecture will do.
  }
  return {
    cpu,
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round(Deno.systemMemoryInfo().total / 2 ** 30 * 10) / 10,
    os: `${Deno.build.os} ${Deno.osRelease()}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    python: null,
    node: null,
    load: { before: Deno.loadavg()[0], after: null },
  };
}

/**
 * A warning when other work was already running: it takes CPU time from the
 * pools, so CPU-bound speedups come out low (IO-bound waits barely notice).
 */
export function busyWarning(m: Machine): string | undefined {
  if (m.load.before <= m.cores / 2) return undefined;
  return `The machine was busy: the load average was ${
    m.load.before.toFixed(1)
  } on ${m.cores} cores before the run. ` +
    "Other processes took CPU time from the workers, so the CPU-bound speedups understate what a quiet machine gives; " +
    "re-run when it is idle.";
}
