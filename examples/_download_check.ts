// thread_download.ts and thread_subclass.ts do the same job (a target
// function vs a Thread subclass), so one check of their output serves both.
import { assert, assertEquals, assertMatch } from "@std/assert";
import { runExample } from "./_run_example.ts";

/** Runs examples/<name>.ts and asserts both downloads started before either finished. */
export async function checkConcurrentDownloads(name: string): Promise<void> {
  const { code, lines, stderr } = await runExample(name);
  assertEquals(code, 0, stderr);
  assertEquals(lines.length, 5, lines.join("\n"));
  const starts = lines.slice(0, 2).sort();
  assertEquals(starts, [
    "Start downloading Peking Hot.avi...",
    "Start downloading Python从入门到精通.pdf...",
  ]);
  const finished = lines.slice(2, 4).map((line) =>
    line.replace(/ It took \d+ s$/, "")
  ).sort();
  assertEquals(finished, [
    "Peking Hot.avi downloaded!",
    "Python从入门到精通.pdf downloaded!",
  ]);
  for (const line of lines.slice(2, 4)) {
    const seconds = Number(/It took (\d+) s$/.exec(line)?.[1]);
    assert(seconds >= 5 && seconds <= 10, line);
  }
  assertMatch(lines[4], /^Total: \d+\.\d+ s\.?$/);
}
