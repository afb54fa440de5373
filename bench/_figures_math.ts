// The pool figures' arithmetic and text (bench/_pool_figures.ts measures,
// bench/report.ts prints): each contender's best value, its ratio to the
// figure's baseline, and whether each goal of issue 13 is met. Pure functions,
// so _figures_math_test.ts checks them.

/** The figures, by id. */
export type FigureId = "inflight" | "latency" | "map" | "startup" | "rss";

/**
 * A goal: `who` compared with `times` × the value of `of` (a relative goal),
 * or with `value` itself (an absolute one, in the figure's unit).
 */
export interface Goal {
  who: string;
  op: "≤" | "≥" | "<";
  times?: number;
  of?: string;
  value?: number;
}

/** What a figure measures and how it is judged. */
export interface Figure {
  id: FigureId;
  title: string;
  /** `tasks/s`, `µs/task`, `items/s`, `ms` or `MiB`. */
  unit: string;
  /** Whether a higher value is better (rates) or a lower one (times, memory). */
  better: "higher" | "lower";
  /** The contender every ratio is taken against. */
  baseline: string;
  goals: Goal[];
}

/** The best of several measurements: the highest rate, the lowest time. */
export function best(figure: Figure, values: number[]): number {
  if (values.length === 0) {
    throw new RangeError(
      `Cannot take the best of no measurements for '${figure.id}'`,
    );
  }
  return figure.better === "higher" ? Math.max(...values) : Math.min(...values);
}

/** `12,345`, `1.23M`, `86.4`, `4.9`: enough digits to compare, no more. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (Math.abs(value) >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (Math.abs(value) >= 100) return value.toFixed(0);
  return value.toFixed(1);
}

/** The outcome of one goal. */
export interface GoalOutcome {
  goal: Goal;
  /** `thread pool ≤ 0.5× bare postMessage round trip`, `process pool ≤ 100 µs/task`. */
  text: string;
  /** The measured ratio (relative goal) or value (absolute one); undefined when a side was not measured. */
  measured: number | undefined;
  met: boolean | undefined;
}

/** Judges a goal against the best values of its figure. */
export function judge(
  figure: Figure,
  goal: Goal,
  values: Map<string, number>,
): GoalOutcome {
  const text = goal.of === undefined
    ? `${goal.who} ${goal.op} ${goal.value} ${figure.unit}`
    : `${goal.who} ${goal.op} ${goal.times}× ${goal.of}`;
  const mine = values.get(goal.who);
  const theirs = goal.of === undefined ? 1 : values.get(goal.of);
  if (mine === undefined || theirs === undefined) {
    return { goal, text, measured: undefined, met: undefined };
  }
  const measured = goal.of === undefined ? mine : mine / theirs;
  const bound = goal.of === undefined ? goal.value! : goal.times!;
  const met = goal.op === "≤"
    ? measured <= bound
    : goal.op === "≥"
    ? measured >= bound
    : measured < bound;
  return { goal, text, measured, met };
}

/**
 * One figure's markdown table: each contender's value and its ratio to the
 * baseline (value / baseline value, so < 1 is better for times and memory).
 */
export function figureTable(
  figure: Pick<Figure, "unit" | "baseline">,
  values: Map<string, number>,
): string {
  const base = values.get(figure.baseline);
  const lines = [
    `| contender | ${figure.unit} | × ${figure.baseline} |`,
    "|---|---:|---:|",
  ];
  for (const [name, value] of values) {
    const ratio = base === undefined ? "—" : `${(value / base).toFixed(2)}×`;
    const label = name === figure.baseline ? `${name} (baseline)` : name;
    lines.push(`| ${label} | ${formatValue(value)} | ${ratio} |`);
  }
  return lines.join("\n");
}

/** The goals of every figure in one table, `met` as yes / **no** / not measured. */
export function goalTable(outcomes: GoalOutcome[]): string {
  const lines = ["| goal | measured | met |", "|---|---:|---|"];
  for (const o of outcomes) {
    const measured = o.measured === undefined
      ? "—"
      : o.goal.of === undefined
      ? formatValue(o.measured)
      : `${o.measured.toFixed(2)}×`;
    const met = o.met === undefined ? "not measured" : o.met ? "yes" : "**no**";
    lines.push(`| ${o.text} | ${measured} | ${met} |`);
  }
  return lines.join("\n");
}
