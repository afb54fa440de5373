// A module a worker may be started with instead of the one a pool names.

export function cube(x: number): number {
  return x * x * x;
}
