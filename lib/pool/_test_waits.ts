// Waits shared by the pool tests: a poll with a deadline for state that
// other processes or threads change, and whether a worker's process lives.
import { delay } from "@std/async";

/** A guard against hanging, not a measure: a loaded machine took over 10 s to start a worker. */
export const HANG = 60_000;

/** Polls `check` until it holds; fails after HANG. */
export async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + HANG;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

/** Whether process `pid` still exists (a zombie not yet reaped counts). */
export function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}
