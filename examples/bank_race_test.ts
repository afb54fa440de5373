import assert from "node:assert/strict";
import { runExample } from "./_run_example.ts";

Deno.test("bank_race.ts prints the unlocked balance and ends exactly at 0 with a lock", async () => {
  const { code, lines, stderr } = await runExample("bank_race");
  assert.equal(code, 0, stderr);
  assert.equal(lines.length, 2, lines.join("\n"));
  // Whether the unlocked run loses updates depends on the scheduler; that it
  // reports a balance does not.
  assert.match(lines[0], /^without a lock: balance = -?\d+ \(/);
  assert.equal(lines[1], "with a lock: balance = 0");
});
