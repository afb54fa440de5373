// The pool figures part of the report: every contender of every figure
// measured in interleaved rounds (so a burst of load on the machine spoils one
// sample, not one contender), its best value kept, each goal judged.

import {
  best,
  figureTable,
  type GoalOutcome,
  goalTable,
  judge,
} from "./_figures_math.ts";
import type { Failure, FigureResult } from "./_report_model.ts";
import type { Progress } from "./_report_progress.ts";
import type { OpenFigure } from "./_pool_figures.ts";
import { message } from "./_report_sweep.ts";

/** Steps the figures report: a warm-up of each start-up, then `rounds` of everything. */
export function figureSteps(figures: OpenFigure[], rounds: number): number {
  const contenders = figures.flatMap((f) => f.contenders).length;
  const startUps = figures.find((f) => f.id === "startup")?.contenders.length ??
    0;
  return startUps + rounds * contenders;
}

/**
 * Measures the figures. A start-up is measured once untimed first (module
 * caches warm, as for every other figure, whose pools are warm). Memory
 * probes of one round run side by side: each is its own fresh process, and
 * what it measures is bytes, not time.
 */
export async function measureFigures(
  figures: OpenFigure[],
  rounds: number,
  progress: Progress,
  failures: Failure[],
): Promise<{ results: FigureResult[]; goals: GoalOutcome[] }> {
  const samples = new Map<string, number[]>();
  const broken = new Set<string>();
  const key = (f: OpenFigure, name: string) => `${f.id}\u0000${name}`;
  const attempt = async (
    f: OpenFigure,
    name: string,
    run: () => Promise<number>,
    timed: boolean,
  ) => {
    const k = key(f, name);
    if (broken.has(k)) return;
    try {
      const value = await run();
      if (timed) samples.set(k, [...(samples.get(k) ?? []), value]);
    } catch (error) {
      broken.add(k);
      failures.push({ name, workload: f.id, error: message(error) });
    }
  };
  for (const f of figures.filter((f) => f.id === "startup")) {
    for (const c of f.contenders) {
      progress.show(`warm-up · ${f.id} · ${c.name}`);
      await attempt(f, c.name, () => c.measure(), false);
      progress.step(`warm-up · ${f.id} · ${c.name}`);
    }
  }
  for (let round = 1; round <= rounds; round++) {
    for (const f of figures) {
      const label = (name: string) =>
        `round ${round}/${rounds} · ${f.id} · ${name}`;
      if (f.id === "rss") {
        progress.show(label("memory probes"));
        await Promise.all(f.contenders.map(async (c) => {
          await attempt(f, c.name, () => c.measure(), true);
          progress.step(label(c.name));
        }));
        continue;
      }
      for (const c of f.contenders) {
        progress.show(label(c.name));
        await attempt(f, c.name, () => c.measure(), true);
        progress.step(label(c.name));
      }
    }
  }
  const results: FigureResult[] = [];
  const goals: GoalOutcome[] = [];
  for (const f of figures) {
    const contenders = f.contenders.flatMap((c) => {
      const s = samples.get(key(f, c.name));
      return s ? [{ name: c.name, samples: s, best: best(f, s) }] : [];
    });
    results.push({
      id: f.id,
      title: f.title,
      unit: f.unit,
      better: f.better,
      baseline: f.baseline,
      contenders,
      skipped: f.skipped,
    });
    const values = new Map(contenders.map((c) => [c.name, c.best]));
    for (const goal of f.goals) goals.push(judge(f, goal, values));
  }
  return { results, goals };
}

/** The figures as markdown: the goals first, then one table per figure. */
export function figuresMarkdown(
  results: FigureResult[],
  goals: GoalOutcome[],
  heading = "###",
): string {
  const lines = [
    "Goals of the pool against its peers (ratios from this run):",
    "",
    goalTable(goals),
    "",
  ];
  for (const r of results) {
    const values = new Map(r.contenders.map((c) => [c.name, c.best]));
    const better = r.better === "higher"
      ? "higher is better"
      : "lower is better";
    lines.push(`${heading} ${r.title} (${r.unit}, ${better})`, "");
    lines.push(figureTable(r, values), "");
  }
  const skipped = [...new Set(results.flatMap((r) => r.skipped))];
  for (const s of skipped) lines.push(`Peers left out: ${s}.`, "");
  return lines.join("\n").trimEnd();
}
