// Targets for bench/thread_bench.ts, in their own module so a thread's
// worker does not import the bench file itself.
export function plusOne(n: number): number {
  return n + 1;
}
