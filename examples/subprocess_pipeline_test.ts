import { assertEquals } from "@std/assert";
import { runExample } from "./_run_example.ts";

/** The example's text, counted here independently of the commands. */
async function wordCounts(): Promise<Map<string, number>> {
  const source = await Deno.readTextFile(
    new URL("./subprocess_pipeline.ts", import.meta.url),
  );
  const zen = /const ZEN = `([^`]*)`/.exec(source)![1];
  const counts = new Map<string, number>();
  for (const word of zen.toLowerCase().split(/[^a-z]+/).filter(Boolean)) {
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  return counts;
}

Deno.test("subprocess_pipeline.ts prints the five most frequent words and every exit code", async () => {
  const { code, lines, stderr } = await runExample("subprocess_pipeline");
  assertEquals(code, 0, stderr);
  assertEquals(
    lines[0],
    "$ tr -cs A-Za-z \\n | tr A-Z a-z | sort | uniq -c | sort -rn | head -n 5",
  );
  const counts = await wordCounts();
  const top = lines.slice(1, 6).map((l) => l.trim().split(/\s+/));
  assertEquals(top.length, 5);
  const expected = [...counts.values()].sort((a, b) => b - a).slice(0, 5);
  assertEquals(top.map(([n]) => Number(n)), expected);
  for (const [n, word] of top) assertEquals(counts.get(word), Number(n), word);
  assertEquals(lines[6], "Exit codes: 0 0 0 0 0 0");
  assertEquals(lines.length, 7);
});
