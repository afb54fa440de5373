// Process helpers shared by the subprocess tests.
import { delay } from "@std/async/delay";
import { run } from "./mod.ts";

/** A process is gone once /proc has no entry or it is a zombie left to init. */
export function isDead(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] === "Z";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return true;
    throw error;
  }
}

/**
 * Waits until `pid` is dead. A SIGKILL is delivered asynchronously, so a
 * process we cannot wait for (a grandchild, an orphan) may take a moment to
 * go; give up after ten seconds.
 */
export async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 1000; i++) {
    if (isDead(pid)) return true;
    await delay(10);
  }
  return false;
}

/** Runs a snippet in a child Deno with exactly the given permission flags. */
export async function denoWith(
  flags: string[],
  code: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const lib = new URL("./mod.ts", import.meta.url).href;
  const result = await run([Deno.execPath(), "run", ...flags, "-"], {
    input: `import * as subprocess from ${
      JSON.stringify(lib)
    };\nconst { run, call, spawn } = subprocess;\n${code}`,
    env: { NO_COLOR: "1" },
  });
  return result;
}
