import { assertEquals } from "@std/assert";
import { runExample } from "../_run_example.ts";

Deno.test("shared_state.ts: three worker processes count into the master's objects and nothing is lost", async () => {
  const { code, lines, stderr } = await runExample("distributed/shared_state");
  assertEquals(code, 0, stderr);
  assertEquals(
    lines.filter((line) => line.startsWith("worker ")).sort(),
    ["worker 0: 9 words", "worker 1: 7 words", "worker 2: 7 words"],
  );
  assertEquals(lines.slice(-4), [
    "total words: 23",
    "the: 5",
    "dog: 3",
    "brown: 2",
  ]);
});
