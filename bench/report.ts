// `deno task demo`: runs every workload with every strategy at every pool
// size (plus Python's pools and piscina as peers), prints a markdown table per
// workload, and saves JSON, markdown and an SVG chart under bench/results/.
//
//   deno run -A bench/report.ts [--quick] [--sizes 1,2,4] [--tasks 16]
//                               [--span N] [--json] [--out DIR] [--no-python]
//                               [--readme]

import { relative } from "node:path";
import { parseArgs } from "node:util";
import { startIoFixture } from "./_fixture.ts";
import {
  formatMs,
  markdownTable,
  type Measurement,
  pivotTable,
  progressBar,
  type Row,
  SERIES_STYLE,
  seriesFor,
  toRows,
} from "./_report_math.ts";
import {
  poolSizes,
  type Runner,
  runnerName,
  startRunner,
  type Strategy,
} from "./_strategies.ts";
import { renderChart } from "./_svg.ts";
import {
  countPrimes,
  PRIME_BASE,
  type Workload,
  workloads,
  type WorkParams,
} from "./workloads.ts";

/** What the report was run with. */
interface Options {
  quick: boolean;
  sizes: number[];
  params: WorkParams;
  /** Timed sweeps over all configurations (a configuration's best run counts). */
  rounds: number;
  minTimedMs: number;
  json: boolean;
  readme: boolean;
  out: string;
  python: boolean;
}

/** The machine the numbers come from. */
interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  deno: string;
  v8: string;
  python: string | null;
  /** 1-minute load average before the run (other work on the machine) and after it. */
  load: { before: number; after: number | null };
}

/** A configuration that could not be measured, and why. */
interface Failure {
  name: string;
  workload?: string;
  error: string;
}

/** Everything saved to JSON. */
interface Report {
  command: string;
  date: string;
  machine: Machine;
  params: WorkParams & {
    rounds: number;
    minTimedMs: number;
    pythonSpan: number;
    sizes: number[];
  };
  measurements: Measurement[];
  rows: Row[];
  failures: Failure[];
  notes: string[];
}

/** Python does the CPU work about this many times slower, so it gets a span this much smaller. */
const PYTHON_SLOWDOWN = 40;
/** Timed runs of one configuration go on until they add up to `minTimedMs` (100 ms quick, 250 ms full)... */
const MAX_REPS = 40;
/** Timed runs of the serial baselines, at least. */
const BASELINE_REPS = 3;
const POOLED: Strategy[] = ["thread pool", "process pool", "piscina"];
const USAGE = `Usage: deno task demo [-- options]
  --quick         small work sizes, one timed run each (under a minute on 2 cores)
  --sizes LIST    pool sizes, e.g. 1,2,4 (default: 1, cores/2, cores, 2×cores, 4×cores)
  --tasks N       tasks per workload (default: 16 quick, 32 full, at least 2 × the largest size)
  --span N        how many numbers the CPU workload searches for primes
                  (default: 1,200,000 quick, 6,400,000 full)
  --json          print the JSON report on stdout instead of the markdown tables
  --out DIR       where to save results (default: bench/results)
  --no-python     skip the Python peers
  --readme        also put the summary tables and chart in README.md (between
                  the <!-- bench:begin --> and <!-- bench:end --> markers)`;

/** `deno task demo -- --quick` hands the script a literal "--" first. */
function scriptArgs(): string[] {
  return Deno.args[0] === "--" ? Deno.args.slice(1) : Deno.args;
}

function parseOptions(args: string[]): Options {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        quick: { type: "boolean", default: false },
        sizes: { type: "string" },
        tasks: { type: "string" },
        span: { type: "string" },
        json: { type: "boolean", default: false },
        out: { type: "string" },
        "no-python": { type: "boolean", default: false },
        readme: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    });
  } catch (error) {
    console.error(
      `${error instanceof Error ? error.message : error}\n\n${USAGE}`,
    );
    Deno.exit(2);
  }
  const { values } = parsed;
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const sizes = values.sizes === undefined
    ? poolSizes(navigator.hardwareConcurrency)
    : [
      ...new Set(values.sizes.split(",").map((s) => positiveInt(s, "--sizes"))),
    ].sort((a, b) => a - b);
  const quick = values.quick;
  const tasks = values.tasks === undefined
    ? Math.max(quick ? 16 : 32, 2 * Math.max(...sizes))
    : positiveInt(values.tasks, "--tasks");
  return {
    quick,
    sizes,
    params: {
      tasks,
      span: values.span === undefined
        ? (quick ? 1_200_000 : 6_400_000)
        : positiveInt(values.span, "--span"),
      delayMs: quick ? 10 : 25,
      fileBytes: quick ? 1024 * 1024 : 4 * 1024 * 1024,
    },
    rounds: quick ? 1 : 3,
    minTimedMs: quick ? 100 : 250,
    json: values.json,
    out: values.out ?? new URL("./results/", import.meta.url).pathname,
    python: !values["no-python"],
    readme: values.readme,
  };
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    console.error(
      `${flag} takes positive integers: received ${
        JSON.stringify(text)
      }\n\n${USAGE}`,
    );
    Deno.exit(2);
  }
  return n;
}

async function describeMachine(): Promise<Machine> {
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
    load: { before: Deno.loadavg()[0], after: null },
  };
}

/**
 * A warning when other work was already running: it takes CPU time from the
 * pools, so CPU-bound speedups come out low (IO-bound waits barely notice).
 */
function busyWarning(m: Machine): string | undefined {
  if (m.load.before <= m.cores / 2) return undefined;
  return `The machine was busy: the load average was ${
    m.load.before.toFixed(1)
  } on ${m.cores} cores before the run. ` +
    "Other processes took CPU time from the workers, so the CPU-bound speedups understate what a quiet machine gives; " +
    "re-run when it is idle.";
}

/** Progress on stderr: a redrawn bar on a terminal, one line per step otherwise. */
class Progress {
  #done = 0;
  #total: number;
  #tty = Deno.stderr.isTerminal();
  #encoder = new TextEncoder();
  #start = performance.now();
  constructor(total: number) {
    this.#total = total;
  }
  show(label: string): void {
    const elapsed = ((performance.now() - this.#start) / 1000).toFixed(0);
    const line = progressBar(
      this.#done,
      this.#total,
      28,
      `${elapsed.padStart(3)} s  ${label}`,
    );
    this.#write(this.#tty ? `\r\x1b[2K${line.slice(0, 110)}` : `${line}\n`);
  }
  step(label: string, count = 1): void {
    this.#done += count;
    this.show(label);
  }
  end(): void {
    if (this.#tty) this.#write("\r\x1b[2K");
  }
  #write(text: string): void {
    Deno.stderr.writeSync(this.#encoder.encode(text));
  }
}

/** Rejects if `promise` takes longer than `ms`. */
async function within<T>(
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
  tasks: number,
  reps: number,
  minTimedMs: number,
  limitMs: number,
): Promise<number[]> {
  const expected = w.expected();
  const times: number[] = [];
  while (
    times.length < reps || (sum(times) < minTimedMs && times.length < MAX_REPS)
  ) {
    const start = performance.now();
    const total = await within(
      runner.run(w, tasks),
      limitMs,
      `${runner.name} on ${w.id}`,
    );
    times.push(performance.now() - start);
    if (total !== expected) {
      throw new Error(`wrong answer: ${total}, expected ${expected}`);
    }
  }
  return times;
}

/**
 * Measures every runner on every workload: one checked, untimed warm-up
 * sweep, then `opts.rounds` timed sweeps. A configuration's best run counts:
 * spreading its runs over sweeps minutes apart means a burst of other load
 * on the machine spoils one sample, not all of them. The serial baseline
 * every ratio depends on gets at least BASELINE_REPS runs.
 */
async function measureAll(
  runners: Runner[],
  list: Workload[],
  opts: Options,
  progress: Progress,
  out: { measurements: Measurement[]; failures: Failure[] },
): Promise<void> {
  const limit = opts.quick ? 60_000 : 180_000;
  const best = new Map<string, number>();
  const broken = new Set<Runner>();
  for (let round = 0; round <= opts.rounds; round++) {
    const phase = round === 0 ? "warm-up" : `round ${round}/${opts.rounds}`;
    for (const runner of runners) {
      const reps = runner.strategy === "serial"
        ? Math.ceil(BASELINE_REPS / opts.rounds)
        : 1;
      for (const w of list) {
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
            opts.params.tasks,
            round === 0 ? 1 : reps,
            round === 0 ? 0 : opts.minTimedMs,
            limit,
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

function message(error: unknown): string {
  return error instanceof Error
    ? `${error.name}: ${error.message}`
    : String(error);
}

interface PythonOutcome {
  version: string | null;
  measurements: Measurement[];
  note?: string;
}

/** Runs bench/peers/cpu_io.py with the same workloads; its stderr lines drive the progress bar. */
async function runPython(
  opts: Options,
  env: { url: string; files: string[] },
  pythonSpan: number,
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
  const config = {
    tasks: opts.params.tasks,
    span: pythonSpan,
    base: PRIME_BASE,
    delay_ms: opts.params.delayMs,
    url: env.url,
    files: env.files,
    sizes: opts.sizes,
    reps: opts.rounds,
    min_timed_ms: opts.minTimedMs,
    max_reps: MAX_REPS,
    baseline_reps: BASELINE_REPS,
    workloads: ["cpu", "timer", "file", "http"],
  };
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(config)));
  await writer.close();
  const stdout = new Response(child.stdout).text();
  const stderrLines: string[] = [];
  for await (
    const line of child.stderr.pipeThrough(new TextDecoderStream()).pipeThrough(
      lineSplitter(),
    )
  ) {
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
    results: {
      workload: string;
      strategy: string;
      size: number | null;
      ms: number;
      total: number;
    }[];
  };
  const expected: Record<string, number> = {
    cpu: countPrimes(PRIME_BASE, PRIME_BASE + pythonSpan),
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

function lineSplitter(): TransformStream<string, string> {
  let rest = "";
  return new TransformStream({
    transform(chunk, controller) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const p of parts) controller.enqueue(p);
    },
    flush(controller) {
      if (rest) controller.enqueue(rest);
    },
  });
}

/** Strategy order for tables: Deno's first, then the Python peers. */
const ORDER = [
  "serial",
  "async",
  "thread pool",
  "process pool",
  "piscina",
  "python serial",
  "python ThreadPool",
  "python Pool",
];

function sortRows(rows: Row[]): Row[] {
  return [...rows].sort((a, b) =>
    ORDER.indexOf(a.strategy) - ORDER.indexOf(b.strategy) ||
    (a.size ?? 0) - (b.size ?? 0)
  );
}

function renderMarkdown(
  report: Report,
  list: Workload[],
  svgName: string,
): string {
  const m = report.machine;
  const p = report.params;
  const lines = [
    "# CPU-bound vs IO-bound work: strategies and pool sizes",
    "",
    `Produced by \`${report.command}\` on ${report.date}.`,
    "",
    "| machine | |",
    "|---|---|",
    `| CPU | ${m.cpu}, ${m.cores} cores |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| OS | ${m.os} |`,
    `| Deno | ${m.deno} (V8 ${m.v8}) |`,
    `| Python | ${m.python ?? "not run"} |`,
    `| load average (1 min) | ${m.load.before.toFixed(2)} before the run, ${
      m.load.after?.toFixed(2)
    } after |`,
    "",
    `Each workload is cut into ${p.tasks} tasks; the total work is the same for every strategy. ` +
    "All pools are started and warmed up (one checked, untimed run of each workload) before anything is timed; " +
    `then ${p.rounds} timed sweep(s) go over every configuration, and each configuration's best run counts ` +
    `(the serial baselines run at least ${BASELINE_REPS} times; runs shorter than ${p.minTimedMs} ms repeat). ` +
    `Speedup is the serial time divided by the strategy's time (Python's pools are compared with Python's own serial run, ` +
    `on a CPU range ${PYTHON_SLOWDOWN}× smaller: ${
      p.pythonSpan.toLocaleString("en")
    } numbers). ` +
    "Efficiency is speedup / pool size; async has no pool, so none.",
    "",
  ];
  for (const note of report.notes) lines.push(`> ${note}`, "");
  lines.push("## Summary", "", summary(report, list), "");
  for (const w of list) {
    const rows = sortRows(report.rows.filter((r) => r.workload === w.id));
    lines.push(`## ${w.id}: ${w.title}`, "", markdownTable(rows), "");
  }
  if (report.failures.length > 0) {
    lines.push("## Not measured", "");
    for (const f of report.failures) {
      lines.push(
        `- ${f.name}${f.workload ? ` (${f.workload})` : ""}: ${f.error}`,
      );
    }
    lines.push("");
  }
  lines.push(`![Speedup vs pool size, CPU-bound and IO-bound](${svgName})`, "");
  return lines.join("\n");
}

/** Speedup (efficiency) per strategy and size, one small table per workload. */
function summary(report: Report, list: Workload[]): string {
  const parts: string[] = [];
  for (const w of list) {
    const serial = report.measurements.find((m) =>
      m.workload === w.id && m.strategy === "serial"
    );
    const py = report.measurements.find((m) =>
      m.workload === w.id && m.strategy === "python serial"
    );
    const base = [
      serial && `serial ${formatMs(serial.ms)}`,
      py && `Python serial ${formatMs(py.ms)}`,
    ]
      .filter(Boolean).join(", ");
    parts.push(
      `**${w.title}** (${base}): speedup vs serial (efficiency)`,
      "",
      pivotTable(
        report.rows,
        w.id,
        report.params.sizes,
        ORDER.filter((o) => !o.endsWith("serial")),
      ),
      "",
    );
  }
  return parts.join("\n").trimEnd();
}

const README_BEGIN = "<!-- bench:begin -->";
const README_END = "<!-- bench:end -->";

/** Replaces the block between the README markers with this run's summary and chart. */
async function updateReadme(
  report: Report,
  list: Workload[],
  files: { md: string; svg: string },
): Promise<string> {
  const root = new URL("..", import.meta.url).pathname;
  const m = report.machine;
  const command = report.command.replace(
    "deno run -A bench/report.ts",
    "deno task demo --",
  );
  const block = await formatMarkdown([
    README_BEGIN,
    "",
    `Measured by \`${command}\` on ${report.date} (${m.cpu}, ${m.cores} cores, ` +
    `${m.memoryGiB} GiB, ${m.os}, Deno ${m.deno}${
      m.python ? `, Python ${m.python}` : ""
    }); ` +
    `${report.params.tasks} tasks per workload. All tables: ` +
    `[${relative(root, files.md)}](${relative(root, files.md)}).`,
    "",
    ...report.notes.flatMap((note) => [`> ${note}`, ""]),
    summary(report, list),
    "",
    `![Speedup vs pool size for CPU-bound and IO-bound work](${
      relative(root, files.svg)
    })`,
    "",
    README_END,
  ].join("\n"));
  // Read, splice and write in one go: others edit the rest of the README.
  const readme = new URL("../README.md", import.meta.url).pathname;
  const text = await Deno.readTextFile(readme);
  const begin = text.indexOf(README_BEGIN);
  const end = text.indexOf(README_END);
  if (begin < 0 || end < begin) {
    throw new Error(
      `README.md has no ${README_BEGIN} ... ${README_END} block to fill; add the two markers where the results belong.`,
    );
  }
  await writeAtomic(
    readme,
    text.slice(0, begin) + block.trimEnd() +
      text.slice(end + README_END.length),
  );
  return readme;
}

/** Formats markdown as `deno fmt` would in README.md (tables aligned, prose wrapped). */
async function formatMarkdown(markdown: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext=md", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = out.stdin.getWriter();
  await writer.write(new TextEncoder().encode(markdown));
  await writer.close();
  const result = await out.output();
  if (!result.success) {
    throw new Error(
      `deno fmt could not format the README block: ${
        new TextDecoder().decode(result.stderr)
      }`,
    );
  }
  return new TextDecoder().decode(result.stdout);
}

function renderSvg(report: Report, list: Workload[]): string {
  const m = report.machine;
  return renderChart({
    title: "Speedup vs pool size: CPU-bound vs IO-bound",
    subtitle: `${m.cpu}, ${m.cores} cores · Deno ${m.deno}${
      m.python ? ` · Python ${m.python}` : ""
    } · ${report.params.tasks} tasks · ${
      report.date.slice(0, 16).replace("T", " ")
    } UTC · load avg ${m.load.before.toFixed(1)}`,
    sizes: report.params.sizes,
    cores: m.cores,
    panels: list.map((w) => ({
      title: w.label,
      series: seriesFor(report.rows, w.id, report.params.sizes).map((s) => ({
        ...s,
        ...SERIES_STYLE[s.name],
      })),
    })),
  });
}

/** Writes through a temp file and a rename, so a reader never sees half a file. */
async function writeAtomic(path: string, content: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await Deno.writeTextFile(tmp, content);
  await Deno.rename(tmp, path);
}

async function main(): Promise<void> {
  const opts = parseOptions(scriptArgs());
  const machine = await describeMachine();
  const pythonSpan = Math.round(opts.params.span / PYTHON_SLOWDOWN);
  await using env = await startIoFixture(opts.params);
  const list = workloads(opts.params, env);

  const configs: [Strategy, number | null][] = [
    ["serial", null],
    ["async", null],
    ...opts.sizes.flatMap((size) =>
      POOLED.map((s): [Strategy, number] => [s, size])
    ),
  ];
  const pythonSteps = opts.python
    ? list.length * (1 + 2 * opts.sizes.length)
    : 0;
  const progress = new Progress(
    configs.length * list.length * (1 + opts.rounds) + pythonSteps,
  );
  const results = {
    measurements: [] as Measurement[],
    failures: [] as Failure[],
  };
  const notes: string[] = [];

  const started: Runner[] = [];
  const python = { child: undefined as Deno.ChildProcess | undefined };
  // Ctrl-C: stop the workers and the Python peer, delete the temp files.
  const onSignal = () => {
    for (const runner of started) runner.kill();
    try {
      python.child?.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    env.closeSync();
    progress.end();
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    // Every pool is started (and later warmed) before any timing, and all
    // stay up until the last sweep; idle workers cost no CPU.
    for (const [strategy, size] of configs) {
      const name = runnerName(strategy, size);
      progress.show(`starting ${name}`);
      try {
        started.push(await startRunner(strategy, size));
      } catch (error) {
        results.failures.push({ name, error: message(error) });
        progress.step(
          `${name} could not start`,
          (1 + opts.rounds) * list.length,
        );
        continue;
      }
    }
    await measureAll(started, list, opts, progress, results);
    progress.show("stopping the pools");
    await Promise.all(
      started.map((runner) =>
        within(
          Promise.resolve(runner[Symbol.asyncDispose]()),
          30_000,
          `stopping ${runner.name}`,
        )
          .catch(() => runner.kill())
      ),
    );
    if (opts.python) {
      const py = await runPython(opts, env, pythonSpan, progress, python);
      machine.python = py.version;
      results.measurements.push(...py.measurements);
      if (py.note) notes.push(py.note);
    } else {
      notes.push("The Python peers were skipped (--no-python).");
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    progress.end();
  }

  machine.load.after = Deno.loadavg()[0];
  const busy = busyWarning(machine);
  if (busy) notes.unshift(busy);
  const report: Report = {
    command: `deno run -A bench/report.ts${
      scriptArgs().length ? " " + scriptArgs().join(" ") : ""
    }`,
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    machine,
    params: {
      ...opts.params,
      rounds: opts.rounds,
      minTimedMs: opts.minTimedMs,
      pythonSpan,
      sizes: opts.sizes,
    },
    measurements: results.measurements,
    rows: toRows(results.measurements),
    failures: results.failures,
    notes,
  };
  const base = opts.quick ? "cpu_vs_io_quick" : "cpu_vs_io";
  const markdown = renderMarkdown(report, list, `${base}.svg`);
  await Deno.mkdir(opts.out, { recursive: true });
  const dir = opts.out.replace(/\/$/, "");
  await writeAtomic(
    `${dir}/${base}.json`,
    JSON.stringify(report, null, 2) + "\n",
  );
  await writeAtomic(`${dir}/${base}.md`, markdown);
  await writeAtomic(`${dir}/${base}.svg`, renderSvg(report, list));
  if (opts.readme) {
    const readme = await updateReadme(report, list, {
      md: `${dir}/${base}.md`,
      svg: `${dir}/${base}.svg`,
    });
    console.error(`Updated the results in ${readme}`);
  }
  if (opts.json) console.log(JSON.stringify(report, null, 2));
  else console.log(markdown);
  console.error(`Saved ${dir}/${base}.json, ${base}.md and ${base}.svg`);
}

if (import.meta.main) await main();
