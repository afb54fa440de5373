import { assertEquals, assertMatch } from "@std/assert";
import { runExample } from "./_run_example.ts";

Deno.test("bank_race.ts prints the unlocked balance and ends exactly at 0 with a lock", async () => {
  const { code, lines, stderr } = await runExample("bank_race");
  assertEquals(code, 0, stderr);
  assertEquals(lines.length, 2, lines.join("\n"));
  // Whether the unlocked run loses updates depends on the scheduler; that it
  // reports a balance does not.
  assertMatch(lines[0], /^without a lock: balance = -?\d+ \(/);
  assertEquals(lines[1], "with a lock: balance = 0");
});
