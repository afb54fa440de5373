// Process helpers shared by the subprocess tests.
import { deadline } from "@std/async/deadline";
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

/**
 * Reads `stream` until what it gave contains `marker`, and returns that
 * text. A stream that ends first, or stays silent for `ms`, fails the test
 * instead of hanging it. The stream is released, not cancelled.
 */
export async function readUntil(
  stream: ReadableStream<Uint8Array>,
  marker: string,
  ms = 30_000,
): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let head = "";
  try {
    await deadline(
      (async () => {
        while (!head.includes(marker)) {
          const { value, done } = await reader.read();
          if (done) {
            throw new Error(
              `The stream ended before ${JSON.stringify(marker)}: ${
                JSON.stringify(head)
              }`,
            );
          }
          head += decoder.decode(value, { stream: true });
        }
      })(),
      ms,
    );
  } finally {
    reader.releaseLock();
  }
  return head;
}
