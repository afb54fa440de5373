// Test helpers for the process examples: whether the pids an example printed
// are still alive. Running the example itself is runExample in
// ./_run_example.ts, shared with every other example test.

/** True while a process with this pid runs (a dead zombie does not count). */
export function isRunning(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** True while the pid exists at all (zombies included). */
export function pidExists(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}
