// The Python peers of the strategies sweep: bench/peers/cpu_io.py runs the
// same workloads serially, on multiprocessing.pool.ThreadPool and on
// multiprocessing.Pool; its stderr lines drive the report's progress bar.

import { TextLineStream } from "@std/streams/text-line-stream";
import type { Progress } from "./_report_progress.ts";
import type { Measurement } from "./_report_math.ts";
import { countPrimes, type IoEnv, PRIME_BASE } from "./workloads.ts";

/** What the Python run needs to know: the same work and repetitions as Deno's. */
export interface PythonConfig {
  tasks: number;
  /** The CPU workload's span, smaller than Deno's (Python is slower). */
  span: number;
  delayMs: number;
  sizes: number[];
  reps: number;
  minTimedMs: number;
  maxReps: number;
  baselineReps: number;
}

/** Python's measurements, or why there are none. */
export interface PythonOutcome {
  version: string | null;
  measurements: Measurement[];
  note?: string;
}

/** Steps the Python run reports: per workload, serial plus both pools per size. */
export function pythonSteps(workloads: number, sizes: number): number {
  return workloads * (1 + 2 * sizes);
}

/** Runs bench/peers/cpu_io.py; `running.child` is set so a Ctrl-C can kill it. */
export async function runPython(
  config: PythonConfig,
  env: IoEnv,
  progress: Progress,
  running: { child?: Deno.ChildProcess },
): Promise<PythonOutcome> {
  const script = new URL("./peers/cpu_io.py", import.meta.url).pathname;
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("python3", {
      args: [script],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    running.child = child;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return {
        version: null,
        measurements: [],
        note: "python3 was not found: the Python peers were skipped.",
      };
    }
    throw error;
  }
  const writer = child.stdin.getWriter();
  await writer.write(
    new TextEncoder().encode(JSON.stringify({
      tasks: config.tasks,
      span: config.span,
      base: PRIME_BASE,
      delay_ms: config.delayMs,
      url: env.url,
      files: env.files,
      sizes: config.sizes,
      reps: config.reps,
      min_timed_ms: config.minTimedMs,
      max_reps: config.maxReps,
      baseline_reps: config.baselineReps,
      workloads: ["cpu", "timer", "file", "http"],
    })),
  );
  await writer.close();
  const stdout = new Response(child.stdout).text();
  const stderrLines: string[] = [];
  const lines = child.stderr.pipeThrough(new TextDecoderStream())
    .pipeThrough(new TextLineStream());
  for await (const line of lines) {
    // cpu_io.py reports each measurement as "python <workload> <strategy> size=<n|None> <ms> ms".
    const done = line.match(/^python (\w+) (.+) size=(\w+) [\d.]+ ms$/);
    if (done) {
      const [, workload, strategy, size] = done;
      const sized = size === "None" ? "" : ` size=${size}`;
      progress.step(`${workload} · ${strategy}${sized}`);
    } else stderrLines.push(line);
  }
  const status = await child.status;
  const text = await stdout;
  if (!status.success) {
    return {
      version: null,
      measurements: [],
      note: `the Python peers failed (exit ${status.code}): ${
        stderrLines.slice(-5).join(" | ")
      }`,
    };
  }
  const parsed = JSON.parse(text) as {
    python: string;
    results: (Measurement & { total: number })[];
  };
  const expected: Record<string, number> = {
    cpu: countPrimes(PRIME_BASE, PRIME_BASE + config.span),
  };
  const wrong = parsed.results.filter((r) =>
    r.workload in expected && r.total !== expected[r.workload]
  );
  if (wrong.length > 0) {
    throw new Error(`Python computed wrong answers: ${JSON.stringify(wrong)}`);
  }
  return {
    version: parsed.python,
    measurements: parsed.results.map(({ workload, strategy, size, ms }) => ({
      workload,
      strategy,
      size,
      ms,
    })),
  };
}
