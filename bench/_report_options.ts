// The flags of `deno task demo` (bench/report.ts), parsed with @std/cli. The
// default is the demo: the same tables and chart as the publication run, from
// smaller work and fewer repetitions, in under a minute on 2 cores. `--full`
// is the publication run the committed results and the README come from.

import { parseArgs } from "@std/cli/parse-args";
import type { FigureId } from "./_figures_math.ts";
import type { FigureParams } from "./_pool_figures.ts";
import { poolSizes } from "./_strategies.ts";
import type { WorkParams } from "./workloads.ts";

/** The report's two parts: the pool figures against peers, and the strategies sweep. */
export type Section = "figures" | "strategies";

/** What the report was run with. */
export interface Options {
  /** The publication run (`--full`) or the demo (default). */
  full: boolean;
  sections: Section[];
  sizes: number[];
  params: WorkParams;
  figures: FigureParams;
  /** Which pool figures to measure. */
  figureIds: FigureId[];
  /** Timed sweeps over all configurations (a configuration's best run counts). */
  rounds: number;
  /** Rounds of the pool figures (each contender's best counts). */
  figureRounds: number;
  /** Short runs repeat until they add up to this (0: one timed run). */
  minTimedMs: number;
  json: boolean;
  readme: boolean;
  out: string;
  python: boolean;
  node: boolean;
}

export const USAGE = `Usage: deno task demo [-- options]
  (default)       the demo: every table and the chart from smaller work and
                  fewer repetitions (under a minute on 2 quiet cores);
                  writes bench/results/report_quick.*
  --full          the publication run (several minutes): more work, 3 rounds;
                  writes bench/results/report.*, which the README quotes
  --quick         the default (kept for older scripts)
  --only PART     one part only: figures (the pool against its peers) or
                  strategies (CPU-bound vs IO-bound work by strategy and size)
  --figures LIST  which pool figures, e.g. latency,startup (default: all of
                  inflight, latency, map, startup, rss)
  --sizes LIST    pool sizes of the strategies, e.g. 1,2,4
                  (default: 1, cores/2, cores, 2×cores, 4×cores)
  --tasks N       tasks per workload (default: 16, 32 with --full, at least
                  2 × the largest size)
  --span N        how many numbers the CPU workload searches for primes
                  (default: 1,200,000, 6,400,000 with --full)
  --json          print the JSON report on stdout instead of the markdown
  --out DIR       where to save results (default: bench/results)
  --no-python     skip the Python peers
  --no-node       skip the Node peers (piscina and tinypool on Node)
  --readme        also put the summary in README.md (between the
                  <!-- bench:begin --> and <!-- bench:end --> markers)`;

/** A flag the report cannot run with; `main` prints it with the usage and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** `deno task demo -- --full` hands the script a literal "--" first. */
export function scriptArgs(args: string[] = Deno.args): string[] {
  return args[0] === "--" ? args.slice(1) : args;
}

/** Parses the flags; throws `UsageError` on an unknown flag or a bad value, returns undefined for --help. */
export function parseOptions(args: string[]): Options | undefined {
  const unknown: string[] = [];
  const values = parseArgs(args, {
    boolean: ["full", "quick", "json", "readme", "help", "python", "node"],
    string: ["sizes", "tasks", "span", "out", "only", "figures"],
    negatable: ["python", "node"],
    default: { python: true, node: true },
    alias: { h: "help" },
    unknown: (arg) => {
      unknown.push(arg);
      return false;
    },
  });
  if (unknown.length > 0) {
    throw new UsageError(
      `Cannot run the report with ${
        unknown.map((a) => JSON.stringify(a)).join(", ")
      }: not an option.`,
    );
  }
  if (values.help) return undefined;
  const full = values.full;
  const sizes = values.sizes === undefined
    ? poolSizes(navigator.hardwareConcurrency)
    : [
      ...new Set(values.sizes.split(",").map((s) => positiveInt(s, "--sizes"))),
    ].sort((a, b) => a - b);
  const tasks = values.tasks === undefined
    ? Math.max(full ? 32 : 16, 2 * Math.max(...sizes))
    : positiveInt(values.tasks, "--tasks");
  return {
    full,
    sections: sectionsOf(values.only),
    sizes,
    params: {
      tasks,
      span: values.span === undefined
        ? (full ? 6_400_000 : 1_200_000)
        : positiveInt(values.span, "--span"),
      delayMs: full ? 25 : 10,
      fileBytes: full ? 4 * 1024 * 1024 : 1024 * 1024,
    },
    figures: {
      size: Math.max(2, navigator.hardwareConcurrency),
      inFlight: full ? 50_000 : 10_000,
      oneAtATime: full ? 500 : 200,
      mapItems: 1_000_000,
      rssWorkers: 4,
    },
    figureIds: figureIdsOf(values.figures),
    rounds: full ? 3 : 1,
    figureRounds: full ? 3 : 1,
    minTimedMs: full ? 250 : 0,
    json: values.json,
    out: values.out ?? new URL("./results/", import.meta.url).pathname,
    python: values.python,
    node: values.node,
    readme: values.readme,
  };
}

const FIGURE_IDS: FigureId[] = ["inflight", "latency", "map", "startup", "rss"];

function figureIdsOf(list: string | undefined): FigureId[] {
  if (list === undefined) return FIGURE_IDS;
  const ids = list.split(",");
  const bad = ids.filter((id) => !FIGURE_IDS.includes(id as FigureId));
  if (bad.length > 0 || list === "") {
    throw new UsageError(
      `Cannot measure the figures ${
        JSON.stringify(list)
      }: --figures takes some of ${FIGURE_IDS.join(", ")}.`,
    );
  }
  return FIGURE_IDS.filter((id) => ids.includes(id));
}

function sectionsOf(only: string | undefined): Section[] {
  if (only === undefined) return ["figures", "strategies"];
  if (only === "figures" || only === "strategies") return [only];
  throw new UsageError(
    `Cannot run only ${
      JSON.stringify(only)
    }: --only takes figures or strategies.`,
  );
}

function positiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isInteger(n) || n < 1) {
    throw new UsageError(
      `Cannot use ${flag} ${JSON.stringify(text)}: it takes positive integers.`,
    );
  }
  return n;
}
