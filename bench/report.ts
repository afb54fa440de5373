// `deno task demo`: the pool against its peers (tiny tasks in flight, one task
// at a time, a map of 1M numbers, start-up, memory per idle worker: thread and
// process pools next to bare Web Workers, piscina and tinypool on Node and
// Python's pools), then every workload run with every strategy at every pool
// size (plus Python's pools and piscina). Prints the tables with their ratios
// and saves JSON, markdown and an SVG chart under bench/results/.
//
//   deno task demo [-- --full] [--only figures|strategies] [--sizes 1,2,4]
//                  [--tasks 16] [--span N] [--json] [--out DIR]
//                  [--no-python] [--no-node] [--readme]
//
// The default is the demo, under a minute on 2 quiet cores; `--full` is the
// publication run (bench/_report_options.ts says what each changes).

import { startIoFixture } from "./_fixture.ts";
import {
  type Peer,
  type Skipped,
  startNodePeer,
  startPythonPeer,
} from "./_peer.ts";
import { openFigures } from "./_pool_figures.ts";
import { figureSteps, measureFigures } from "./_report_figures.ts";
import { type Measurement, toRows } from "./_report_math.ts";
import {
  busyWarning,
  describeMachine,
  type Failure,
  type FigureResult,
  type Report,
} from "./_report_model.ts";
import {
  type Options,
  parseOptions,
  scriptArgs,
  USAGE,
  UsageError,
} from "./_report_options.ts";
import { Progress } from "./_report_progress.ts";
import { pythonSteps, runPython } from "./_report_python.ts";
import { readmeBlock, updateReadme, writeAtomic } from "./_report_readme.ts";
import {
  PYTHON_SLOWDOWN,
  renderMarkdown,
  renderSvg,
} from "./_report_render.ts";
import {
  BASELINE_REPS,
  MAX_REPS,
  message,
  sweep,
  sweepSteps,
  within,
} from "./_report_sweep.ts";
import {
  type Runner,
  runnerName,
  startRunner,
  type Strategy,
} from "./_strategies.ts";
import type { GoalOutcome } from "./_figures_math.ts";
import { workloads } from "./workloads.ts";

const POOLED: Strategy[] = ["thread pool", "process pool", "piscina"];
/** The CPU workload's span in the untimed warm-up: enough to load every worker's modules. */
const WARM_UP_SPAN = 20_000;

/** What is running, so that a Ctrl-C can stop it all. */
interface Running {
  stops: (() => void)[];
  child?: Deno.ChildProcess;
}

async function startPeers(
  opts: Options,
): Promise<{ node: Peer | Skipped; python: Peer | Skipped }> {
  const [node, python] = await Promise.all([
    opts.node
      ? startNodePeer()
      : { skipped: "the Node peers were skipped (--no-node)" },
    opts.python
      ? startPythonPeer()
      : { skipped: "the Python peers were skipped (--no-python)" },
  ]);
  return { node, python };
}

async function peerVersions(
  peers: { node: Peer | Skipped; python: Peer | Skipped },
) {
  const ask = async (p: Peer | Skipped) =>
    "skipped" in p ? undefined : await p.request({ op: "versions" });
  const [node, python] = await Promise.all([
    ask(peers.node),
    ask(peers.python),
  ]);
  return {
    node: node
      ? `Node ${node.node}, piscina ${node.piscina}, tinypool ${node.tinypool}`
      : null,
    python: python ? String(python.python) : null,
  };
}

/** The pool figures part: peers started, every figure measured, everything stopped. */
async function runFigures(
  opts: Options,
  progress: Progress,
  running: Running,
  failures: Failure[],
): Promise<
  {
    results: FigureResult[];
    goals: GoalOutcome[];
    node: string | null;
    python: string | null;
  }
> {
  progress.show("starting the pools and the peers");
  const peers = await startPeers(opts);
  const stopPeers = () => {
    for (const p of [peers.node, peers.python]) if (!("skipped" in p)) p.kill();
  };
  running.stops.push(stopPeers);
  try {
    const versions = await peerVersions(peers);
    await using bench = await openFigures(opts.figures, peers, opts.figureIds);
    running.stops.push(() => bench.kill());
    progress.total += figureSteps(bench.figures, opts.figureRounds);
    const measured = await measureFigures(
      bench.figures,
      opts.figureRounds,
      progress,
      failures,
    );
    return { ...measured, ...versions };
  } finally {
    progress.show("stopping the peers");
    await Promise.all(
      [peers.node, peers.python].map((p) =>
        "skipped" in p
          ? undefined
          : within(p.close(), 30_000, `stopping ${p.name}`).catch(() =>
            p.kill()
          )
      ),
    );
  }
}

/** The strategies part: every workload by every strategy and size, then Python's. */
async function runStrategies(
  opts: Options,
  progress: Progress,
  running: Running,
  out: { measurements: Measurement[]; failures: Failure[]; notes: string[] },
): Promise<{ python: string | null }> {
  await using env = await startIoFixture(opts.params);
  running.stops.push(() => env.closeSync());
  const list = workloads(opts.params, env);
  const warmUp = workloads({
    ...opts.params,
    span: Math.min(opts.params.span, WARM_UP_SPAN),
  }, env);
  const configs: [Strategy, number | null][] = [
    ["serial", null],
    ["async", null],
    ...opts.sizes.flatMap((size) =>
      POOLED.map((s): [Strategy, number] => [s, size])
    ),
  ];
  progress.total += sweepSteps(configs.length, list.length, opts.rounds) +
    (opts.python ? pythonSteps(list.length, opts.sizes.length) : 0);
  const started: Runner[] = [];
  running.stops.push(() => started.forEach((r) => r.kill()));
  // Every pool is started (and later warmed) before any timing, and all stay
  // up until the last sweep; idle workers cost no CPU.
  for (const [strategy, size] of configs) {
    const name = runnerName(strategy, size);
    progress.show(`starting ${name}`);
    try {
      started.push(await startRunner(strategy, size));
    } catch (error) {
      out.failures.push({ name, error: message(error) });
      progress.step(`${name} could not start`, (1 + opts.rounds) * list.length);
    }
  }
  const limitMs = opts.full ? 180_000 : 60_000;
  await sweep(
    started,
    list,
    {
      tasks: opts.params.tasks,
      rounds: opts.rounds,
      minTimedMs: opts.minTimedMs,
      limitMs,
      warmUp,
    },
    progress,
    out,
  );
  progress.show("stopping the pools");
  await Promise.all(
    started.map((runner) =>
      within(
        Promise.resolve(runner[Symbol.asyncDispose]()),
        30_000,
        `stopping ${runner.name}`,
      ).catch(() => runner.kill())
    ),
  );
  if (!opts.python) {
    out.notes.push("The Python peers were skipped (--no-python).");
    return { python: null };
  }
  const py = await runPython(
    {
      tasks: opts.params.tasks,
      span: pythonSpan(opts),
      delayMs: opts.params.delayMs,
      sizes: opts.sizes,
      reps: opts.rounds,
      minTimedMs: opts.minTimedMs,
      maxReps: MAX_REPS,
      baselineReps: BASELINE_REPS,
    },
    env,
    progress,
    running,
  );
  out.measurements.push(...py.measurements);
  if (py.note) out.notes.push(py.note);
  return { python: py.version };
}

function pythonSpan(opts: Options): number {
  return Math.max(1, Math.round(opts.params.span / PYTHON_SLOWDOWN));
}

async function main(): Promise<void> {
  const args = scriptArgs();
  let opts: Options | undefined;
  try {
    opts = parseOptions(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${USAGE}`);
    Deno.exit(2);
  }
  if (!opts) {
    console.log(USAGE);
    return;
  }
  const began = performance.now();
  const machine = await describeMachine();
  const progress = new Progress(0);
  const running: Running = { stops: [] };
  const out = {
    measurements: [] as Measurement[],
    failures: [] as Failure[],
    notes: [] as string[],
  };
  let figures: FigureResult[] = [];
  let goals: GoalOutcome[] = [];
  // Ctrl-C: stop the workers and the peers, delete the temp files.
  const onSignal = () => {
    for (const stop of running.stops) {
      try {
        stop();
      } catch {
        // Already stopped.
      }
    }
    try {
      running.child?.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    progress.end();
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    if (opts.sections.includes("figures")) {
      const f = await runFigures(opts, progress, running, out.failures);
      figures = f.results;
      goals = f.goals;
      machine.node = f.node;
      machine.python = f.python;
    }
    if (opts.sections.includes("strategies")) {
      const s = await runStrategies(opts, progress, running, out);
      machine.python = s.python ?? machine.python;
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    await progress.end();
  }

  machine.load.after = Deno.loadavg()[0];
  const busy = busyWarning(machine);
  if (busy) out.notes.unshift(busy);
  const report: Report = {
    command: `deno run -A bench/report.ts${
      args.length ? " " + args.join(" ") : ""
    }`,
    mode: opts.full ? "full" : "demo",
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    seconds: (performance.now() - began) / 1000,
    machine,
    params: {
      ...opts.params,
      rounds: opts.rounds,
      minTimedMs: opts.minTimedMs,
      pythonSpan: pythonSpan(opts),
      sizes: opts.sizes,
    },
    figureParams: { ...opts.figures, rounds: opts.figureRounds },
    figures,
    goals,
    measurements: out.measurements,
    rows: toRows(out.measurements),
    failures: out.failures,
    notes: out.notes,
  };
  // The workloads' titles only, for the tables (no files or server needed).
  const list = workloads(opts.params, { url: "", files: [] });
  const base = opts.full ? "report" : "report_quick";
  const markdown = renderMarkdown(report, list, `${base}.svg`);
  await Deno.mkdir(opts.out, { recursive: true });
  const dir = opts.out.replace(/\/$/, "");
  const files = { md: `${dir}/${base}.md`, svg: `${dir}/${base}.svg` };
  await writeAtomic(
    `${dir}/${base}.json`,
    JSON.stringify(report, null, 2) + "\n",
  );
  await writeAtomic(files.md, markdown);
  if (report.measurements.length > 0) {
    await writeAtomic(files.svg, renderSvg(report, list));
  }
  if (opts.readme) {
    const root = new URL("..", import.meta.url).pathname;
    const readme = new URL("../README.md", import.meta.url).pathname;
    await updateReadme(readme, readmeBlock(report, list, files, root));
    console.error(`Updated the results in ${readme}`);
  }
  if (opts.json) console.log(JSON.stringify(report, null, 2));
  else console.log(markdown);
  console.error(
    `Saved ${dir}/${base}.json, .md${
      report.measurements.length > 0 ? " and .svg" : ""
    } in ${report.seconds.toFixed(0)} s`,
  );
}

if (import.meta.main) await main();
