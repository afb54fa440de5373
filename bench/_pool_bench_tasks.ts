// Tasks of the pool figures (bench/_pool_figures.ts, bench/_rss_probe.ts).
// Workers import this module by URL, so it has no top-level effects.

/** The tiny task: its cost is all overhead. */
export function add(a: number, b: number): number {
  return a + b;
}

/** The task of the `map` figure. */
export function double(x: number): number {
  return x * 2;
}

/** Keeps a worker busy for `ms`, so that a burst of naps starts every worker. */
export function nap(ms: number): Promise<number> {
  return new Promise((resolve) => setTimeout(() => resolve(ms), ms));
}
