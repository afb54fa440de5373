// Tasks for bench/pool_bench.ts. Workers import this module by URL, so it
// has no top-level effects.

/** The tiny task: its cost is all overhead. */
export function add(a: number, b: number): number {
  return a + b;
}

/** piscina passes one argument: the same task taking its arguments as an array. */
export function addPair(args: [number, number]): number {
  return args[0] + args[1];
}
