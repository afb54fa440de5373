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

/** Writes `path` once it runs (a handshake for the test), then waits `ms`. */
export async function announce(path: string, ms: number): Promise<string> {
  await Deno.writeTextFile(path, "started");
  await new Promise((resolve) => setTimeout(resolve, ms));
  return "finished";
}

/** Spins for `ms` milliseconds of CPU. */
export function spin(x: number, ms: number): number {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* busy */ }
  return x * x;
}

/** Sleeps `ms`, then returns it. */
export async function nap(ms: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ms;
}

/** Squares `x` after a `ms` ms nap (a task that takes a little time). */
export async function sleepySquare(x: number, ms = 2): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return x * x;
}

/** Ends the thread (or child process) that runs it. */
export function exitThread(code: number): never {
  Deno.exit(code);
}
