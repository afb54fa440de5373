// Test helper for the process examples: runs an example as a real
// `deno run -A` subprocess and returns what it printed.

/** What an example printed and how it exited. */
export interface ExampleRun {
  code: number;
  stdout: string;
  stderr: string;
  lines: string[];
}

/** Runs examples/<name>.ts; the timeout only guards against hangs. */
export async function runProcessExample(name: string): Promise<ExampleRun> {
  const path = new URL(`./${name}.ts`, import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", path],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(60_000),
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  return {
    code: out.code,
    stdout,
    stderr: new TextDecoder().decode(out.stderr),
    lines: stdout.split("\n").filter((line) => line !== ""),
  };
}

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
