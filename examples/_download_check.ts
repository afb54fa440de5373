// thread_download.ts and thread_subclass.ts do the same job (a target
// function vs a Thread subclass), so one check of their output serves both.
import assert from "node:assert/strict";
import { runExample } from "./_run_example.ts";

/** Runs examples/<name>.ts and asserts both downloads started before either finished. */
export async function checkConcurrentDownloads(name: string): Promise<void> {
  const { code, lines, stderr } = await runExample(name);
  assert.equal(code, 0, stderr);
  assert.equal(lines.length, 5, lines.join("\n"));
  const starts = lines.slice(0, 2).sort();
  assert.deepEqual(starts, [
    "Start downloading Peking Hot.avi...",
    "Start downloading Python从入门到精通.pdf...",
  ]);
  const finished = lines.slice(2, 4).map((line) =>
    line.replace(/ It took \d+ s$/, "")
  ).sort();
  assert.deepEqual(finished, [
    "Peking Hot.avi downloaded!",
    "Python从入门到精通.pdf downloaded!",
  ]);
  for (const line of lines.slice(2, 4)) {
    const seconds = Number(/It took (\d+) s$/.exec(line)?.[1]);
    assert.ok(seconds >= 5 && seconds <= 10, line);
  }
  assert.match(lines[4], /^Total: \d+\.\d+ s\.?$/);
}
