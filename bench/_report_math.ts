// The report's arithmetic and text: speedup, efficiency, markdown
// tables and the progress bar. Pure functions, so report_test.ts checks them.

/** One timed configuration: a workload run by a strategy at a pool size. */
export interface Measurement {
  /** Workload id (`cpu`, `timer`, `file`, `http`). */
  workload: string;
  /** Strategy name (`serial`, `thread pool`, `python Pool`...). */
  strategy: string;
  /** Workers in the pool; null for single-threaded strategies. */
  size: number | null;
  /** Best wall time of the timed runs, in ms. */
  ms: number;
}

/** A measurement with its comparison to the baseline. */
export interface Row extends Measurement {
  /** The strategy it is compared with (`serial` or `python serial`). */
  baseline: string;
  /** Baseline time / this time. */
  speedup: number;
  /** Speedup per worker; null where there is no pool (async). */
  efficiency: number | null;
}

/** How many times faster than the baseline. */
export function speedup(baselineMs: number, ms: number): number {
  if (!(baselineMs > 0) || !(ms > 0)) {
    throw new RangeError(
      `Cannot compute a speedup from times ${baselineMs} ms and ${ms} ms: both must be positive.`,
    );
  }
  return baselineMs / ms;
}

/** Speedup per worker: 1 means every worker did a full worker's share. */
export function efficiency(speedupValue: number, size: number): number {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(
      `Cannot compute an efficiency for pool size ${size}: it must be a positive integer.`,
    );
  }
  return speedupValue / size;
}

/** Python strategies compare with Python's serial run, the others with Deno's. */
export function baselineOf(strategy: string): string {
  return strategy.startsWith("python") ? "python serial" : "serial";
}

/**
 * Adds speedup and efficiency to each measurement. Single-threaded baselines
 * count as one worker; `async` has none to divide by (its waits overlap on
 * one thread), so its efficiency is null. Rows whose baseline was not
 * measured are dropped.
 */
export function toRows(measurements: Measurement[]): Row[] {
  const rows: Row[] = [];
  for (const m of measurements) {
    const baseline = baselineOf(m.strategy);
    const base = measurements.find((b) =>
      b.workload === m.workload && b.strategy === baseline
    );
    if (!base) continue;
    const s = speedup(base.ms, m.ms);
    const workers = m.size ?? (m.strategy === "async" ? null : 1);
    rows.push({
      ...m,
      baseline,
      speedup: s,
      efficiency: workers === null ? null : efficiency(s, workers),
    });
  }
  return rows;
}

/** `12.3 ms`, `1.24 s`. */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`;
}

/** One markdown table: strategy × size → wall time, speedup, efficiency. */
export function markdownTable(rows: Row[]): string {
  const lines = [
    "| strategy | size | wall time | speedup | efficiency | vs |",
    "|---|---:|---:|---:|---:|---|",
  ];
  for (const r of rows) {
    const size = r.size === null ? "—" : String(r.size);
    const eff = r.efficiency === null ? "—" : r.efficiency.toFixed(2);
    lines.push(
      `| ${r.strategy} | ${size} | ${formatMs(r.ms)} | ${
        r.speedup.toFixed(2)
      }× | ${eff} | ${r.baseline} |`,
    );
  }
  return lines.join("\n");
}

/** `[██████░░░░░░] 12/40 cpu · thread pool size=2` */
export function progressBar(
  done: number,
  total: number,
  width: number,
  label: string,
): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.round(fraction * width);
  return `[${"█".repeat(filled)}${
    "░".repeat(width - filled)
  }] ${done}/${total} ${label}`;
}

/** Colour and dash of each strategy's line on the chart. */
export const SERIES_STYLE: Record<string, { color: string; dash?: string }> = {
  "thread pool": { color: "#1f77b4" },
  "process pool": { color: "#2ca02c" },
  "piscina": { color: "#9467bd" },
  "async": { color: "#ff7f0e", dash: "9 4" },
  "python ThreadPool": { color: "#d62728", dash: "3 3" },
  "python Pool": { color: "#8c564b", dash: "3 3" },
};

/** A chart line: strategy name and `[size, speedup]` points. */
export interface SeriesData {
  /** Strategy name. */
  name: string;
  /** `[pool size, speedup]`, by size. */
  points: [number, number][];
}

/**
 * The chart lines of one workload: one per pooled strategy, and `async`
 * drawn flat across all sizes since it uses no pool. Baselines are left out
 * (they are 1× by definition).
 */
export function seriesFor(
  rows: Row[],
  workload: string,
  sizes: number[],
): SeriesData[] {
  const out: SeriesData[] = [];
  for (const name of Object.keys(SERIES_STYLE)) {
    const mine = rows.filter((r) =>
      r.workload === workload && r.strategy === name
    );
    if (mine.length === 0) continue;
    const points: [number, number][] = mine[0].size === null
      ? sizes.map((s) => [s, mine[0].speedup])
      : mine.filter((r) => r.size !== null).sort((a, b) => a.size! - b.size!)
        .map((r) => [r.size!, r.speedup]);
    out.push({ name, points });
  }
  return out;
}

/**
 * A compact table for one workload: one row per strategy, one column per
 * pool size, each cell the speedup (efficiency in brackets). Strategies
 * without a pool show their one figure under every size.
 */
export function pivotTable(
  rows: Row[],
  workload: string,
  sizes: number[],
  order: string[],
): string {
  const mine = rows.filter((r) => r.workload === workload);
  const lines = [
    `| strategy | ${sizes.map((s) => `size ${s}`).join(" | ")} |`,
    `|---|${sizes.map(() => "---:").join("|")}|`,
  ];
  for (const strategy of order) {
    const of = mine.filter((r) => r.strategy === strategy);
    if (of.length === 0) continue;
    const cells = sizes.map((size) => {
      const r = of.find((x) => x.size === size) ??
        (of[0].size === null ? of[0] : undefined);
      if (!r) return "—";
      return r.efficiency === null || r.size === null
        ? `${r.speedup.toFixed(2)}×`
        : `${r.speedup.toFixed(2)}× (${r.efficiency.toFixed(2)})`;
    });
    lines.push(`| ${strategy} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}
