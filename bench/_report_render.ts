// The report as markdown (bench/results/report*.md) and as an SVG chart of the
// strategies sweep.

import { figuresMarkdown } from "./_report_figures.ts";
import {
  formatMs,
  markdownTable,
  pivotTable,
  type Row,
  SERIES_STYLE,
  seriesFor,
} from "./_report_math.ts";
import type { Report } from "./_report_model.ts";
import { BASELINE_REPS } from "./_report_sweep.ts";
import { renderChart } from "./_svg.ts";
import type { Workload } from "./workloads.ts";

/** Python does the CPU work about this many times slower, so it gets a span this much smaller. */
export const PYTHON_SLOWDOWN = 40;

/** Strategy order for tables: Deno's first, then the peers. */
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

/** `the demo run` / `the full run`, and what that means. */
export function modeText(report: Report): string {
  return report.mode === "full"
    ? "the full run (`--full`: more work, 3 rounds, best run counts)"
    : "the demo run (the default: smaller work, one round; `--full` gives the publication figures)";
}

/** The whole report as markdown. */
export function renderMarkdown(
  report: Report,
  list: Workload[],
  svgName: string,
): string {
  const m = report.machine;
  const lines = [
    "# multitask bench report",
    "",
    `Produced by \`${report.command}\` on ${report.date} in ${
      report.seconds.toFixed(0)
    } s: ${modeText(report)}.`,
    "",
    "| machine | |",
    "|---|---|",
    `| CPU | ${m.cpu}, ${m.cores} cores |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| OS | ${m.os} |`,
    `| Deno | ${m.deno} (V8 ${m.v8}) |`,
    `| Python | ${m.python ?? "not run"} |`,
    `| Node | ${m.node ?? "not run"} |`,
    `| load average (1 min) | ${m.load.before.toFixed(2)} before the run, ${
      m.load.after?.toFixed(2)
    } after |`,
    "",
  ];
  for (const note of report.notes) lines.push(`> ${note}`, "");
  if (report.figures.length > 0) {
    const f = report.figureParams;
    lines.push(
      "## The pool against its peers",
      "",
      `Pools of ${f.size} workers; every peer on its own runtime (piscina and tinypool on Node, Python's pools on CPython). ` +
        `Each contender's best of ${f.rounds} round(s) counts, the rounds interleaved; a start-up is measured once untimed first, and a pool gets a burst of 100 untimed tasks right before each timed run (an idle thread pool retires its workers after 250 ms). ` +
        "Memory is measured in a fresh process per contender: the growth of its RSS per idle worker, or the RSS of each child process.",
      "",
      figuresMarkdown(report.figures, report.goals),
      "",
    );
  }
  if (report.measurements.length > 0) {
    lines.push(...strategiesMarkdown(report, list, svgName));
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
  return lines.join("\n");
}

function strategiesMarkdown(
  report: Report,
  list: Workload[],
  svgName: string,
): string[] {
  const p = report.params;
  const lines = [
    "## CPU-bound vs IO-bound work: strategies and pool sizes",
    "",
    `Each workload is cut into ${p.tasks} tasks; the total work is the same for every strategy. ` +
    "All pools are started and warmed up (one checked, untimed run of each workload, the CPU one smaller) before anything is timed; " +
    `then ${p.rounds} timed sweep(s) go over every configuration, and each configuration's best run counts ` +
    `(the serial baselines run at least ${BASELINE_REPS} times${
      p.minTimedMs > 0 ? `; runs shorter than ${p.minTimedMs} ms repeat` : ""
    }). ` +
    `Speedup is the serial time divided by the strategy's time (Python's pools are compared with Python's own serial run, ` +
    `on a CPU range ${PYTHON_SLOWDOWN}× smaller: ${
      p.pythonSpan.toLocaleString("en")
    } numbers). ` +
    "Efficiency is speedup / pool size; async has no pool, so none.",
    "",
    "### Summary",
    "",
    summary(report, list),
    "",
  ];
  for (const w of list) {
    const rows = sortRows(report.rows.filter((r) => r.workload === w.id));
    lines.push(`### ${w.id}: ${w.title}`, "", markdownTable(rows), "");
  }
  lines.push(`![Speedup vs pool size, CPU-bound and IO-bound](${svgName})`, "");
  return lines;
}

/** Speedup (efficiency) per strategy and size, one small table per workload. */
export function summary(report: Report, list: Workload[]): string {
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

/** The chart of the strategies sweep: speedup by pool size, a panel per workload. */
export function renderSvg(report: Report, list: Workload[]): string {
  const m = report.machine;
  return renderChart({
    title: "Speedup vs pool size: CPU-bound vs IO-bound",
    subtitle: `${m.cpu}, ${m.cores} cores · Deno ${m.deno}${
      m.python ? ` · Python ${m.python}` : ""
    } · ${report.params.tasks} tasks · ${
      report.date.slice(0, 16).replace("T", " ")
    } UTC · load avg ${m.load.before.toFixed(1)} · ${report.mode} run`,
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
