// Exported targets for lib/sync/file_lock_test.ts, run in child processes.
import { FileLock } from "../file_lock.ts";

export async function tryFileLock(path: string): Promise<boolean> {
  const lock = new FileLock(path);
  const got = await lock.acquire({ timeout: 0 });
  if (got) lock.release();
  return got;
}

/** Increments the number in `counter` n times, each read-yield-write under the lock. */
export async function countUnderLock(
  path: string,
  counter: string,
  n: number,
): Promise<void> {
  const lock = new FileLock(path);
  for (let i = 0; i < n; i++) {
    using _ = await lock.hold();
    const value = Number(await Deno.readTextFile(counter));
    await new Promise((resolve) => setTimeout(resolve, 0)); // invite a race
    await Deno.writeTextFile(counter, String(value + 1));
  }
}

export async function holdForever(
  path: string,
  held: { add(n: number): Promise<number> },
) {
  await new FileLock(path).acquire();
  await held.add(1);
  while (true) await new Promise((resolve) => setTimeout(resolve, 1000));
}
