// Test helper for every example test: runs an example as a real
// `deno run -A` subprocess and returns what it printed.

/** What an example printed and how it exited. */
export interface ExampleOutput {
  code: number;
  stdout: string;
  stderr: string;
  lines: string[];
}

/** Runs examples/<name>.ts with extra CLI args; a generous timeout only guards against hangs. */
export async function runExample(
  name: string,
  ...args: string[]
): Promise<ExampleOutput> {
  const path = new URL(`./${name}.ts`, import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", path, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(120_000),
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  return {
    code: out.code,
    stdout,
    stderr: new TextDecoder().decode(out.stderr),
    lines: stdout.split("\n").filter((line) => line !== ""),
  };
}
