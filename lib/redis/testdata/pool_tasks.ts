// Tasks the Redis pool tests run on their workers.

export function square(x: number): number {
  return x * x;
}

export function add(a: number, b: number): number {
  return a + b;
}

/** Sleeps `ms`, then returns `value`. */
export async function slow<T>(value: T, ms: number): Promise<T> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return value;
}

/** Throws until it has been called `failures` times for `path` (a counter file). */
export async function flaky(path: string, failures: number): Promise<number> {
  const calls = Number(await Deno.readTextFile(path).catch(() => "0")) + 1;
  await Deno.writeTextFile(path, String(calls));
  if (calls <= failures) throw new RangeError(`call ${calls} fails`);
  return calls;
}

export function fail(message: string): never {
  throw new RangeError(message);
}
